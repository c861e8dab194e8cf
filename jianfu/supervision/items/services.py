"""Writes on supervision items. Each is one transaction, leaves an Event in the item's history and
ends with its audit entry; a refusal is a DomainError with a Chinese sentence naming the field and
the value, and nothing is saved.

The workflow:
- the office creates an item (a draft, or issued at once) with one lead unit and any co-units;
  `item_split` adds a unit's sub-item, `assignment_reassign` hands a unit's part to another unit
  (each hand-over counts towards 推诿);
- each unit signs (签收), files its plan, and reports feedback (text, percent, evidence note,
  evidence files: optional, checked by content, kept with the feedback in its transaction);
  the office accepts, returns or marks it false (虚假反馈, costs points);
- a unit asks for an extension (延期), the office approves (the deadline moves) or rejects it;
- the lead unit submits the item as done (办结); the office closes it (销号) or returns it.
The item's percent is the weighted roll-up of its units' percents (weights are data: lead 0.7 by
default, co-units sharing the rest evenly; `weights_set` changes them).
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, events, scope, workdays
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit

from . import config
from .models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentRole,
    Event,
    EventKind,
    Extension,
    ExtensionStatus,
    Feedback,
    FeedbackRule,
    FeedbackStatus,
    Item,
    ItemFile,
    ItemSource,
    ItemStatus,
)

VIEW = "supervision.item:view"
MANAGE = "supervision.item:manage"
HANDLE = "supervision.item:handle"

audit.describe(
    {
        "jianfu.supervision.item.created": gettext_lazy("登记督办事项"),
        "jianfu.supervision.item.issued": gettext_lazy("交办督办事项"),
        "jianfu.supervision.item.split": gettext_lazy("分解督办事项到单位"),
        "jianfu.supervision.item.reassigned": gettext_lazy("督办事项改交其他单位"),
        "jianfu.supervision.item.weights": gettext_lazy("设定督办事项权重"),
        "jianfu.supervision.item.signed": gettext_lazy("签收督办事项"),
        "jianfu.supervision.item.plan": gettext_lazy("报送督办事项办理方案"),
        "jianfu.supervision.feedback.submitted": gettext_lazy("报送督办事项进展"),
        "jianfu.supervision.feedback.accepted": gettext_lazy("采纳督办事项进展反馈"),
        "jianfu.supervision.feedback.returned": gettext_lazy("退回督办事项进展反馈"),
        "jianfu.supervision.feedback.false": gettext_lazy("认定督办事项虚假反馈"),
        "jianfu.supervision.extension.requested": gettext_lazy("申请督办事项延期"),
        "jianfu.supervision.extension.approved": gettext_lazy("批准督办事项延期"),
        "jianfu.supervision.extension.rejected": gettext_lazy("不批准督办事项延期"),
        "jianfu.supervision.item.submitted": gettext_lazy("申请督办事项办结"),
        "jianfu.supervision.item.closed": gettext_lazy("督办事项销号"),
        "jianfu.supervision.item.returned": gettext_lazy("退回督办事项重办"),
        "jianfu.supervision.item.reminded": gettext_lazy("督办事项催办"),
    }
)

FOUR = Decimal("0.0001")


def _changed() -> None:
    events.data_changed("supervision")


def _actor(by):
    return by if getattr(by, "pk", None) else None


def _event(item, by, kind, *, assignment=None, before="", after="", note="", from_unit=None):
    return Event.objects.create(
        item=item,
        assignment=assignment,
        from_unit=from_unit,
        kind=kind,
        from_status=before,
        to_status=after,
        note=note or "",
        by=_actor(by),
        at=clock.now(),
    )


def _text(value, field: str, label: str, *, required: bool = True, limit: int | None = None):
    value = (value or "").strip()
    if required and not value:
        raise DomainError("required", _("请填写%(f)s。") % {"f": label}, field=field)
    if limit and len(value) > limit:
        raise DomainError(
            "too_long",
            _("%(f)s不能超过 %(n)s 个字（现为 %(m)s 个字）。")
            % {"f": label, "n": limit, "m": len(value)},
            field=field,
        )
    return value


def _unit_in_scope(by, unit_id, field: str, code: str) -> Unit:
    s = scope.require(by, code)
    unit = Unit.objects.filter(s.units_q()).filter(pk=unit_id).first() if unit_id else None
    if unit is None:
        raise DomainError(
            "unit_out_of_scope",
            _("单位（编号 %(id)s）不存在或不在您的范围内。") % {"id": unit_id},
            field=field,
        )
    return unit


def _lock_item(by, item_id: int, code: str) -> Item:
    """The item, locked, if the principal's scope issued or carries it (else 404)."""
    s = scope.scope_of(by)
    item = Item.objects.select_for_update(of=("self",)).filter(pk=item_id).first()
    if item is None or not _reaches(s, item):
        raise DomainError("not_found", _("该督办事项不存在或不在您的范围内。"), status=404)
    scope.require(by, code)
    return item


def _reaches(s, item: Item) -> bool:
    if Unit.objects.filter(s.units_q(), pk=item.issuer_id).exists():
        return True
    return Assignment.objects.filter(s.units_q("unit__"), item=item, active=True).exists()


def _is_office(by, item: Item) -> bool:
    """The item's office: the issuing unit's subtree holders with the manage code."""
    s = scope.scope_of(by)
    return s.can(MANAGE) and Unit.objects.filter(s.units_q(), pk=item.issuer_id).exists()


def _require_office(by, item: Item) -> None:
    if not _is_office(by, item):
        raise DomainError("office_only", _("只有交办单位（市委办）可以办理此项。"), status=403)


def _move(item: Item, allowed, action: str) -> None:
    if item.status not in allowed:
        raise DomainError(
            "transition",
            _("该事项当前为“%(s)s”，不能%(a)s。") % {"s": item.get_status_display(), "a": action},
            status=409,
        )


def _own_assignment(by, item: Item, unit_id: int | None, code: str) -> Assignment:
    """The assignment of the unit acting (its home unit unless named), which must be on the item
    and inside the principal's scope."""
    s = scope.require(by, code)
    unit_id = unit_id or getattr(by, "home_unit_id", None)
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(item=item, unit_id=unit_id, active=True)
        .first()
    )
    if assignment is None:
        name = Unit.objects.filter(pk=unit_id).values_list("name", flat=True).first()
        raise DomainError(
            "unit_not_on_item",
            _("“%(u)s”不是该事项的主办或协办单位，不能办理。") % {"u": name or unit_id},
            field="unit",
        )
    if not s.covers_path(assignment.unit.path):
        raise DomainError("not_found", _("该督办事项不存在或不在您的范围内。"), status=404)
    return assignment


def default_weights(n_co: int, lead: Decimal | None = None) -> tuple[Decimal, Decimal]:
    """(lead weight, each co-unit's weight): the lead's setting, the rest shared evenly."""
    if n_co == 0:
        return Decimal(1), Decimal(0)
    lead = config.lead_weight() if lead is None else lead
    return lead, ((Decimal(1) - lead) / n_co).quantize(FOUR, ROUND_HALF_UP)


def _rebalance(item: Item) -> None:
    active = list(Assignment.objects.filter(item=item, active=True))
    cos = [a for a in active if a.role == AssignmentRole.CO]
    lead_w, co_w = default_weights(len(cos))
    for a in active:
        a.weight = lead_w if a.role == AssignmentRole.LEAD else co_w
    Assignment.objects.bulk_update(active, ["weight"])


def rollup(item: Item) -> int:
    """The item's percent: its active units' percents weighted by their weights."""
    rows = list(Assignment.objects.filter(item=item, active=True).values_list("weight", "percent"))
    total = sum((w for w, _p in rows), Decimal(0))
    if not total:
        return 0
    value = sum((w * p for w, p in rows), Decimal(0)) / total
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


def _roll(item: Item) -> None:
    item.percent = rollup(item)
    Item.objects.filter(pk=item.pk).update(percent=item.percent)


def _check_date(value, field: str, label: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise DomainError("required", _("请填写%(f)s。") % {"f": label}, field=field)
    return value


def _next_number(on: dt.date) -> str:
    prefix = f"DB{on.year}-"
    last = (
        Item.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:05d}"


@transaction.atomic
def item_create(
    *,
    by,
    source: str,
    title: str,
    deadline: dt.date,
    lead_unit_id: int,
    co_unit_ids=(),
    instruction: str = "",
    leader: str = "",
    source_ref: str = "",
    created_on: dt.date | None = None,
    feedback_rule: str = FeedbackRule.ONCE,
    milestones=(),
    working_days: bool = True,
    leader_instruction: bool = False,
    evidence_reason: str = "",
    lead_weight: Decimal | None = None,
    issue: bool = False,
    parent_id: int | None = None,
    number: str = "",
) -> Item:
    """A new item with its lead unit and co-units; issued at once with issue=True."""
    s = scope.require(by, MANAGE)
    if source not in ItemSource.values:
        raise DomainError("source", _("事项来源“%(v)s”无效。") % {"v": source}, field="source")
    title = _text(title, "title", _("事项名称"), limit=200)
    instruction = _text(instruction, "instruction", _("交办内容"), required=False)
    leader = _text(leader, "leader", _("责任领导"), required=False, limit=50)
    created_on = created_on or clock.today()
    deadline = _check_date(deadline, "deadline", _("办理时限"))
    if deadline < created_on:
        raise DomainError(
            "deadline_before_creation",
            _("办理时限 %(d)s 早于交办日期 %(c)s，请核对。")
            % {"d": deadline.isoformat(), "c": created_on.isoformat()},
            field="deadline",
        )
    if feedback_rule not in FeedbackRule.values:
        raise DomainError(
            "feedback_rule",
            _("反馈要求“%(v)s”无效。") % {"v": feedback_rule},
            field="feedback_rule",
        )
    stones = sorted(set(milestones or ()))
    if feedback_rule == FeedbackRule.MILESTONES:
        if not stones:
            raise DomainError("required", _("按节点反馈须填写反馈节点日期。"), field="milestones")
        for day in stones:
            if not isinstance(day, dt.date) or day < created_on or day > deadline:
                raise DomainError(
                    "milestone",
                    _("反馈节点 %(d)s 应在交办日期 %(c)s 和办理时限 %(e)s 之间。")
                    % {"d": day, "c": created_on.isoformat(), "e": deadline.isoformat()},
                    field="milestones",
                )
    else:
        stones = []
    co_ids = [u for u in dict.fromkeys(co_unit_ids or ()) if u != lead_unit_id]
    lead = _unit_in_scope(by, lead_unit_id, "lead_unit", MANAGE)
    cos = [_unit_in_scope(by, u, "co_units", MANAGE) for u in co_ids]
    if lead_weight is not None:
        lead_weight = Decimal(str(lead_weight))
        if not Decimal("0") < lead_weight <= Decimal("1") or (cos and lead_weight == 1):
            raise DomainError(
                "weight",
                _("主办单位权重 %(w)s 应大于 0、小于 1（有协办单位时）。") % {"w": lead_weight},
                field="lead_weight",
            )
    parent = None
    if parent_id:
        parent = _lock_item(by, parent_id, MANAGE)
    issuer_id = s.unit_id
    now = clock.now()
    number = (number or "").strip() or _next_number(created_on)
    if Item.objects.filter(number=number).exists():
        raise DomainError(
            "number_taken", _("督办单号“%(n)s”已被使用。") % {"n": number}, field="number"
        )
    item = Item.objects.create(
        number=number,
        source=source,
        source_ref=(source_ref or "").strip()[:200],
        title=title,
        instruction=instruction,
        leader=leader,
        issuer_id=issuer_id,
        created_on=created_on,
        deadline=deadline,
        feedback_rule=feedback_rule,
        milestones=[d.isoformat() for d in stones],
        working_days=bool(working_days),
        leader_instruction=bool(leader_instruction),
        evidence_reason=(evidence_reason or "").strip()[:200],
        parent=parent,
        created_by=_actor(by),
        created_at=now,
    )
    lead_w, co_w = default_weights(len(cos), lead_weight)
    Assignment.objects.bulk_create(
        [Assignment(item=item, unit=lead, role=AssignmentRole.LEAD, weight=lead_w)]
        + [Assignment(item=item, unit=u, role=AssignmentRole.CO, weight=co_w) for u in cos]
    )
    _event(item, by, EventKind.CREATED, after=item.status)
    if issue:
        _issue(item, by)
    _changed()
    audit.record(
        "jianfu.supervision.item.created",
        actor=by,
        obj=item,
        extra={"lead": lead.pk, "co": [u.pk for u in cos], "issued": bool(issue)},
    )
    return item


def _issue(item: Item, by) -> None:
    from . import reminders

    before = item.status
    item.status, item.issued_at = ItemStatus.ISSUED, clock.now()
    Item.objects.filter(pk=item.pk).update(status=item.status, issued_at=item.issued_at)
    _event(item, by, EventKind.ISSUED, before=before, after=item.status)
    reminders.tell_issued(item)


@transaction.atomic
def item_issue(*, by, item_id: int) -> Item:
    item = _lock_item(by, item_id, MANAGE)
    _require_office(by, item)
    _move(item, (ItemStatus.DRAFT,), _("交办"))
    _issue(item, by)
    _changed()
    audit.record("jianfu.supervision.item.issued", actor=by, obj=item)
    return item


@transaction.atomic
def item_split(
    *, by, item_id: int, unit_id: int, task: str, deadline: dt.date | None = None
) -> Assignment:
    """A sub-item for one unit (分解): a new co-unit, or the unit's own task on the item."""
    item = _lock_item(by, item_id, MANAGE)
    _require_office(by, item)
    if item.status == ItemStatus.CLOSED:
        raise DomainError("item_closed", _("该事项已销号，不能再分解。"), status=409)
    task = _text(task, "task", _("分解任务"))
    if deadline is not None and not item.created_on <= deadline <= item.deadline:
        raise DomainError(
            "deadline",
            _("分解时限 %(d)s 应在交办日期 %(c)s 和办理时限 %(e)s 之间。")
            % {"d": deadline.isoformat(), "c": item.created_on, "e": item.deadline},
            field="deadline",
        )
    unit = _unit_in_scope(by, unit_id, "unit", MANAGE)
    assignment = Assignment.objects.filter(item=item, unit=unit, active=True).first()
    if assignment is None:
        assignment = Assignment.objects.create(
            item=item, unit=unit, role=AssignmentRole.CO, weight=0
        )
        _rebalance(item)
        assignment.refresh_from_db()
    assignment.task, assignment.deadline = task, deadline
    assignment.save(update_fields=["task", "deadline"])
    _roll(item)
    _event(item, by, EventKind.SPLIT, assignment=assignment, note=task)
    _changed()
    audit.record(
        "jianfu.supervision.item.split",
        actor=by,
        obj=item,
        extra={"unit": unit.pk, "deadline": deadline},
    )
    return assignment


@transaction.atomic
def weights_set(*, by, item_id: int, weights: dict[int, Decimal]) -> Item:
    """Each active assignment's weight (by assignment id); they must add up to 1."""
    item = _lock_item(by, item_id, MANAGE)
    _require_office(by, item)
    active = {a.pk: a for a in Assignment.objects.filter(item=item, active=True)}
    if set(weights) != set(active):
        raise DomainError("weights", _("请为每个承办单位填写权重。"), field="weights")
    total = Decimal(0)
    for pk, value in weights.items():
        value = Decimal(str(value))
        if value < 0 or value > 1:
            raise DomainError(
                "weight",
                _("“%(u)s”的权重 %(w)s 应在 0 到 1 之间。")
                % {"u": active[pk].unit.name, "w": value},
                field="weights",
            )
        active[pk].weight = value.quantize(FOUR, ROUND_HALF_UP)
        total += active[pk].weight
    if abs(total - 1) > Decimal("0.001"):
        raise DomainError(
            "weights_sum",
            _("各单位权重之和应为 1，现为 %(t)s。") % {"t": total},
            field="weights",
        )
    Assignment.objects.bulk_update(active.values(), ["weight"])
    _roll(item)
    _changed()
    audit.record(
        "jianfu.supervision.item.weights",
        actor=by,
        obj=item,
        changes={str(pk): str(a.weight) for pk, a in active.items()},
    )
    return item


@transaction.atomic
def assignment_reassign(*, by, assignment_id: int, unit_id: int, note: str) -> Assignment:
    """The office hands a unit's part to another unit (the first said it is not theirs): the old
    assignment ends, the new one takes its role, weight and task, and the hand-over is counted
    (推诿 when it goes back and forth)."""
    old = Assignment.objects.select_related("item", "unit").filter(pk=assignment_id).first()
    if old is None or not old.active:
        raise DomainError("not_found", _("该承办记录不存在或已改交。"), status=404)
    item = _lock_item(by, old.item_id, MANAGE)
    _require_office(by, item)
    if item.status == ItemStatus.CLOSED:
        raise DomainError("item_closed", _("该事项已销号，不能改交。"), status=409)
    note = _text(note, "note", _("改交理由"))
    unit = _unit_in_scope(by, unit_id, "unit", MANAGE)
    if Assignment.objects.filter(item=item, unit=unit, active=True).exists():
        raise DomainError(
            "unit_on_item",
            _("“%(u)s”已是该事项的承办单位。") % {"u": unit.name},
            field="unit",
        )
    old.active = False
    old.returns = F("returns") + 1
    old.save(update_fields=["active", "returns"])
    new = Assignment.objects.create(
        item=item,
        unit=unit,
        role=old.role,
        weight=old.weight,
        task=old.task,
        deadline=old.deadline,
    )
    if old.role == AssignmentRole.LEAD and item.status in (ItemStatus.SIGNED,):
        Item.objects.filter(pk=item.pk).update(status=ItemStatus.ISSUED)
    _roll(item)
    _event(item, by, EventKind.REASSIGNED, assignment=new, from_unit=old.unit, note=note)
    _changed()
    audit.record(
        "jianfu.supervision.item.reassigned",
        actor=by,
        obj=item,
        extra={"from": old.unit_id, "to": unit.pk},
    )
    return new


@transaction.atomic
def sign(*, by, item_id: int, unit_id: int | None = None) -> Assignment:
    """The unit signs for its part (签收); the lead unit's signature marks the item signed."""
    item = _lock_item(by, item_id, HANDLE)
    _move(item, OPEN_STATUSES, _("签收"))
    assignment = _own_assignment(by, item, unit_id, HANDLE)
    if assignment.signed_at is not None:
        raise DomainError(
            "signed",
            _("本单位已于 %(t)s 签收。")
            % {"t": timezone.localtime(assignment.signed_at).strftime("%Y-%m-%d %H:%M")},
            status=409,
        )
    assignment.signed_at, assignment.signed_by = clock.now(), _actor(by)
    assignment.save(update_fields=["signed_at", "signed_by"])
    before = item.status
    if assignment.role == AssignmentRole.LEAD and item.status == ItemStatus.ISSUED:
        item.status = ItemStatus.SIGNED
        Item.objects.filter(pk=item.pk).update(status=item.status)
    _event(item, by, EventKind.SIGNED, assignment=assignment, before=before, after=item.status)
    _changed()
    audit.record(
        "jianfu.supervision.item.signed", actor=by, obj=item, extra={"unit": assignment.unit_id}
    )
    return assignment


def _start(item: Item) -> str:
    before = item.status
    if item.status in (ItemStatus.ISSUED, ItemStatus.SIGNED, ItemStatus.RETURNED):
        item.status = ItemStatus.IN_PROGRESS
        Item.objects.filter(pk=item.pk).update(status=item.status)
    return before


@transaction.atomic
def plan_file(*, by, item_id: int, plan: str, unit_id: int | None = None) -> Assignment:
    item = _lock_item(by, item_id, HANDLE)
    _move(item, OPEN_STATUSES, _("报送方案"))
    assignment = _own_assignment(by, item, unit_id, HANDLE)
    assignment.plan = _text(plan, "plan", _("办理方案"))
    assignment.plan_at = clock.now()
    if assignment.signed_at is None:
        assignment.signed_at, assignment.signed_by = assignment.plan_at, _actor(by)
    assignment.save(update_fields=["plan", "plan_at", "signed_at", "signed_by"])
    before = _start(item) if assignment.role == AssignmentRole.LEAD else item.status
    _event(item, by, EventKind.PLAN, assignment=assignment, before=before, after=item.status)
    _changed()
    audit.record(
        "jianfu.supervision.item.plan", actor=by, obj=item, extra={"unit": assignment.unit_id}
    )
    return assignment


def check_uploads(uploads) -> list[tuple[str, bytes, str]]:
    """Every file checked by content (jianfu.core.files) before anything is stored or written;
    a bad one refuses the whole submission with a sentence naming it (field "file")."""
    from jianfu.core import files

    return [(name, data, files.check(name, data)) for name, data in uploads or ()]


def _attach(by, item, assignment, feedback, event, checked, now) -> list[dict]:
    """The checked files kept under their SHA-256 and recorded beside the feedback and its step."""
    from jianfu.core import files

    out = []
    for name, data, kind in checked:
        stored = files.store(data, kind)
        ItemFile.objects.create(
            item=item,
            assignment=assignment,
            feedback=feedback,
            event=event,
            name=files.clean_name(name),
            kind=kind,
            size=stored.size,
            sha256=stored.sha256,
            relpath=stored.relpath,
            uploaded_by=_actor(by),
            uploaded_at=now,
        )
        out.append({"name": files.clean_name(name), "sha256": stored.sha256, "size": stored.size})
    return out


def _check_percent(percent) -> int:
    try:
        value = int(percent)
    except (TypeError, ValueError):
        raise DomainError(
            "percent", _("完成进度“%(v)s”不是整数。") % {"v": percent}, field="percent"
        ) from None
    if value < 0 or value > 100:
        raise DomainError(
            "percent",
            _("完成进度 %(v)s%% 超出范围，应在 0 到 100 之间。") % {"v": value},
            field="percent",
        )
    return value


@transaction.atomic
def feedback_submit(
    *,
    by,
    item_id: int,
    text: str,
    percent,
    unit_id: int | None = None,
    due_on: dt.date | None = None,
    evidence_note: str = "",
    uploads=(),
) -> Feedback:
    """A unit reports progress: text, percent (0–100), an optional note on evidence and optional
    evidence files ((name, bytes) pairs; a bad one refuses the whole feedback). Its percent
    becomes the assignment's and the item's rolls up."""
    item = _lock_item(by, item_id, HANDLE)
    _move(item, OPEN_STATUSES[:3] + (ItemStatus.RETURNED,), _("报送进展"))
    assignment = _own_assignment(by, item, unit_id, HANDLE)
    text = _text(text, "text", _("进展情况"))
    percent = _check_percent(percent)
    checked = check_uploads(uploads)
    if due_on is None:
        from .queries import next_feedback_due

        due_on = next_feedback_due(item, assignment, clock.today()) or item.deadline
    now = clock.now()
    if assignment.signed_at is None:
        assignment.signed_at, assignment.signed_by = now, _actor(by)
    assignment.percent = percent
    assignment.save(update_fields=["percent", "signed_at", "signed_by"])
    fb = Feedback.objects.create(
        assignment=assignment,
        due_on=due_on,
        text=text,
        percent=percent,
        evidence_note=(evidence_note or "").strip(),
        submitted_by=_actor(by),
        submitted_at=now,
    )
    before = _start(item)
    _roll(item)
    event = _event(
        item,
        by,
        EventKind.FEEDBACK,
        assignment=assignment,
        before=before,
        after=item.status,
        note=f"{percent}%",
    )
    stored = _attach(by, item, assignment, fb, event, checked, now)
    _changed()
    audit.record(
        "jianfu.supervision.feedback.submitted",
        actor=by,
        obj=fb,
        extra={"item": item.pk, "unit": assignment.unit_id, "percent": percent, "files": stored},
    )
    return fb


def _lock_feedback(by, feedback_id: int) -> tuple[Feedback, Item]:
    fb = (
        Feedback.objects.select_for_update(of=("self",))
        .select_related("assignment")
        .filter(pk=feedback_id)
        .first()
    )
    if fb is None:
        raise DomainError("not_found", _("该进展反馈不存在或不在您的范围内。"), status=404)
    item = _lock_item(by, fb.assignment.item_id, MANAGE)
    _require_office(by, item)
    return fb, item


def _review(by, feedback_id: int, status: str, note: str, kind: str, code: str) -> Feedback:
    fb, item = _lock_feedback(by, feedback_id)
    if fb.status != FeedbackStatus.SUBMITTED:
        raise DomainError(
            "reviewed",
            _("该进展反馈已“%(s)s”，不能再审核。") % {"s": fb.get_status_display()},
            status=409,
        )
    fb.status, fb.office_note = status, note
    fb.reviewed_by, fb.reviewed_at = _actor(by), clock.now()
    fb.save(update_fields=["status", "office_note", "reviewed_by", "reviewed_at"])
    if status == FeedbackStatus.RETURNED:
        Assignment.objects.filter(pk=fb.assignment_id).update(returns=F("returns") + 1)
    _event(item, by, kind, assignment=fb.assignment, note=note)
    _changed()
    audit.record(code, actor=by, obj=fb, extra={"item": item.pk, "unit": fb.assignment.unit_id})
    return fb


@transaction.atomic
def feedback_accept(*, by, feedback_id: int, note: str = "") -> Feedback:
    return _review(
        by,
        feedback_id,
        FeedbackStatus.ACCEPTED,
        (note or "").strip(),
        EventKind.FEEDBACK_ACCEPTED,
        "jianfu.supervision.feedback.accepted",
    )


@transaction.atomic
def feedback_return(*, by, feedback_id: int, note: str) -> Feedback:
    note = _text(note, "note", _("退回理由"))
    return _review(
        by,
        feedback_id,
        FeedbackStatus.RETURNED,
        note,
        EventKind.FEEDBACK_RETURNED,
        "jianfu.supervision.feedback.returned",
    )


@transaction.atomic
def feedback_mark_false(*, by, feedback_id: int, note: str) -> Feedback:
    """The office finds the feedback false (虚假反馈): marked, returned if still pending, and the
    unit's percent goes back to the last accepted feedback's."""
    note = _text(note, "note", _("认定理由"))
    fb, item = _lock_feedback(by, feedback_id)
    if fb.false_report:
        raise DomainError("marked", _("该进展反馈已被认定为虚假反馈。"), status=409)
    fb.false_report, fb.office_note = True, note
    if fb.status == FeedbackStatus.SUBMITTED:
        fb.status = FeedbackStatus.RETURNED
    fb.reviewed_by, fb.reviewed_at = _actor(by), clock.now()
    fb.save(update_fields=["false_report", "status", "office_note", "reviewed_by", "reviewed_at"])
    last_good = (
        Feedback.objects.filter(
            assignment_id=fb.assignment_id, status=FeedbackStatus.ACCEPTED, false_report=False
        )
        .order_by("-submitted_at", "-pk")
        .values_list("percent", flat=True)
        .first()
    )
    Assignment.objects.filter(pk=fb.assignment_id).update(percent=last_good or 0)
    _roll(item)
    _event(item, by, EventKind.FALSE_FEEDBACK, assignment=fb.assignment, note=note)
    _changed()
    audit.record(
        "jianfu.supervision.feedback.false",
        actor=by,
        obj=fb,
        extra={"item": item.pk, "unit": fb.assignment.unit_id},
    )
    return fb


@transaction.atomic
def extension_request(
    *, by, item_id: int, new_deadline: dt.date, reason: str, unit_id: int | None = None
) -> Extension:
    """A unit asks to move the deadline: the item's (the lead unit) or its own sub-item's."""
    item = _lock_item(by, item_id, HANDLE)
    if item.status == ItemStatus.CLOSED:
        raise DomainError(
            "item_closed",
            _("事项“%(t)s”已销号，不能申请延期。") % {"t": item.title},
            field="new_deadline",
            status=409,
        )
    _move(item, OPEN_STATUSES, _("申请延期"))
    assignment = _own_assignment(by, item, unit_id, HANDLE)
    reason = _text(reason, "reason", _("延期理由"))
    new_deadline = _check_date(new_deadline, "new_deadline", _("申请延至日期"))
    own = assignment.role == AssignmentRole.CO and assignment.deadline is not None
    old = assignment.deadline if own else item.deadline
    if new_deadline <= old:
        raise DomainError(
            "not_later",
            _("申请延至 %(n)s 不晚于现时限 %(o)s。")
            % {"n": new_deadline.isoformat(), "o": old.isoformat()},
            field="new_deadline",
        )
    if Extension.objects.filter(
        item=item, unit=assignment.unit, status=ExtensionStatus.PENDING
    ).exists():
        raise DomainError(
            "pending", _("本单位已有一份延期申请待审批。"), field="new_deadline", status=409
        )
    ext = Extension.objects.create(
        item=item,
        assignment=assignment if own else None,
        unit=assignment.unit,
        reason=reason,
        old_deadline=old,
        new_deadline=new_deadline,
        requested_by=_actor(by),
        requested_at=clock.now(),
    )
    _event(
        item,
        by,
        EventKind.EXTENSION_REQUESTED,
        assignment=assignment,
        note=f"{old.isoformat()} → {new_deadline.isoformat()}：{reason}",
    )
    _changed()
    audit.record(
        "jianfu.supervision.extension.requested",
        actor=by,
        obj=ext,
        extra={"item": item.pk, "unit": assignment.unit_id, "to": new_deadline},
    )
    return ext


def _lock_extension(by, extension_id: int) -> tuple[Extension, Item]:
    ext = Extension.objects.select_for_update(of=("self",)).filter(pk=extension_id).first()
    if ext is None:
        raise DomainError("not_found", _("该延期申请不存在或不在您的范围内。"), status=404)
    item = _lock_item(by, ext.item_id, MANAGE)
    _require_office(by, item)
    if ext.status != ExtensionStatus.PENDING:
        raise DomainError(
            "decided",
            _("该延期申请已“%(s)s”。") % {"s": ext.get_status_display()},
            status=409,
        )
    return ext, item


def span_days(item: Item, a: dt.date, b: dt.date) -> int:
    """Days from a to b on the item's clock: working days when it counts those."""
    return workdays.workdays_between(a, b) if item.working_days else (b - a).days


@transaction.atomic
def extension_approve(*, by, extension_id: int, note: str = "") -> Extension:
    ext, item = _lock_extension(by, extension_id)
    if item.status == ItemStatus.CLOSED:
        raise DomainError("item_closed", _("该事项已销号，不能批准延期。"), status=409)
    ext.status, ext.office_note = ExtensionStatus.APPROVED, (note or "").strip()
    ext.decided_by, ext.decided_at = _actor(by), clock.now()
    ext.days = span_days(item, ext.old_deadline, ext.new_deadline)
    ext.save(update_fields=["status", "office_note", "decided_by", "decided_at", "days"])
    if ext.assignment_id:
        Assignment.objects.filter(pk=ext.assignment_id).update(deadline=ext.new_deadline)
    else:
        item.deadline = ext.new_deadline
        Item.objects.filter(pk=item.pk).update(deadline=item.deadline)
    _event(
        item,
        by,
        EventKind.EXTENSION_APPROVED,
        assignment=ext.assignment,
        note=f"{ext.old_deadline.isoformat()} → {ext.new_deadline.isoformat()}",
    )
    _changed()
    audit.record(
        "jianfu.supervision.extension.approved",
        actor=by,
        obj=ext,
        extra={"item": item.pk, "unit": ext.unit_id, "days": ext.days},
    )
    return ext


@transaction.atomic
def extension_reject(*, by, extension_id: int, note: str) -> Extension:
    note = _text(note, "note", _("不批准理由"))
    ext, item = _lock_extension(by, extension_id)
    ext.status, ext.office_note = ExtensionStatus.REJECTED, note
    ext.decided_by, ext.decided_at = _actor(by), clock.now()
    ext.save(update_fields=["status", "office_note", "decided_by", "decided_at"])
    _event(item, by, EventKind.EXTENSION_REJECTED, assignment=ext.assignment, note=note)
    _changed()
    audit.record(
        "jianfu.supervision.extension.rejected",
        actor=by,
        obj=ext,
        extra={"item": item.pk, "unit": ext.unit_id},
    )
    return ext


@transaction.atomic
def completion_submit(
    *,
    by,
    item_id: int,
    text: str,
    unit_id: int | None = None,
    evidence_note: str = "",
    uploads=(),
) -> Item:
    """The lead unit reports the item done (办结): a final feedback at 100 % (with optional
    evidence files, as feedback) and the item waits for the office to close it."""
    item = _lock_item(by, item_id, HANDLE)
    _move(
        item,
        (ItemStatus.ISSUED, ItemStatus.SIGNED, ItemStatus.IN_PROGRESS, ItemStatus.RETURNED),
        _("申请办结"),
    )
    assignment = _own_assignment(by, item, unit_id, HANDLE)
    if assignment.role != AssignmentRole.LEAD:
        raise DomainError(
            "lead_only", _("办结由主办单位申请，协办单位请报送进展。"), field="unit", status=403
        )
    text = _text(text, "text", _("办结情况"))
    checked = check_uploads(uploads)
    now = clock.now()
    fb = Feedback.objects.create(
        assignment=assignment,
        due_on=item.deadline,
        text=text,
        percent=100,
        evidence_note=(evidence_note or "").strip(),
        submitted_by=_actor(by),
        submitted_at=now,
    )
    if assignment.signed_at is None:
        assignment.signed_at, assignment.signed_by = now, _actor(by)
    assignment.percent = 100
    assignment.save(update_fields=["percent", "signed_at", "signed_by"])
    before = item.status
    item.status = ItemStatus.SUBMITTED
    Item.objects.filter(pk=item.pk).update(status=item.status)
    _roll(item)
    event = _event(
        item, by, EventKind.SUBMITTED, assignment=assignment, before=before, after=item.status
    )
    stored = _attach(by, item, assignment, fb, event, checked, now)
    _changed()
    audit.record("jianfu.supervision.item.submitted", actor=by, obj=item, extra={"files": stored})
    return item


@transaction.atomic
def item_close(*, by, item_id: int, note: str = "") -> Item:
    """The office closes the item (销号): every unit at 100 %, pending feedback accepted."""
    item = _lock_item(by, item_id, MANAGE)
    _require_office(by, item)
    _move(item, (ItemStatus.SUBMITTED,), _("销号"))
    now = clock.now()
    Feedback.objects.filter(assignment__item=item, status=FeedbackStatus.SUBMITTED).update(
        status=FeedbackStatus.ACCEPTED, reviewed_by=_actor(by), reviewed_at=now
    )
    Assignment.objects.filter(item=item, active=True).update(percent=100)
    item.status, item.closed_at, item.percent = ItemStatus.CLOSED, now, 100
    Item.objects.filter(pk=item.pk).update(status=item.status, closed_at=now, percent=100)
    _event(item, by, EventKind.CLOSED, before=ItemStatus.SUBMITTED, after=item.status, note=note)
    _changed()
    audit.record("jianfu.supervision.item.closed", actor=by, obj=item)
    return item


@transaction.atomic
def item_return(*, by, item_id: int, note: str) -> Item:
    """The office sends the item back (退回重办): the lead unit's count of returns goes up, its
    completion feedback is returned."""
    note = _text(note, "note", _("退回理由"))
    item = _lock_item(by, item_id, MANAGE)
    _require_office(by, item)
    _move(item, (ItemStatus.SUBMITTED,), _("退回"))
    lead = Assignment.objects.filter(item=item, active=True, role=AssignmentRole.LEAD).first()
    Feedback.objects.filter(assignment=lead, status=FeedbackStatus.SUBMITTED).update(
        status=FeedbackStatus.RETURNED,
        office_note=note,
        reviewed_by=_actor(by),
        reviewed_at=clock.now(),
    )
    Assignment.objects.filter(pk=lead.pk).update(returns=F("returns") + 1)
    item.status = ItemStatus.RETURNED
    Item.objects.filter(pk=item.pk).update(status=item.status)
    _event(
        item,
        by,
        EventKind.RETURNED,
        assignment=lead,
        before=ItemStatus.SUBMITTED,
        after=item.status,
        note=note,
    )
    _changed()
    audit.record("jianfu.supervision.item.returned", actor=by, obj=item, extra={"note": note})
    return item
