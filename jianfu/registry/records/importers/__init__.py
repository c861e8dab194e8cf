"""Registry import and export (Excel or CSV): documents, meetings, inspections.

The imports are specs on the one import runner (core.imports), run as
`imports.run("registry.<kind>", …)`: records.py holds the documents', meetings' and inspections'
(their columns are in columns.py), write.py their write and the preview of what a file changes.
workbooks.py writes the exports (which re-import into the same records) and the blank templates.
The quotas' import is the quotas part's (quotas/quota_import.py, "registry.quota").
"""

from __future__ import annotations

from .columns import COLUMNS, MODELS
from .records import SPECS
from .workbooks import export_records, export_rows, template

__all__ = [
    "COLUMNS",
    "MODELS",
    "SPECS",
    "export_records",
    "export_rows",
    "template",
]
