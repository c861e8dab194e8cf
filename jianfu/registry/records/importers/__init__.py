"""Registry import and export (Excel or CSV): documents, meetings, inspections.

The imports are specs on the one import runner (core.imports): records.py holds the documents',
meetings' and inspections' (their columns are in columns.py), write.py their write and the preview
of what a file changes. workbooks.py writes the exports (which re-import into the same records)
and the blank templates. The quotas' import is the quotas part's (quotas/quota_import.py).
"""

from __future__ import annotations

from jianfu.core import imports
from jianfu.core.imports import NeedsConfirmation, Preview, Row, Sheet, UnitIndex
from jianfu.core.imports.units import name_key, unit_labels

from .columns import (
    CATEGORY_ALIASES,
    CO_UNITS,
    COLUMNS,
    COUNTED,
    DATE_FIELD,
    DEFAULTS,
    DOCUMENT_KIND_ALIASES,
    INSPECTION_KIND_ALIASES,
    INSPECTION_METHOD_ALIASES,
    LEVEL_ALIASES,
    MEETING_FORM_ALIASES,
    MEETING_LEVEL_ALIASES,
    MERGED,
    MODELS,
    PK,
    SHEET_TITLE,
    UNIT,
    Col,
)
from .columns import _Choices as _Choices  # bench/import_registry.py
from .records import SPECS, Plan, plan
from .workbooks import export_records, export_rows, template

__all__ = [
    "CATEGORY_ALIASES",
    "COLUMNS",
    "CO_UNITS",
    "COUNTED",
    "DATE_FIELD",
    "DEFAULTS",
    "DOCUMENT_KIND_ALIASES",
    "INSPECTION_KIND_ALIASES",
    "INSPECTION_METHOD_ALIASES",
    "LEVEL_ALIASES",
    "MEETING_FORM_ALIASES",
    "MEETING_LEVEL_ALIASES",
    "MERGED",
    "MODELS",
    "PK",
    "SHEET_TITLE",
    "SPECS",
    "UNIT",
    "Col",
    "NeedsConfirmation",
    "Plan",
    "Preview",
    "Row",
    "Sheet",
    "UnitIndex",
    "export_records",
    "export_rows",
    "import_records",
    "name_key",
    "plan",
    "preview_records",
    "template",
    "unit_labels",
]


def import_records(kind: str, **how):
    """Import a documents, meetings or inspections sheet: core.imports.run for its spec."""
    return imports.run(_spec(kind), **how)


def preview_records(kind: str, **how) -> Preview:
    """What importing the sheet would do, nothing saved: core.imports.preview for its spec."""
    return imports.preview(_spec(kind), **how)


def _spec(kind: str):
    if kind not in SPECS:
        raise ValueError(f"unknown registry kind: {kind}")
    return SPECS[kind]
