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

# --- Ledger import --------------------------------------------------------------------------------

audit.describe(
    {
        "jianfu.rectification.ledger.imported": gettext_lazy("导入整改台账"),
        "jianfu.rectification.ledger.exported": gettext_lazy("导出整改台账"),
    }
)


@transaction.atomic
def ledger_import(
    *, by, unit: Unit, source: str, problems: list, rows: int, filename: str, sha256: str,
    stored_as: str,
):  # fmt: skip
    """Write a ledger file that ledger_import has read and checked row by row (problems: its
    ProblemRow, each with `measures` whose `data` passed _check_measure). One ImportRecord and
    ONE audit entry for the batch (file SHA-256, the stored file, the ids created) instead of one
    per row. Imported measures are in progress, or submitted where the file says they are done:
    never verified, for a unit does not verify itself."""
    from jianfu.core.models import ImportRecord

    scope.require(by, CREATE)
    scope.require(by, EDIT)
    wanted = {unit.pk} | {p.unit_id for p in problems}
    wanted |= {m.data["responsible_unit_id"] for p in problems for m in p.measures}
    units = Unit.objects.filter(scope.scope_of(by).units_q(), pk__in=wanted)
    in_scope = set(units.values_list("pk", flat=True))
    if wanted - in_scope:
        raise DomainError("unit_out_of_scope", _("请选择您范围内的单位。"), field="unit")
    now = clock.now()
    actor = by if getattr(by, "pk", None) else None
    record = ImportRecord.objects.create(
        kind="rectification.ledger",
        unit=unit,
        filename=filename[:255],
        stored_as=stored_as,
        sha256=sha256,
        rows=rows,
        by=actor,
    )
    note = _("从整改台账导入（%(f)s）") % {"f": filename[:100]}
    problem_ids, measure_ids = [], []
    for p in problems:
        problem = Problem.objects.create(
            unit_id=p.unit_id,
            source=source,
            description=p.description,
            severity=p.severity,
            found_on=p.found_on,
            evidence={"import": record.pk, "row": p.line},
            created_by=actor,
            created_at=now,
            updated_by=actor,
            updated_at=now,
        )
        problem_ids.append(problem.pk)
        _step(problem, actor, StepKind.CREATED, after=ProblemStatus.OPEN, note=note, at=now)
        for m in p.measures:
            measure_ids.append(_imported_measure(problem, m, actor, now).pk)
    record.created = len(problem_ids)
    record.save(update_fields=["created"])
    record.measures_created = len(measure_ids)  # for the page's message
    _changed()
    audit.record(
        "jianfu.rectification.ledger.imported",
        actor=by,
        object_type="core.importrecord",
        object_id=record.pk,
        extra={
            "unit": unit.pk,
            "source": source,
            "sha256": sha256,
            "file": stored_as,
            "filename": filename[:255],
            "rows": rows,
            "problem_ids": problem_ids,
            "measure_ids": measure_ids,
        },
    )
    return record


def _imported_measure(problem: Problem, m, actor, now) -> Measure:
    submitted = m.status == MeasureStatus.SUBMITTED
    measure = Measure.objects.create(
        problem=problem,
        **{f: m.data.get(f) for f in MEASURE_FIELDS},
        status=m.status,
        progress=m.progress,
        completion=m.completion,
        submitted_by=actor if submitted else None,
        submitted_at=now if submitted else None,
        created_by=actor,
        created_at=now,
        updated_by=actor,
        updated_at=now,
    )
    step = {"measure": measure, "at": now}
    _step(problem, actor, StepKind.CREATED, after=MeasureStatus.IN_PROGRESS, note=m.note, **step)
    if m.progress:
        _step(
            problem,
            actor,
            StepKind.PROGRESS,
            before=MeasureStatus.IN_PROGRESS,
            after=MeasureStatus.IN_PROGRESS,
            note=m.progress,
            **step,
        )
    if submitted:
        _step(
            problem,
            actor,
            StepKind.SUBMITTED,
            before=MeasureStatus.IN_PROGRESS,
            after=MeasureStatus.SUBMITTED,
            note=m.completion,
            **step,
        )
    return measure
