"""Registry import and export (Excel or CSV): documents, meetings, inspections; quotas.

The imports are specs on the one import runner (core.imports), run as
`imports.run("registry.<kind>", …)` ("registry.quota" for quotas): records.py holds the
documents', meetings' and inspections' (their columns are in columns.py), write.py their write
and the preview of what a file changes, quotas.py the quotas'. workbooks.py writes the exports
(which re-import into the same records) and the blank templates.
"""

from __future__ import annotations

from .columns import COLUMNS, MODELS
from .quotas import QUOTA_COLUMNS, quota_template
from .records import SPECS
from .workbooks import export_records, export_rows, template

__all__ = [
    "COLUMNS",
    "MODELS",
    "QUOTA_COLUMNS",
    "SPECS",
    "export_records",
    "export_rows",
    "quota_template",
    "template",
]
