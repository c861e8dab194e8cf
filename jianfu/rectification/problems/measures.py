"""Writes on a problem's measures: the rectification ledger's workflow. Each is one transaction,
ends with its audit entry, and leaves a step in the problem's history.

The ledger's rules live here, in one place:
- a measure moves only along TRANSITIONS; anything else is refused with the status it is in;
- every write on a measure names the version it was read at, and is refused when someone saved in
  between (optimistic locking, shared with problems in `services.py`);
- the unit that rectifies never verifies itself: not an account of the problem's unit or of the
  responsible unit, and never the person who submitted;
- a problem closes when its last measure is verified, and a relapse found at the review (回头看)
  reopens it.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, scope, workdays
from jianfu.core.errors import DomainError
from jianfu.core.models import User

from ..models import Measure, MeasureKind, MeasureStatus, Problem, ProblemStatus, StepKind
from .evidence_files import _attach, check_uploads
from .queries import VERIFIER_ROLES
from .services import (
    EDIT,
    REVIEW,
    VERIFY,
    _changed,
    _in_scope_unit,
    _lock_problem,
    _refuse_stale,
    _save,
    _step,
)

audit.describe(
    {
        "jianfu.rectification.measure.created": gettext_lazy("制定整改措施"),
        "jianfu.rectification.measure.updated": gettext_lazy("修改整改措施"),
        "jianfu.rectification.measure.started": gettext_lazy("开始整改"),
        "jianfu.rectification.measure.progress": gettext_lazy("报告整改进展"),
        "jianfu.rectification.measure.submitted": gettext_lazy("提交整改核验"),
        "jianfu.rectification.measure.verified": gettext_lazy("核验整改并销号"),
        "jianfu.rectification.measure.returned": gettext_lazy("退回整改"),
        "jianfu.rectification.measure.reviewed": gettext_lazy("整改回头看"),
        "jianfu.rectification.measure.deleted": gettext_lazy("删除草稿措施"),
    }
)

# action → (statuses it starts from, status it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "start": ((MeasureStatus.DRAFT,), MeasureStatus.IN_PROGRESS),
    "progress": ((MeasureStatus.IN_PROGRESS, MeasureStatus.RETURNED), MeasureStatus.IN_PROGRESS),
    "submit": ((MeasureStatus.IN_PROGRESS, MeasureStatus.RETURNED), MeasureStatus.SUBMITTED),
    "verify": ((MeasureStatus.SUBMITTED,), MeasureStatus.VERIFIED),
    "return": ((MeasureStatus.SUBMITTED,), MeasureStatus.RETURNED),
    "review": ((MeasureStatus.VERIFIED,), MeasureStatus.VERIFIED),
}
ACTION_LABELS = {
    "start": gettext_lazy("开始整改"),
    "progress": gettext_lazy("报告进展"),
    "submit": gettext_lazy("提交核验"),
    "verify": gettext_lazy("核验通过"),
    "return": gettext_lazy("退回"),
    "review": gettext_lazy("回头看"),
    "edit": gettext_lazy("修改"),
}
# Content a unit may still change while the measure is being worked on.
EDITABLE = (MeasureStatus.DRAFT, MeasureStatus.IN_PROGRESS, MeasureStatus.RETURNED)
MEASURE_FIELDS = (
    "content",
    "kind",
    "responsible_unit_id",
    "responsible_person",
    "deadline",
    "working_days",
    "deadline_from",
    "mechanism",
    "review_on",
    "verifier_id",
)


def resolve_deadline(
    *,
    deadline: dt.date | None,
    working_days: int | None,
    deadline_from: dt.date | None,
    found_on: dt.date,
) -> tuple[dt.date, int | None, dt.date | None]:
    """A deadline given as a date, or as N working days after a start date (today by default),
    counted on the Chinese calendar with its holidays and make-up working days. The start is
    returned too (today when none was given), so the page can say how the date was counted."""
    if working_days:
        if working_days < 1 or working_days > 750:
            raise DomainError(
                "working_days", _("工作日数应在 1 到 750 之间。"), field="working_days"
            )
        deadline_from = deadline_from or clock.today()
        deadline = workdays.add_workdays(deadline_from, working_days)
    else:
        working_days, deadline_from = None, None
    if deadline is None:
        raise DomainError("required", _("请填写完成时限，或按工作日数计算。"), field="deadline")
    if deadline < found_on:
        raise DomainError(
            "deadline_before_found",
            _("完成时限 %(d)s 早于问题发现日期 %(f)s，请核对。")
            % {"d": deadline.isoformat(), "f": found_on.isoformat()},
            field="deadline",
        )
    return deadline, working_days, deadline_from


DEADLINE_FIELDS = ("deadline", "working_days", "deadline_from")


def _merged(measure: Measure, data: dict) -> dict:
    """An edit changes the fields it names; the others keep their values (a unit's form has no
    verifier field and must not clear the one the office assigned). The deadline is one value in
    two forms, so naming any of its three fields replaces all three."""
    out = {f: getattr(measure, f) for f in MEASURE_FIELDS}
    if any(f in data for f in DEADLINE_FIELDS):
        out.update(dict.fromkeys(DEADLINE_FIELDS))
    out.update((k, v) for k, v in data.items() if k in MEASURE_FIELDS)
    return out


def _measure_deadline(data: dict, problem: Problem, measure: Measure | None):
    working_days, start = data.get("working_days"), data.get("deadline_from")
    if measure is not None and working_days:
        # An edit counts from where the measure was counted (or the day it was made), never
        # from the day of the edit; the same count from the same day keeps the date agreed then,
        # even if the office has entered a holiday override since.
        start = start or measure.deadline_from or timezone.localdate(measure.created_at)
        if (working_days, start) == (measure.working_days, measure.deadline_from):
            return measure.deadline, working_days, start
    return resolve_deadline(
        deadline=data.get("deadline"),
        working_days=working_days,
        deadline_from=start,
        found_on=problem.found_on,
    )


def _check_measure(data: dict, problem: Problem, measure: Measure | None = None) -> dict:
    data = dict(data)
    for name in ("content", "responsible_person", "mechanism"):
        data[name] = (data.get(name) or "").strip()
    if not data["content"]:
        raise DomainError("required", _("请填写整改措施。"), field="content")
    if not data["responsible_person"]:
        raise DomainError("required", _("请填写责任人。"), field="responsible_person")
    if data.get("kind") not in MeasureKind.values:
        raise DomainError("kind", _("请选择立行立改或长效机制。"), field="kind")
    data["deadline"], data["working_days"], data["deadline_from"] = _measure_deadline(
        data, problem, measure
    )
    if data["kind"] == MeasureKind.LONG_TERM:
        if not data.get("review_on"):
            raise DomainError("required", _("长效机制须确定回头看日期。"), field="review_on")
        if data["review_on"] < data["deadline"]:
            raise DomainError(
                "review_before_deadline",
                _("回头看日期 %(r)s 早于完成时限 %(d)s。")
                % {"r": data["review_on"].isoformat(), "d": data["deadline"].isoformat()},
                field="review_on",
            )
    else:
        data["review_on"] = None
    return data


def _verifier_allowed(by, measure: Measure, problem: Problem, code: str = VERIFY) -> None:
    """The unit that rectifies never verifies itself, nor looks back at itself (回头看): not an
    account of the problem's unit or of the responsible unit, never the person who submitted.
    The verifier the office assigned may verify (or return) without the code; the review (回头看)
    is the office's, after the assignment has ended with the verification."""
    own = {problem.unit_id, measure.responsible_unit_id}
    if getattr(by, "home_unit_id", None) in own or (
        measure.submitted_by_id is not None and measure.submitted_by_id == by.pk
    ):
        raise DomainError(
            "self_verification",
            _("整改单位不能核验自己的整改，须由市委办或其指定的核验人核验。"),
            status=403,
        )
    if code == VERIFY and measure.verifier_id and measure.verifier_id == by.pk:
        return
    scope.require(by, code)


def _check_verifier(by, data: dict, problem: Problem, current_id: int | None = None) -> None:
    """Only the office assigns a verifier, and never someone of the rectifying unit (who could
    then verify the unit's own work)."""
    verifier_id = data.get("verifier_id")
    changed = verifier_id != current_id
    if changed and not scope.can(by, VERIFY):
        raise DomainError(
            "verifier_assign",
            _("核验人由市委办指定，您不能指定或更改核验人。"),
            field="verifier",
            status=403,
        )
    if verifier_id is None:
        return
    verifier = User.objects.filter(pk=verifier_id).first()
    if changed and verifier is not None:
        # The same people the page offers: a business role, at home in the assigner's units.
        verifier = (
            User.objects.filter(scope.scope_of(by).units_q("home_unit__"), pk=verifier_id)
            .filter(role_grants__role__in=VERIFIER_ROLES)
            .first()
        )
    if verifier is None or (changed and not verifier.is_active):
        raise DomainError("verifier", _("指定的核验人不存在或已停用。"), field="verifier")
    if verifier.home_unit_id in {problem.unit_id, data.get("responsible_unit_id")}:
        raise DomainError(
            "self_verification",
            _("核验人不能是整改单位的人员，请指定其他单位的人员核验。"),
            field="verifier",
        )


@transaction.atomic
def measure_create(*, by, problem: Problem, data: dict) -> Measure:
    problem = _lock_problem(by, problem, EDIT)
    if problem.status == ProblemStatus.CLOSED:
        raise DomainError(
            "problem_closed", _("该问题已销号，不能再添加整改措施。"), field="content"
        )
    data = _check_measure(data, problem)
    unit = _in_scope_unit(by, data.get("responsible_unit_id"), "responsible_unit", EDIT)
    data["responsible_unit_id"] = unit.pk
    _check_verifier(by, data, problem)
    now = clock.now()
    actor = by if getattr(by, "pk", None) else None
    measure = Measure.objects.create(
        problem=problem,
        **{f: data.get(f) for f in MEASURE_FIELDS},
        created_by=actor,
        created_at=now,
        updated_by=actor,
        updated_at=now,
    )
    _step(problem, by, StepKind.CREATED, measure=measure, after=measure.status, at=now)
    _changed()
    audit.record(
        "jianfu.rectification.measure.created",
        actor=by,
        obj=measure,
        extra={"problem": problem.pk, "unit": problem.unit_id},
    )
    return measure


def _lock_measure(
    by, measure_id: int, version: int | None, code: str | None, *, as_verifier: bool = False
) -> Measure:
    """The measure, locked with its problem (two measures verified at once must not both see the
    other unverified and leave the problem open). The verifier the office assigned reaches the
    measure even outside their own units (as_verifier: for verifying and returning only)."""
    s = scope.scope_of(by)
    reach = s.units_q("problem__unit__")
    if as_verifier and getattr(by, "pk", None):
        reach |= Q(verifier_id=by.pk)
    measure = (
        # of=: not the unit rows the scope joins, nor the nullable updated_by (PostgreSQL refuses
        # to lock the nullable side of an outer join).
        Measure.objects.select_for_update(of=("self", "problem"))
        .select_related("problem", "updated_by")
        .filter(reach)
        .filter(pk=measure_id)
        .first()
    )
    if measure is None:
        raise DomainError("not_found", _("该整改措施不存在或不在您的范围内。"), status=404)
    if code:
        scope.require(by, code)
    _refuse_stale(
        measure,
        version,
        _(
            "在您编辑期间，%(who)s 已于 %(at)s 保存了这条整改措施，您的保存未生效。"
            "请对照下方的最新内容，确认后重新保存（您填写的内容已保留）。"
        ),
    )
    return measure


def _move(measure: Measure, action: str) -> tuple[str, str]:
    starts, to = TRANSITIONS[action]
    if measure.status not in starts:
        raise DomainError(
            "transition",
            _("该措施当前为“%(s)s”，不能“%(a)s”。")
            % {"s": measure.get_status_display(), "a": ACTION_LABELS[action]},
            status=409,
        )
    return measure.status, to


@transaction.atomic
def measure_update(*, by, measure_id: int, version: int, data: dict) -> Measure:
    measure = _lock_measure(by, measure_id, version, EDIT)
    if measure.status not in EDITABLE:
        raise DomainError(
            "not_editable",
            _("该措施当前为“%(s)s”，不能修改。") % {"s": measure.get_status_display()},
            status=409,
        )
    data = _check_measure(_merged(measure, data), measure.problem, measure)
    if data.get("responsible_unit_id") != measure.responsible_unit_id:
        unit = _in_scope_unit(by, data.get("responsible_unit_id"), "responsible_unit", EDIT)
        data["responsible_unit_id"] = unit.pk
    _check_verifier(by, data, measure.problem, measure.verifier_id)
    before = {f: getattr(measure, f) for f in MEASURE_FIELDS}
    for f in MEASURE_FIELDS:
        setattr(measure, f, data.get(f))
    changes = audit.diff(before, {f: getattr(measure, f) for f in MEASURE_FIELDS})
    if not changes:
        return measure
    _save(measure, by, [f.removesuffix("_id") for f in changes])
    _step(measure.problem, by, StepKind.EDITED, measure=measure, changes=changes)
    _changed()
    audit.record("jianfu.rectification.measure.updated", actor=by, obj=measure, changes=changes)
    return measure


@transaction.atomic
def measure_assign_verifier(
    *, by, measure_id: int, version: int, verifier_id: int | None
) -> Measure:
    """The office names who verifies (None: the office itself), also once the measure has been
    submitted, which is when it usually decides; not after it was verified."""
    measure = _lock_measure(by, measure_id, version, VERIFY)
    if measure.status == MeasureStatus.VERIFIED:
        raise DomainError(
            "not_editable",
            _("该措施当前为“%(s)s”，不能再指定核验人。") % {"s": measure.get_status_display()},
            status=409,
        )
    data = {"verifier_id": verifier_id, "responsible_unit_id": measure.responsible_unit_id}
    _check_verifier(by, data, measure.problem, measure.verifier_id)
    changes = audit.diff({"verifier_id": measure.verifier_id}, {"verifier_id": verifier_id})
    if not changes:
        return measure
    measure.verifier_id = verifier_id
    _save(measure, by, ["verifier"])
    _step(measure.problem, by, StepKind.EDITED, measure=measure, changes=changes)
    audit.record("jianfu.rectification.measure.updated", actor=by, obj=measure, changes=changes)
    return measure


@transaction.atomic
def measure_delete(*, by, measure_id: int, version: int) -> Problem:
    """Withdraw a draft nobody has started on (set by mistake, or twice). Once work started, a
    measure is part of the record: changed, never deleted. The draft's own steps go with it; the
    problem's history keeps a step saying what it was, and its files stay with the problem."""
    measure = _lock_measure(by, measure_id, version, EDIT)
    if measure.status != MeasureStatus.DRAFT:
        raise DomainError(
            "not_deletable",
            _("只能删除尚未开始整改的草稿措施；该措施当前为“%(s)s”，不能删除。")
            % {"s": measure.get_status_display()},
            status=409,
        )
    problem, pk, content = measure.problem, measure.pk, measure.content
    measure.attachments.update(measure=None)
    measure.delete()
    now = clock.now()
    _step(problem, by, StepKind.EDITED, note=content, changes={"deleted_measure": pk}, at=now)
    if problem.measures.exists():
        # The draft may have been all that kept a problem with verified measures open.
        _close_if_done(problem, by, now)
    _changed()
    audit.record(
        "jianfu.rectification.measure.deleted",
        actor=by,
        object_type="rectification.measure",
        object_id=pk,
        changes={"status": [MeasureStatus.DRAFT, None]},
        extra={"problem": problem.pk, "unit": problem.unit_id},
    )
    return problem


@transaction.atomic
def measure_act(
    *,
    by,
    measure_id: int,
    version: int,
    action: str,
    note: str = "",
    held: bool | None = None,
    uploads: list[tuple[str, bytes]] = (),
    deadline: dt.date | None = None,
    working_days: int | None = None,
    review_on: dt.date | None = None,
) -> Measure:
    """One step along the ledger: start, progress, submit, verify, return, review, with any
    evidence files for the step (all checked before anything is written). A relapse at the review
    (held=False) sets the new deadline (a date, or `working_days` from today) and the new review
    date (by default as long after the new deadline as the old one was)."""
    if action not in TRANSITIONS:
        raise DomainError("transition", _("未知的操作。"))
    checked = check_uploads(uploads)
    checking = action in ("verify", "return", "review")
    # Verifying and looking back are checked below (_verifier_allowed), after the status. Only
    # verifying and returning reach past the scope: an assignment ends with the verification.
    measure = _lock_measure(
        by,
        measure_id,
        version,
        None if checking else EDIT,
        as_verifier=action in ("verify", "return"),
    )
    problem = measure.problem
    before, after = _move(measure, action)
    note = (note or "").strip()
    now = clock.now()
    fields = ["status"]
    changes: dict = {}
    kind = {
        "start": StepKind.STARTED,
        "progress": StepKind.PROGRESS,
        "submit": StepKind.SUBMITTED,
        "verify": StepKind.VERIFIED,
        "return": StepKind.RETURNED,
    }.get(action)
    if action == "progress":
        if not note:
            raise DomainError("required", _("请填写整改进展。"), field="note")
        measure.progress = note
        fields.append("progress")
    elif action == "submit":
        if not note:
            raise DomainError("required", _("请填写完成情况。"), field="note")
        if measure.is_long_term and not measure.mechanism:
            raise DomainError(
                "mechanism_required",
                _("长效机制须写明建立的制度机制（名称、文号或主要内容）后再提交核验。"),
                field="note",
            )
        if measure.is_long_term and not measure.review_on:
            raise DomainError(
                "required", _("长效机制须确定回头看日期后再提交核验。"), field="review_on"
            )
        measure.completion = note
        measure.submitted_by, measure.submitted_at = by, now
        fields += ["completion", "submitted_by", "submitted_at"]
    elif action in ("verify", "return"):
        _verifier_allowed(by, measure, problem)
        if action == "return":
            if not note:
                raise DomainError("required", _("退回须写明理由。"), field="note")
            measure.returns += 1
            fields.append("returns")
        else:
            measure.verified_by, measure.verified_at = by, now
            fields += ["verified_by", "verified_at"]
    elif action == "review":
        _verifier_allowed(by, measure, problem, REVIEW)
        kind = _review(by, measure, problem, held, note, now)
        fields += ["reviewed_at", "review_held"]
        if kind == StepKind.RELAPSED:
            # Checked after what the review itself needs; the transaction undoes _review's write.
            schedule = _new_schedule(measure, problem, deadline, working_days, review_on)
            # Back in progress to a new deadline: no longer verified (the verification stays in
            # the history), and not overdue at once against the deadline it met before.
            after = MeasureStatus.IN_PROGRESS
            measure.verified_by, measure.verified_at = None, None
            fields += ["verified_by", "verified_at"]
            before_schedule = {f: getattr(measure, f) for f in schedule}
            for f, value in schedule.items():
                setattr(measure, f, value)
            changes = audit.diff(before_schedule, schedule)
            fields += list(schedule)
    measure.status = after
    _save(measure, by, fields)
    step = _step(
        problem,
        by,
        kind,
        measure=measure,
        before=before,
        after=after,
        note=note,
        changes=changes,
        at=now,
    )
    files = _attach(by, problem, measure, step, checked, now)
    if action == "verify":
        _close_if_done(problem, by, now)
    _changed()
    audit.record(
        f"jianfu.rectification.measure.{_AUDIT[action]}",
        actor=by,
        obj=measure,
        changes={"status": [before, after], **changes},
        extra={"problem": problem.pk, "unit": problem.unit_id, "files": files},
    )
    return measure


_AUDIT = {
    "start": "started",
    "progress": "progress",
    "submit": "submitted",
    "verify": "verified",
    "return": "returned",
    "review": "reviewed",
}


def _new_schedule(measure: Measure, problem: Problem, deadline, working_days, review_on) -> dict:
    """The deadline and review date a relapsed measure works to: a new deadline is required (a
    date from today on, or N working days from today); the review date defaults to the same
    interval after the new deadline as the old review date was after the old deadline."""
    today = clock.today()
    if not deadline and not working_days:
        raise DomainError(
            "required",
            _("问题反弹须重新确定完成时限（指定日期或工作日数）。"),
            field="deadline",
        )
    if not working_days and deadline < today:
        raise DomainError(
            "deadline_past",
            _("新的完成时限 %(d)s 早于今天，请重新确定。") % {"d": deadline.isoformat()},
            field="deadline",
        )
    new, days, start = resolve_deadline(
        deadline=None if working_days else deadline,
        working_days=working_days,
        deadline_from=today if working_days else None,
        found_on=problem.found_on,
    )
    if review_on is None:
        gap = measure.review_on - measure.deadline if measure.review_on else dt.timedelta(0)
        review_on = new + max(gap, dt.timedelta(0))
    elif review_on < new:
        raise DomainError(
            "review_before_deadline",
            _("回头看日期 %(r)s 早于完成时限 %(d)s。")
            % {"r": review_on.isoformat(), "d": new.isoformat()},
            field="review_on",
        )
    return {"deadline": new, "working_days": days, "deadline_from": start, "review_on": review_on}


def _review(by, measure: Measure, problem: Problem, held, note: str, now) -> str:
    """回头看: did the fix hold? A relapse reopens the measure and its problem."""
    if not measure.is_long_term:
        raise DomainError("not_long_term", _("只有长效机制类措施需要回头看。"), status=409)
    if held is None:
        raise DomainError("required", _("请选择整改成效是否巩固。"), field="held")
    if not held and not note:
        raise DomainError("required", _("问题反弹须写明具体情况。"), field="note")
    measure.reviewed_at, measure.review_held = now, held
    if held:
        return StepKind.REVIEW_HELD
    problem.status, problem.closed_at = ProblemStatus.OPEN, None
    problem.relapses += 1
    problem.save(update_fields=["status", "closed_at", "relapses"])
    return StepKind.RELAPSED


def _close_if_done(problem: Problem, by, now) -> None:
    if problem.measures.exclude(status=MeasureStatus.VERIFIED).exists():
        return
    problem.status, problem.closed_at = ProblemStatus.CLOSED, now
    problem.save(update_fields=["status", "closed_at"])
    _step(
        problem,
        by,
        StepKind.VERIFIED,
        before=ProblemStatus.OPEN,
        after=ProblemStatus.CLOSED,
        at=now,
    )
