"""The one import runner: an import is a spec (spec.py) — its columns, cell parsers, checks and
write — and the runner (runner.py) does the rest the same way for every spec: reading the file
safely, the header, example rows, units by name or code (units.py), all or nothing, errors as
(row, column, message), the batch record with the stored file, one audit entry, the preview of
changes to existing records, progress, and the event after the commit.

Adding an importer: one module with its Spec, and `imports.register(SPEC)` in its app's
AppConfig.ready. The import page (views.py) and the job page (job_views.py) serve them all.
"""

from .jobs import register
from .previews import NeedsConfirmation, Preview
from .runner import preview, run
from .sheet import Row, Sheet
from .spec import PK, SPECS, UNIT, Spec, Updates, Written
from .units import UnitIndex, unit_labels

__all__ = [
    "PK",
    "SPECS",
    "UNIT",
    "NeedsConfirmation",
    "Preview",
    "Row",
    "Sheet",
    "Spec",
    "UnitIndex",
    "Updates",
    "Written",
    "preview",
    "register",
    "run",
    "unit_labels",
]
