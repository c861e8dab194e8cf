"""Unit tree import and export (filled in by the import work)."""
