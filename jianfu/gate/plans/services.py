"""Writes on annual plans. Each is one transaction ending with its audit entry; a refusal is a
DomainError with a Chinese sentence naming the field and the value, and nothing is saved.

The workflow:
- a unit's contact (or the office, for any unit in its scope) drafts the plan for a year and adds,
  edits and removes its items while it is a draft or returned (`item_save`, `item_remove`);
- the unit submits it for filing (`plan_submit`); the office files it (备案, `plan_file`) or
  returns it with a reason (`plan_return`). The office never files its own unit's plan, nor a plan
  its filer submitted (an approval by the unit that proposed is refused);
- on filing, the filed totals per category become the unit's quotas — unless the office set that
  quota by hand (see `_apply_quotas`);
- a filed plan changes by monthly requests (`change_request`: add, move to other months, drop)
  for a month that is not past; the office approves (the change applies, and the quotas that came
  from the plan follow the new totals) or returns them.
"""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, events, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit
from jianfu.registry.models import Category, DocumentKind, InspectionKind, MeetingLevel, Quota

from .models import (
    MAX_COUNT,
    AnnualPlan,
    ChangeAction,
    ChangeStatus,
    MeetingKind,
    PlanChange,
    PlanItem,
    PlanStatus,
)

VIEW = "gate.plan:view"
EDIT = "gate.plan:edit"
FILE = "gate.plan:file"

EDITABLE = (PlanStatus.DRAFT, PlanStatus.RETURNED)
MIN_YEAR, MAX_YEAR = 2000, 2100

audit.describe(
    {
        "jianfu.gate.plan.drafted": gettext_lazy("编制年度计划"),
        "jianfu.gate.plan.item_saved": gettext_lazy("填写年度计划事项"),
        "jianfu.gate.plan.item_removed": gettext_lazy("删除年度计划事项"),
        "jianfu.gate.plan.submitted": gettext_lazy("报备年度计划"),
        "jianfu.gate.plan.filed": gettext_lazy("年度计划备案"),
        "jianfu.gate.plan.returned": gettext_lazy("退回年度计划"),
        "jianfu.gate.plan.quotas": gettext_lazy("按备案的年度计划设定指标"),
        "jianfu.gate.plan.change_requested": gettext_lazy("申请调整年度计划"),
        "jianfu.gate.plan.change_approved": gettext_lazy("同意调整年度计划"),
        "jianfu.gate.plan.change_returned": gettext_lazy("退回年度计划调整申请"),
        "jianfu.gate.plan.imported": gettext_lazy("导入年度计划事项"),
    }
)


def _changed(plan: AnnualPlan) -> None:
    events.data_changed("gate", unit_ids=[plan.unit_id])


def _require_covers(by, code: str, unit: Unit) -> None:
    s = scope.require(by, code)
    if unit is None or not s.covers_path(unit.path):
        raise DomainError("out_of_scope", _("所选单位不在您的范围内。"), field="unit")


def _lock(plan: AnnualPlan) -> AnnualPlan:
    return AnnualPlan.objects.select_for_update().select_related("unit").get(pk=plan.pk)


def _text(value, field: str, label, *, required: bool = False, limit: int = 300) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError("required", _("请填写%(f)s。") % {"f": label}, field=field)
    if len(value) > limit:
        raise DomainError(
            "too_long",
            _("%(f)s不能超过 %(n)s 个字（现为 %(m)s 个字）。")
            % {"f": label, "n": limit, "m": len(value)},
            field=field,
        )
    return value


def month_label(year: int, month: int) -> str:
    return _("%(y)s年%(m)s月") % {"y": year, "m": month}


def clean_months(months, field: str = "months") -> list[int]:
    """Months as sorted distinct integers 1–12; a bad one is named."""
    out = set()
    for m in months or ():
        try:
            n = int(m)
        except (TypeError, ValueError):
            n = None
        if n is None or not 1 <= n <= 12:
            raise DomainError(
                "bad_month",
                _("月份“%(v)s”不正确，应为 1 到 12 之间的整数。") % {"v": str(m)[:20]},
                field=field,
            )
        out.add(n)
    return sorted(out)


def clean_item(plan: AnnualPlan, fields: dict) -> dict:
    """The fields of one plan item checked for its category: a document needs its kind, a meeting
    its kind and level, an inspection its title, kind, targets (units) and months. Returns the
    model's fields and "target_ids"."""
    category = fields.get("category") or ""
    if category not in Category.values:
        raise DomainError(
            "bad_category", _("请选择事项类别（发文、会议或督查检查考核）。"), field="category"
        )
    title = _text(fields.get("title"), "title", _("名称"), required=category == Category.INSPECTION)
    note = _text(fields.get("note"), "note", _("备注"))
    out = {
        "category": category,
        "title": title,
        "note": note,
        "count": 1,
        "document_kind": "",
        "meeting_kind": "",
        "meeting_level": "",
        "inspection_kind": "",
        "months": clean_months(fields.get("months")),
        "target_ids": [],
    }
    if category in (Category.DOCUMENT, Category.MEETING):
        count = fields.get("count")
        try:
            count = int(count)
        except (TypeError, ValueError):
            count = None
        if count is None or not 1 <= count <= MAX_COUNT:
            raise DomainError(
                "bad_count",
                _("数量“%(v)s”不正确，应为 1 到 %(n)s 之间的整数。")
                % {"v": str(fields.get("count") or "")[:20], "n": MAX_COUNT},
                field="count",
            )
        out["count"] = count
    if category == Category.DOCUMENT:
        if fields.get("document_kind") not in DocumentKind.values:
            raise DomainError("required", _("请选择文件类型。"), field="document_kind")
        out["document_kind"] = fields["document_kind"]
    elif category == Category.MEETING:
        if fields.get("meeting_kind") not in MeetingKind.values:
            raise DomainError("required", _("请选择会议类型。"), field="meeting_kind")
        if fields.get("meeting_level") not in MeetingLevel.values:
            raise DomainError("required", _("请选择会议层级。"), field="meeting_level")
        out["meeting_kind"] = fields["meeting_kind"]
        out["meeting_level"] = fields["meeting_level"]
    else:
        if fields.get("inspection_kind") not in InspectionKind.values:
            raise DomainError("required", _("请选择督查检查考核类别。"), field="inspection_kind")
        out["inspection_kind"] = fields["inspection_kind"]
        if not out["months"]:
            raise DomainError("required", _("请选择计划开展的月份。"), field="months")
        ids = []
        for v in fields.get("target_ids") or ():
            try:
                ids.append(int(v))
            except (TypeError, ValueError):
                raise DomainError(
                    "bad_target", _("检查对象“%(v)s”不正确。") % {"v": str(v)[:20]}, field="targets"
                ) from None
        ids = sorted(set(ids))
        if not ids:
            raise DomainError("required", _("请选择检查对象。"), field="targets")
        found = set(Unit.objects.filter(pk__in=ids).values_list("pk", flat=True))
        if missing := [i for i in ids if i not in found]:
            raise DomainError(
                "bad_target", _("检查对象“%(v)s”不存在。") % {"v": missing[0]}, field="targets"
            )
        out["target_ids"] = ids
    return out


def _set_item(item: PlanItem, cleaned: dict) -> PlanItem:
    target_ids = cleaned["target_ids"]
    for k, v in cleaned.items():
        if k != "target_ids":
            setattr(item, k, v)
    item.save()
    item.targets.set(target_ids)
    return item


# --- Drafting -------------------------------------------------------------------------------------


@transaction.atomic
def plan_draft(*, by, unit: Unit, year: int, note: str = "") -> AnnualPlan:
    """The unit's plan for the year, created as a draft when there is none yet."""
    _require_covers(by, EDIT, unit)
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError("bad_year", _("年度“%(v)s”不正确。") % {"v": year}, field="year")
    plan, created = AnnualPlan.objects.get_or_create(
        unit=unit,
        year=year,
        defaults={"created_by": by, "note": _text(note, "note", _("编制说明"), limit=2000)},
    )
    if created:
        audit.record(
            "jianfu.gate.plan.drafted", actor=by, obj=plan, extra={"unit": unit.pk, "year": year}
        )
    return plan


def _require_editable(plan: AnnualPlan) -> None:
    if plan.status not in EDITABLE:
        raise DomainError(
            "not_editable",
            _("该计划状态为“%(s)s”，不能修改事项；已备案的计划请提出调整申请。")
            % {"s": plan.get_status_display()},
            field="status",
        )


@transaction.atomic
def item_save(*, by, plan: AnnualPlan, fields: dict, item: PlanItem | None = None) -> PlanItem:
    """Add an item to a draft or returned plan, or edit one of its items."""
    plan = _lock(plan)
    _require_covers(by, EDIT, plan.unit)
    _require_editable(plan)
    cleaned = clean_item(plan, fields)
    if item is not None and item.plan_id != plan.pk:
        raise DomainError("not_found", _("该事项不属于本计划。"), field="item")
    before = None if item is None else {"title": item.title, "count": item.count}
    item = _set_item(item or PlanItem(plan=plan), cleaned)
    audit.record(
        "jianfu.gate.plan.item_saved",
        actor=by,
        obj=plan,
        changes={"item": [before, {"title": item.title, "count": item.count}]},
        extra={"item": item.pk, "category": item.category},
    )
    return item


@transaction.atomic
def item_remove(*, by, item: PlanItem) -> None:
    plan = _lock(item.plan)
    _require_covers(by, EDIT, plan.unit)
    _require_editable(plan)
    pk, title, category = item.pk, str(item), item.category
    item.delete()
    audit.record(
        "jianfu.gate.plan.item_removed",
        actor=by,
        obj=plan,
        extra={"item": pk, "title": title, "category": category},
    )


@transaction.atomic
def plan_submit(*, by, plan: AnnualPlan, note: str | None = None) -> AnnualPlan:
    plan = _lock(plan)
    _require_covers(by, EDIT, plan.unit)
    _require_editable(plan)
    if not plan.items.exists():
        raise DomainError("empty", _("计划还没有任何事项，请先填写再报备。"), field="items")
    before = plan.status
    if note is not None:
        plan.note = _text(note, "note", _("编制说明"), limit=2000)
    plan.status = PlanStatus.SUBMITTED
    plan.submitted_by, plan.submitted_at = by, clock.now()
    plan.save()
    audit.record(
        "jianfu.gate.plan.submitted",
        actor=by,
        obj=plan,
        changes={"status": [before, plan.status]},
    )
    _changed(plan)
    return plan


# --- Filing ---------------------------------------------------------------------------------------


def _require_filer(by, plan: AnnualPlan) -> None:
    _require_covers(by, FILE, plan.unit)
    if plan.status != PlanStatus.SUBMITTED:
        raise DomainError(
            "not_submitted",
            _("该计划状态为“%(s)s”，只有已报备待审的计划才能备案或退回。")
            % {"s": plan.get_status_display()},
            field="status",
        )
    if plan.unit_id == getattr(by, "home_unit_id", None) or plan.submitted_by_id == by.pk:
        raise DomainError(
            "self_approval",
            _(
                "不能为本单位（%(u)s）报备的计划备案或退回：报备单位不能自己审核，请由其他审核人员办理。"
            )
            % {"u": plan.unit.name},
            field="status",
        )


def planned_totals(plan: AnnualPlan) -> dict[str, int]:
    """{category: planned count} of the plan's items not dropped (every category present)."""
    from django.db.models import Sum

    totals = dict.fromkeys(Category.values, 0)
    rows = (
        plan.items.filter(dropped=False)
        .values("category")
        .order_by()
        .annotate(n=Sum("count"))
        .values_list("category", "n")
    )
    for category, n in rows:
        totals[category] = n or 0
    return totals


def _apply_quotas(by, plan: AnnualPlan) -> dict[str, list]:
    """Make the plan's totals the unit's quotas for its year, category by category — except where
    the office set the quota by hand. How the two are told apart: the plan remembers in
    `applied_quotas` the limit it applied to each category. A quota that exists while the plan
    applied none to its category, or whose limit is no longer what the plan applied, is the
    office's own figure and is kept. Returns {category: [old, new]} of the quotas changed, and
    {category: [limit, "kept"]} of those kept (both in the audit entry)."""
    from jianfu.registry.quotas.services import quota_set

    totals = planned_totals(plan)
    existing = {q.category: q for q in Quota.objects.filter(unit_id=plan.unit_id, year=plan.year)}
    applied = dict(plan.applied_quotas or {})
    changes: dict[str, list] = {}
    for category in Category.values:
        quota = existing.get(category)
        total = totals[category]
        if quota is not None and applied.get(category) != quota.limit:
            changes[category] = [quota.limit, "kept"]
            continue
        if quota is not None and quota.limit == total:
            applied[category] = total
            continue
        if quota is None and total == 0 and category not in applied:
            continue  # nothing planned, nothing set: leave the category without a quota
        quota_set(by=by, unit=plan.unit, year=plan.year, category=category, limit=total)
        changes[category] = [None if quota is None else quota.limit, total]
        applied[category] = total
    plan.applied_quotas = applied
    plan.save(update_fields=["applied_quotas", "updated_at"])
    audit.record(
        "jianfu.gate.plan.quotas",
        actor=by,
        obj=plan,
        changes=changes,
        extra={"unit": plan.unit_id, "year": plan.year, "totals": totals},
    )
    return changes


@transaction.atomic
def plan_file(*, by, plan: AnnualPlan) -> AnnualPlan:
    """备案: the office files a submitted plan; its totals become the unit's quotas."""
    plan = _lock(plan)
    _require_filer(by, plan)
    plan.status = PlanStatus.FILED
    plan.decided_by, plan.decided_at, plan.return_reason = by, clock.now(), ""
    plan.save()
    audit.record(
        "jianfu.gate.plan.filed",
        actor=by,
        obj=plan,
        changes={"status": [PlanStatus.SUBMITTED, PlanStatus.FILED]},
        extra={"totals": planned_totals(plan)},
    )
    _apply_quotas(by, plan)
    _changed(plan)
    return plan


@transaction.atomic
def plan_return(*, by, plan: AnnualPlan, reason: str) -> AnnualPlan:
    plan = _lock(plan)
    reason = _text(reason, "reason", _("退回理由"), required=True, limit=2000)
    _require_filer(by, plan)
    plan.status = PlanStatus.RETURNED
    plan.decided_by, plan.decided_at, plan.return_reason = by, clock.now(), reason
    plan.save()
    audit.record(
        "jianfu.gate.plan.returned",
        actor=by,
        obj=plan,
        changes={"status": [PlanStatus.SUBMITTED, PlanStatus.RETURNED]},
        extra={"reason": reason},
    )
    _changed(plan)
    return plan


# --- Monthly changes ------------------------------------------------------------------------------


def _not_past(plan: AnnualPlan, month: int, field: str) -> None:
    today = clock.today()
    if (plan.year, month) < (today.year, today.month):
        raise DomainError(
            "past_month",
            _("%(m)s已经过去，不能再调整该月的计划；只能调整本月及以后月份的计划。")
            % {"m": month_label(plan.year, month)},
            field=field,
        )


@transaction.atomic
def change_request(
    *,
    by,
    plan: AnnualPlan,
    month: int,
    action: str,
    reason: str,
    item: PlanItem | None = None,
    fields: dict | None = None,
    months: list | None = None,
) -> PlanChange:
    """Ask to change a filed plan from `month` (of the plan's year) on: add an item (`fields`),
    move an item to other `months`, or drop an item. A past month is refused, as are new months
    in the past."""
    plan = _lock(plan)
    _require_covers(by, EDIT, plan.unit)
    if plan.status != PlanStatus.FILED:
        raise DomainError(
            "not_filed", _("只有已备案的计划才能申请调整；未备案的计划可直接修改。"), field="status"
        )
    if action not in ChangeAction.values:
        raise DomainError("bad_action", _("请选择调整方式。"), field="action")
    (month_n,) = clean_months([month], "month") or [None]
    _not_past(plan, month_n, "month")
    reason = _text(reason, "reason", _("调整理由"), required=True, limit=2000)
    payload: dict = {}
    if action == ChangeAction.ADD:
        cleaned = clean_item(plan, fields or {})
        for m in cleaned["months"]:
            _not_past(plan, m, "months")
        payload = cleaned
        item = None
    else:
        if item is None or item.plan_id != plan.pk or item.dropped:
            raise DomainError("required", _("请选择要调整的计划事项。"), field="item")
        if action == ChangeAction.MOVE:
            new = clean_months(months, "months")
            if not new:
                raise DomainError("required", _("请选择调整后的月份。"), field="months")
            for m in new:
                _not_past(plan, m, "months")
            if new == sorted(item.months or []):
                raise DomainError("same", _("调整后的月份与原计划相同。"), field="months")
            payload = {"months": new, "before": list(item.months or [])}
    change = PlanChange.objects.create(
        plan=plan,
        month=dt.date(plan.year, month_n, 1),
        action=action,
        item=item,
        payload=payload,
        reason=reason,
        requested_by=by,
    )
    audit.record(
        "jianfu.gate.plan.change_requested",
        actor=by,
        obj=plan,
        extra={"change": change.pk, "action": action, "month": change.month.isoformat()},
    )
    _changed(plan)
    return change


def _require_decider(by, change: PlanChange) -> AnnualPlan:
    plan = change.plan
    _require_covers(by, FILE, plan.unit)
    if change.status != ChangeStatus.PENDING:
        raise DomainError(
            "decided",
            _("该调整申请已处理（%(s)s）。") % {"s": change.get_status_display()},
            field="status",
        )
    if plan.unit_id == getattr(by, "home_unit_id", None) or change.requested_by_id == by.pk:
        raise DomainError(
            "self_approval",
            _("不能审核本单位（%(u)s）提出的计划调整申请，请由其他审核人员办理。")
            % {"u": plan.unit.name},
            field="status",
        )
    return plan


@transaction.atomic
def change_approve(*, by, change: PlanChange, note: str = "") -> PlanChange:
    """Approve a change and apply it to the plan; quotas that came from the plan follow."""
    change = PlanChange.objects.select_for_update().select_related("plan__unit").get(pk=change.pk)
    plan = _lock(change.plan)
    change.plan = plan
    _require_decider(by, change)
    # Approved in a later month than asked: the month must still not be past.
    _not_past(plan, change.month.month, "month")
    if change.action == ChangeAction.ADD:
        item = _set_item(PlanItem(plan=plan, added_by_change=change), change.payload)
        change.item = item
    elif change.action == ChangeAction.MOVE:
        item = change.item
        item.months = change.payload["months"]
        item.save(update_fields=["months"])
    else:
        item = change.item
        item.dropped = True
        item.save(update_fields=["dropped"])
    change.status = ChangeStatus.APPROVED
    change.decided_by, change.decided_at = by, clock.now()
    change.decision_note = _text(note, "note", _("审核意见"), limit=2000)
    change.save()
    audit.record(
        "jianfu.gate.plan.change_approved",
        actor=by,
        obj=plan,
        extra={"change": change.pk, "action": change.action, "item": item.pk},
    )
    _apply_quotas(by, plan)
    _changed(plan)
    return change


@transaction.atomic
def change_return(*, by, change: PlanChange, note: str) -> PlanChange:
    change = PlanChange.objects.select_for_update().select_related("plan__unit").get(pk=change.pk)
    note = _text(note, "note", _("退回理由"), required=True, limit=2000)
    plan = _require_decider(by, change)
    change.status = ChangeStatus.RETURNED
    change.decided_by, change.decided_at, change.decision_note = by, clock.now(), note
    change.save()
    audit.record(
        "jianfu.gate.plan.change_returned",
        actor=by,
        obj=plan,
        extra={"change": change.pk, "reason": note},
    )
    _changed(plan)
    return change
