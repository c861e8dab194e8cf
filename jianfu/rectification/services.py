"""The ledger's Excel import: the write of a file that ledger_import.py has read and checked.

It stays here, beside the import modules (ledger_import.py, ledger_io.py, io_views.py), while they
move onto the shared import runner; the writes on problems and measures it builds on are in
`problems/services.py`, and so are the rules it keeps (an imported measure is never verified).
"""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit

from .models import Measure, MeasureStatus, Problem, ProblemStatus, StepKind
from .problems.services import CREATE, EDIT, MEASURE_FIELDS, _changed, _step

# The import modules read these here (services.VIEW, services._check_measure, …).
from .problems.services import VIEW, _check_measure, _in_scope_unit  # noqa: F401  isort: skip

# --- The ledger in Excel (ledger_import, ledger_export) ----------------------------------------

audit.describe(
    {
        "jianfu.rectification.ledger.imported": gettext_lazy("导入整改台账"),
        "jianfu.rectification.ledger.exported": gettext_lazy("导出整改台账"),
    }
)
