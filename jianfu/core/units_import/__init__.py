"""Units tree import and export (Excel or CSV).

The import is a spec on the one import runner (core.imports), which makes it all or nothing: the
whole file is read and checked first, every problem is reported with the row (as the person sees
it in Excel, header = row 1) and the column; only a file without a single problem is written, in
one transaction that ends with ONE audit entry for the batch (file SHA-256, the stored file, the
ids created and updated).

A unit is found by its code. An existing code updates that unit (and moves it when the parent
differs); a new code creates a unit under its parent, which is either a unit already in the
importer's scope or another row of the same file. A parent that exists outside the importer's
scope is "not within your units" (the issue's choice: saying that much helps the person and tells
them nothing else about the unit), one that does not exist is "not found".

Speed: new units are written with bulk_create, paths computed here (next free step under each
parent, read once per parent), numchild fixed with one update per distinct increment; only moves of
existing units go through treebeard (they are rare). 30,000 rows take a few seconds.

The modules: columns (the columns and unit kinds), sheet (the header and the cells' parsers),
checks (against the database), write, spec (the spec: preview of changes, job pages), workbooks
(export and template: they share the columns, so an export re-imports unchanged).
"""

from __future__ import annotations

from .. import imports
from ..models import ImportRecord
from .columns import kind_labels
from .spec import SPEC
from .workbooks import export_rows, export_units, units_template

__all__ = [
    "SPEC",
    "export_rows",
    "export_units",
    "import_units",
    "kind_labels",
    "units_template",
]


def import_units(
    *, by, filename: str, data: bytes, expect: str | None = None, progress=None
) -> ImportRecord:
    """Import a units sheet (.xlsx, .xls or CSV); all or nothing. `expect`: the fingerprint of the
    preview the person confirmed (refused when the file would now do anything else). Raises
    ImportFailed with every problem found, or PermissionDenied without core.unit:manage."""
    return imports.run(SPEC, by=by, filename=filename, data=data, expect=expect, progress=progress)
