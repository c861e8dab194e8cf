"""The one import runner (being assembled): units found by name or code in an importer's scope."""
