"""Writes on problems. Each is one transaction, ends with its audit entry, and leaves a step in
the problem's history.

The problem list's rules live here, with what its measures and evidence files share (the steps
of the history, optimistic locking, the permission codes):
- every write names the version it was read at, and is refused when someone saved in between
  (optimistic locking: nothing is overwritten; the page keeps what the second person typed);
- a closed problem is the record of a verified fix and is no longer edited.
The measures' workflow (transitions, verification, the review) is in `problems/measures.py`,
evidence files in `problems/evidence_files.py`. Negative lists and self-examination rounds are in
`selfexam/services.py`; the ledger's Excel import (`problems/ledger_import.py`, a spec on the
shared import runner) writes through these.
"""

import datetime as dt
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, events, inputs, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit

from .. import sources
from ..models import Measure, Problem, ProblemStatus, Severity, Source, Step, StepKind

audit.describe(
    {
        "jianfu.rectification.problem.created": gettext_lazy("登记问题"),
        "jianfu.rectification.problem.updated": gettext_lazy("修改问题"),
    }
)

VIEW = "rectification.problem:view"
CREATE = "rectification.problem:create"
EDIT = "rectification.ledger:edit"
VERIFY = "rectification.measure:verify"
REVIEW = "rectification.measure:review"


def _changed() -> None:
    events.data_changed("rectification")


def _plain(changes: dict | None) -> dict:
    """Changes as JSON can hold them (a deadline's dates as ISO strings)."""
    return json.loads(json.dumps(changes or {}, cls=DjangoJSONEncoder))


def _step(problem, by, kind, *, measure=None, before="", after="", note="", changes=None, at=None):
    return Step.objects.create(
        problem=problem,
        measure=measure,
        kind=kind,
        from_status=before,
        to_status=after,
        note=note,
        changes=_plain(changes),
        by=by,
        at=at or clock.now(),
    )


def _in_scope_unit(by, unit_id, field: str, code: str) -> Unit:
    s = scope.require(by, code)
    unit = Unit.objects.filter(s.units_q()).filter(pk=unit_id).first() if unit_id else None
    if unit is None:
        raise DomainError("unit_out_of_scope", _("请选择您范围内的单位。"), field=field, status=400)
    return unit


# --- Problems -------------------------------------------------------------------------------------


def _check_problem(description: str, severity, found_on) -> str:
    description = (description or "").strip()
    if not description:
        raise DomainError("required", _("请填写问题描述。"), field="description")
    if severity not in Severity.values:
        raise DomainError("severity", _("严重程度无效。"), field="severity")
    if found_on is None:
        raise DomainError("required", _("请填写发现日期。"), field="found_on")
    if found_on > clock.today():
        raise DomainError(
            "found_in_future",
            _("发现日期 %(d)s 晚于今天，请核对。") % {"d": found_on.isoformat()},
            field="found_on",
        )
    return description


@transaction.atomic
def problem_create(
    *,
    by,
    unit_id: int,
    source: str,
    description: str,
    severity: int = Severity.MEDIUM,
    found_on: dt.date | None = None,
    item=None,
    evidence: dict | None = None,
    exam_answer=None,
) -> Problem:
    unit = _in_scope_unit(by, unit_id, "unit", CREATE)
    if source not in Source.values:
        raise DomainError("source", _("问题来源无效。"), field="source")
    found_on = found_on or clock.today()
    description = _check_problem(description, severity, found_on)
    implausible = inputs.date_problem(found_on, _("发现日期"))
    if implausible:
        raise DomainError("implausible_date", implausible, field="found_on")
    now = clock.now()
    problem = Problem.objects.create(
        unit=unit,
        source=source,
        item=item,
        description=description,
        severity=severity,
        found_on=found_on,
        evidence=evidence or {},
        exam_answer=exam_answer,
        created_by=by if getattr(by, "pk", None) else None,
        created_at=now,
        updated_by=by if getattr(by, "pk", None) else None,
        updated_at=now,
    )
    _step(problem, by, StepKind.CREATED, after=ProblemStatus.OPEN, at=now)
    _changed()
    audit.record(
        "jianfu.rectification.problem.created",
        actor=by,
        obj=problem,
        extra={"unit": unit.pk, "source": source},
    )
    return problem


def problem_from_source(
    *,
    by,
    kind: str,
    source_id: int,
    unit_id: int,
    category: str,
    description: str,
    severity: int,
    evidence: dict,
    note: str = "",
) -> Problem:
    """A record of a registered source (sources.py) becomes a problem of its unit, carrying the
    evidence frozen as it is now: one problem per record. The source app calls this inside its own
    transaction (whose audit entry covers both) and words the description, since only it knows
    its records; `category` is the Source shown to people."""
    if sources.get(kind) is None:
        raise LookupError(f"problem source not registered: {kind!r}")
    if category not in Source.values:
        raise ValueError(f"unknown problem source category: {category!r}")
    now = clock.now()
    problem = Problem.objects.create(
        unit_id=unit_id,
        source=category,
        description=description,
        severity=min(max(severity, Severity.LOW), Severity.HIGH),
        found_on=clock.today(),
        evidence=evidence,
        source_kind=kind,
        source_id=source_id,
        created_by=by,
        created_at=now,
        updated_by=by,
        updated_at=now,
    )
    _step(problem, by, StepKind.CREATED, after=ProblemStatus.OPEN, note=note, at=now)
    _changed()
    return problem


# "Not given" for problem_update's item: None is a choice (the problem matches no list item).
UNSET = object()


@transaction.atomic
def problem_update(
    *,
    by,
    problem: Problem,
    version: int | None,
    description: str,
    severity: int,
    item=UNSET,
) -> Problem:
    """Change what a problem says, at the `version` the person read (refused when someone saved
    in between, as for measures; None skips the check). The item is kept unless given (None
    clears it). A closed problem is the record of a verified fix and is no longer edited."""
    problem = _lock_problem(by, problem, CREATE)
    _refuse_stale(
        problem,
        version,
        _(
            "在您编辑期间，%(who)s 已于 %(at)s 保存了这个问题，您的保存未生效。"
            "请对照下方的最新内容，确认后重新保存（您填写的内容已保留）。"
        ),
    )
    if problem.status == ProblemStatus.CLOSED:
        raise DomainError(
            "problem_closed",
            _("该问题已核验销号，不能再修改。如发现问题反弹，请在回头看中记录。"),
            status=409,
        )
    description = _check_problem(description, severity, problem.found_on)
    if item is UNSET:
        item = problem.item
    before = {
        "description": problem.description,
        "severity": problem.severity,
        "item": problem.item_id,
    }
    after = {"description": description, "severity": severity, "item": item.pk if item else None}
    changes = audit.diff(before, after)
    if not changes:
        return problem
    problem.description, problem.severity, problem.item = description, severity, item
    _save(problem, by, list(changes))
    _step(problem, by, StepKind.EDITED, changes=changes, at=problem.updated_at)
    _changed()
    audit.record("jianfu.rectification.problem.updated", actor=by, obj=problem, changes=changes)
    return problem


def _refuse_stale(obj: Problem | Measure, version: int | None, message: str) -> None:
    """Optimistic locking: a save that read an older version than the row now has is refused,
    saying who saved in between and when (`message` with %(who)s and %(at)s)."""
    if version is None or obj.version == version:
        return
    editor = obj.updated_by
    who = (editor.full_name or editor.username) if editor else ""
    local = timezone.localtime(obj.updated_at)
    at = local.strftime("%H:%M")
    if local.date() != clock.today():
        at = f"{local.month}月{local.day}日 {at}"
    raise DomainError("conflict", message % {"who": who or _("他人"), "at": at}, status=409)


def _lock_problem(by, problem: Problem, code: str) -> Problem:
    s = scope.scope_of(by)
    # of=self: the scope filter joins the unit, whose row must not be locked with it.
    locked = (
        Problem.objects.select_for_update(of=("self",))
        .filter(s.units_q("unit__"))
        .filter(pk=problem.pk)
        .first()
    )
    if locked is None:
        raise DomainError("not_found", _("该问题不存在或不在您的范围内。"), status=404)
    scope.require(by, code)
    return locked


def _save(obj: Problem | Measure, by, fields: list[str]) -> None:
    """Save the fields with the next version (optimistic locking) and who saved it when."""
    obj.version = F("version") + 1
    obj.updated_by = by if getattr(by, "pk", None) else None
    obj.updated_at = clock.now()
    obj.save(update_fields=[*fields, "version", "updated_by", "updated_at"])
    obj.refresh_from_db(fields=["version"])
