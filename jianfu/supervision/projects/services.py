"""Writes on key projects. Each is one transaction ending with its audit entry; every refusal is a
DomainError naming the field and the value, raised before anything is written (nothing
half-saved).

- The office (supervision.project:manage) creates and edits projects and deals, in its units.
- A unit's contact (supervision.project:edit) records its own projects' start, milestones done and
  money by month, and what has arrived of a deal.
- A start reported for a project that already started is kept (StartEvent.repeated): it is the
  evidence of the "started again" signal, not refused.
"""

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, events, inputs, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit

from .models import (
    Deal,
    Milestone,
    MonthlyMoney,
    Project,
    ProjectCategory,
    ProjectStatus,
    StartEvent,
)

VIEW = "supervision.project:view"
MANAGE = "supervision.project:manage"
EDIT = "supervision.project:edit"
EVENT = "supervision.projects"
MAX_MONEY = Decimal("9999999999.99")

audit.describe(
    {
        "jianfu.supervision.project.created": gettext_lazy("登记重点项目"),
        "jianfu.supervision.project.updated": gettext_lazy("修改重点项目"),
        "jianfu.supervision.project.started": gettext_lazy("报告项目开工"),
        "jianfu.supervision.project.milestone": gettext_lazy("登记项目节点"),
        "jianfu.supervision.project.money": gettext_lazy("填报项目月度投资"),
        "jianfu.supervision.project.deal": gettext_lazy("登记招商引资签约或到位资金"),
        "jianfu.supervision.project.imported": gettext_lazy("导入重点项目"),
    }
)

# Words a name may carry or drop without being another project. A second or third phase (二期,
# 三期) is another project and keeps its word; "一期" is what a first phase is often relabelled.
_NOISE = re.compile(r"(项目|工程|建设|一期|新建|续建)")
_NOT_WORD = re.compile(r"[\W_]+")


def normalise(name: str, location: str) -> str:
    """The key two records of one project share: full-width folded, case, spaces and punctuation
    dropped, and the words people add or drop ("项目", "建设", "一期"; not "二期")."""

    def fold(text: str) -> str:
        text = unicodedata.normalize("NFKC", text or "").lower()
        return _NOT_WORD.sub("", _NOISE.sub("", text))

    return f"{fold(name)}|{fold(location)}"


def _changed(unit_id: int) -> None:
    events.data_changed(EVENT, unit_ids=[unit_id])


# --- Checks ---------------------------------------------------------------------------------------


def money(value, label: str, field: str, *, allow_none: bool = False) -> Decimal | None:
    """An amount in 万元: a number, not negative, two decimals at most."""
    if value is None or value == "":
        if allow_none:
            return None
        raise DomainError("required", _("请填写“%(f)s”。") % {"f": label}, field=field)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise DomainError(
            "not_a_number",
            _("“%(f)s”应为数字（万元），收到“%(v)s”。") % {"f": label, "v": value},
            field=field,
        ) from None
    if not amount.is_finite():
        raise DomainError(
            "not_a_number", _("“%(f)s”应为数字（万元）。") % {"f": label}, field=field
        )
    if amount < 0:
        raise DomainError(
            "negative",
            _("“%(f)s”不能为负数，收到 %(v)s。") % {"f": label, "v": amount},
            field=field,
        )
    if amount > MAX_MONEY:
        raise DomainError(
            "too_large",
            _("“%(f)s”%(v)s 万元过大，请核对。") % {"f": label, "v": amount},
            field=field,
        )
    return amount.quantize(Decimal("0.01"))


def _text(value: str, label: str, field: str, max_length: int, *, required: bool = True) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise DomainError("required", _("请填写“%(f)s”。") % {"f": label}, field=field)
    if len(value) > max_length:
        raise DomainError(
            "too_long",
            _("“%(f)s”最多 %(n)s 个字。") % {"f": label, "n": max_length},
            field=field,
        )
    problem = inputs.text_problem(value, label)
    if problem:
        raise DomainError("bad_character", problem, field=field)
    return value


def _date(day, label: str, field: str, *, required: bool = True, past: bool = False):
    if day is None:
        if required:
            raise DomainError("required", _("请填写“%(f)s”。") % {"f": label}, field=field)
        return None
    problem = inputs.date_problem(day, label)
    if problem:
        raise DomainError("implausible_date", problem, field=field)
    if past and day > clock.today():
        raise DomainError(
            "in_future",
            _("“%(f)s”%(d)s 晚于今天，请核对。") % {"f": label, "d": day.isoformat()},
            field=field,
        )
    return day


def _not_before(later, earlier, later_label: str, earlier_label: str, field: str) -> None:
    if later is not None and earlier is not None and later < earlier:
        raise DomainError(
            "dates_out_of_order",
            _("“%(a)s”%(da)s 早于“%(b)s”%(db)s，请核对。")
            % {
                "a": later_label,
                "da": later.isoformat(),
                "b": earlier_label,
                "db": earlier.isoformat(),
            },
            field=field,
        )


def _unit(by, unit_id, code: str) -> Unit:
    s = scope.require(by, code)
    unit = Unit.objects.filter(s.units_q()).filter(pk=unit_id).first() if unit_id else None
    if unit is None:
        raise DomainError("unit_out_of_scope", _("请选择您范围内的单位。"), field="unit")
    return unit


def _category(category_id) -> ProjectCategory:
    category = ProjectCategory.objects.filter(pk=category_id).first() if category_id else None
    if category is None:
        raise DomainError("category", _("请选择项目类别。"), field="category")
    return category


def _own(by, project: Project, code: str) -> Project:
    """The project, locked, when `by` may write it (its unit in by's scope)."""
    scope.require(by, code)
    locked = Project.objects.select_for_update().select_related("unit").get(pk=project.pk)
    if not scope.covers(by, locked):
        raise DomainError("out_of_scope", _("该项目不在您的范围内。"), status=404)
    return locked


def _check_project(f: dict) -> dict:
    out = {
        "name": _text(f.get("name"), _("项目名称"), "name", 120),
        "location": _text(f.get("location"), _("建设地点"), "location", 120),
        "total_investment": money(
            f.get("total_investment") or 0, _("计划总投资（万元）"), "total_investment"
        ),
        "planned_start": _date(
            f.get("planned_start"), _("计划开工日期"), "planned_start", required=False
        ),
        "note": _text(f.get("note", ""), _("备注"), "note", 2000, required=False),
    }
    return out


# --- Projects -------------------------------------------------------------------------------------


@transaction.atomic
def project_create(
    *,
    by,
    unit_id: int,
    category_id: int,
    name: str,
    location: str,
    total_investment=0,
    planned_start: dt.date | None = None,
    note: str = "",
    milestones: list[tuple[str, dt.date]] = (),
) -> Project:
    unit = _unit(by, unit_id, MANAGE)
    category = _category(category_id)
    f = _check_project(
        {
            "name": name,
            "location": location,
            "total_investment": total_investment,
            "planned_start": planned_start,
            "note": note,
        }
    )
    checked = [
        (
            _text(m_name, _("节点名称"), "milestones", 80),
            _date(m_on, _("节点计划完成日期"), "milestones"),
        )
        for m_name, m_on in milestones
    ]
    now = clock.now()
    project = Project.objects.create(
        unit=unit,
        category=category,
        match_key=normalise(f["name"], f["location"]),
        created_by=by if getattr(by, "pk", None) else None,
        created_at=now,
        updated_at=now,
        **f,
    )
    Milestone.objects.bulk_create(
        [Milestone(project=project, name=n, planned_on=d) for n, d in checked]
    )
    _changed(unit.pk)
    audit.record(
        "jianfu.supervision.project.created",
        actor=by,
        obj=project,
        extra={"unit": unit.pk, "category": category.code, "name": project.name},
    )
    return project


EDITED = ("unit_id", "category_id", "name", "location", "total_investment", "planned_start", "note")


@transaction.atomic
def project_update(*, by, project: Project, unit_id: int, category_id: int, **fields) -> Project:
    project = _own(by, project, MANAGE)
    unit = _unit(by, unit_id, MANAGE)
    category = _category(category_id)
    f = _check_project(fields)
    before = audit.snapshot(project, EDITED)
    project.unit, project.category = unit, category
    for k, v in f.items():
        setattr(project, k, v)
    project.match_key = normalise(project.name, project.location)
    project.updated_at = clock.now()
    project.save()
    changes = audit.diff(before, audit.snapshot(project, EDITED))
    _changed(unit.pk)
    audit.record("jianfu.supervision.project.updated", actor=by, obj=project, changes=changes)
    return project


@transaction.atomic
def project_record_start(
    *, by, project: Project, started_on: dt.date, note: str = ""
) -> StartEvent:
    """The project reported started. On a project already started the report is kept as a
    repeated start (the signal's evidence) and the first start date stays."""
    project = _own(by, project, EDIT)
    started_on = _date(started_on, _("开工日期"), "started_on", past=True)
    note = _text(note, _("说明"), "note", 200, required=False)
    deal = Deal.objects.filter(project=project).first()
    if deal is not None:
        _not_before(started_on, deal.signed_on, _("开工日期"), _("签约日期"), "started_on")
    repeated = project.actual_start is not None or project.starts.exists()
    event = StartEvent.objects.create(
        project=project,
        started_on=started_on,
        repeated=repeated,
        note=note,
        reported_by=by if getattr(by, "pk", None) else None,
        reported_at=clock.now(),
    )
    if not repeated:
        project.actual_start = started_on
        project.status = ProjectStatus.STARTED
        project.updated_at = clock.now()
        project.save(update_fields=["actual_start", "status", "updated_at"])
    _changed(project.unit_id)
    audit.record(
        "jianfu.supervision.project.started",
        actor=by,
        obj=project,
        extra={"started_on": started_on.isoformat(), "repeated": repeated},
    )
    return event


@transaction.atomic
def project_set_status(*, by, project: Project, status: str) -> Project:
    project = _own(by, project, EDIT)
    if status not in ProjectStatus.values:
        raise DomainError("status", _("项目状态“%(v)s”无效。") % {"v": status}, field="status")
    if status != ProjectStatus.PLANNED and project.actual_start is None:
        raise DomainError("not_started", _("项目尚未报告开工，请先报告开工。"), field="status")
    before = project.status
    project.status = status
    project.updated_at = clock.now()
    project.save(update_fields=["status", "updated_at"])
    _changed(project.unit_id)
    audit.record(
        "jianfu.supervision.project.updated",
        actor=by,
        obj=project,
        changes={"status": [before, status]},
    )
    return project


# --- Milestones -----------------------------------------------------------------------------------


@transaction.atomic
def milestone_add(*, by, project: Project, name: str, planned_on: dt.date) -> Milestone:
    project = _own(by, project, EDIT)
    name = _text(name, _("节点名称"), "name", 80)
    planned_on = _date(planned_on, _("计划完成日期"), "planned_on")
    m = Milestone.objects.create(project=project, name=name, planned_on=planned_on)
    _changed(project.unit_id)
    audit.record(
        "jianfu.supervision.project.milestone",
        actor=by,
        obj=project,
        extra={"milestone": m.pk, "added": name, "planned_on": planned_on.isoformat()},
    )
    return m


@transaction.atomic
def milestone_done(*, by, milestone: Milestone, done_on: dt.date | None) -> Milestone:
    """Mark a milestone done on a date (None: not done after all)."""
    project = _own(by, milestone.project, EDIT)
    m = Milestone.objects.select_for_update().get(pk=milestone.pk, project=project)
    done_on = _date(done_on, _("实际完成日期"), "done_on", required=False, past=True)
    before = m.done_on
    m.done_on = done_on
    m.save(update_fields=["done_on"])
    _changed(project.unit_id)
    audit.record(
        "jianfu.supervision.project.milestone",
        actor=by,
        obj=project,
        extra={"milestone": m.pk, "name": m.name},
        changes={"done_on": [before, done_on]},
    )
    return m


# --- Money by month -------------------------------------------------------------------------------


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


@transaction.atomic
def money_record(*, by, project: Project, month: dt.date, planned, arrived) -> MonthlyMoney:
    """The month's planned investment and money arrived (replacing what was recorded)."""
    project = _own(by, project, EDIT)
    month = _date(month, _("月份"), "month")
    month = first_of_month(month)
    planned = money(planned, _("计划投资（万元）"), "planned")
    arrived = money(arrived, _("到位资金（万元）"), "arrived")
    if arrived > 0 and month > first_of_month(clock.today()):
        raise DomainError(
            "in_future",
            _("%(m)s 尚未到来，不能填报到位资金。") % {"m": month.strftime("%Y-%m")},
            field="month",
        )
    row, created = MonthlyMoney.objects.select_for_update().get_or_create(
        project=project, month=month, defaults={"planned": planned, "arrived": arrived}
    )
    before = {} if created else {"planned": str(row.planned), "arrived": str(row.arrived)}
    row.planned, row.arrived = planned, arrived
    if not created:
        row.save(update_fields=["planned", "arrived"])
    _changed(project.unit_id)
    audit.record(
        "jianfu.supervision.project.money",
        actor=by,
        obj=project,
        extra={"month": month.strftime("%Y-%m"), "before": before},
        changes={"planned": str(planned), "arrived": str(arrived)},
    )
    return row


# --- Investment deals -----------------------------------------------------------------------------


def _arrival(signed: Decimal, arrived: Decimal, note: str) -> None:
    if arrived > signed and not note:
        raise DomainError(
            "arrived_above_signed",
            _(
                "到位金额 %(a)s 万元超过签约金额 %(s)s 万元：请在“到位说明”中写明原因"
                "（如追加投资、合同变更），否则不能保存。"
            )
            % {"a": arrived, "s": signed},
            field="amount_arrived",
        )


@transaction.atomic
def deal_sign(
    *,
    by,
    project: Project,
    signed_on: dt.date,
    amount_signed,
    investor: str = "",
    amount_arrived=None,
    arrival_note: str = "",
) -> Deal:
    """The project's deal signed (or its terms corrected)."""
    project = _own(by, project, MANAGE)
    signed_on = _date(signed_on, _("签约日期"), "signed_on", past=True)
    amount_signed = money(amount_signed, _("签约金额（万元）"), "amount_signed")
    if amount_signed == 0:
        raise DomainError("zero", _("“签约金额（万元）”应大于 0。"), field="amount_signed")
    investor = _text(investor, _("投资方"), "investor", 120, required=False)
    arrival_note = _text(arrival_note, _("到位说明"), "arrival_note", 200, required=False)
    _not_before(project.actual_start, signed_on, _("开工日期"), _("签约日期"), "signed_on")
    deal = Deal.objects.select_for_update().filter(project=project).first()
    if amount_arrived is None:
        amount_arrived = deal.amount_arrived if deal else Decimal(0)
    else:
        amount_arrived = money(amount_arrived, _("到位金额（万元）"), "amount_arrived")
    arrival_note = arrival_note or (deal.arrival_note if deal else "")
    _arrival(amount_signed, amount_arrived, arrival_note)
    before = audit.snapshot(deal, ("signed_on", "amount_signed", "amount_arrived")) if deal else {}
    if deal is None:
        deal = Deal(project=project)
    deal.signed_on, deal.amount_signed, deal.investor = signed_on, amount_signed, investor
    deal.amount_arrived, deal.arrival_note = amount_arrived, arrival_note
    deal.save()
    _changed(project.unit_id)
    audit.record(
        "jianfu.supervision.project.deal",
        actor=by,
        obj=project,
        extra={"before": before},
        changes={
            "signed_on": signed_on.isoformat(),
            "amount_signed": str(amount_signed),
            "amount_arrived": str(amount_arrived),
        },
    )
    return deal


@transaction.atomic
def deal_arrival(*, by, project: Project, amount_arrived, note: str = "") -> Deal:
    """What has arrived of the deal so far (cumulative)."""
    project = _own(by, project, EDIT)
    deal = Deal.objects.select_for_update().filter(project=project).first()
    if deal is None:
        raise DomainError("no_deal", _("该项目没有招商引资签约记录。"), field="amount_arrived")
    amount = money(amount_arrived, _("到位金额（万元）"), "amount_arrived")
    note = _text(note, _("到位说明"), "arrival_note", 200, required=False)
    _arrival(deal.amount_signed, amount, note)
    before = str(deal.amount_arrived)
    deal.amount_arrived, deal.arrival_note = amount, note
    deal.save(update_fields=["amount_arrived", "arrival_note"])
    _changed(project.unit_id)
    audit.record(
        "jianfu.supervision.project.deal",
        actor=by,
        obj=project,
        changes={"amount_arrived": [before, str(amount)]},
        extra={"note": note},
    )
    return deal
