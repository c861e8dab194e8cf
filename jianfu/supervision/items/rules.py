"""Signal rules of supervision items (group "supervision"), added to the signals' registry (RULES)
by setup.ready — signals sits below supervision and never imports it.

- sup_overdue: an open item (not submitted as done) past its deadline. One signal per item
  (subject "i<id>") for its lead unit, period the deadline's year; severity by working days late
  (from 5: medium, from 20: high), a level up for a leader's instruction.
- sup_behind: an open item behind pace (yellow: the share of time gone exceeds the share done by
  the colours' margin) and not yet overdue. Subject "i<id>", lead unit.
- sup_handover (推诿): an item handed from unit to unit (改交) a setting's number of times (default
  2). One signal per unit that handed it on, subject "i<id>", period the item's year.
- sup_drift: a unit whose approved extensions in the year add up to a setting's number of days
  (working days where the item counts those; default 20). Subject "drift", period the year.

Each reads only what could raise a signal: open items past or near their deadline, reassignment
events, approved extensions.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import config
from .models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentRole,
    Event,
    EventKind,
    Extension,
    ExtensionStatus,
    Item,
    ItemStatus,
)
from .queries import RED, YELLOW, DayClock, colours

GROUP = "supervision"
MEDIUM_DAYS, HIGH_DAYS = 5, 20


def _leads(item_ids) -> dict[int, int]:
    return dict(
        Assignment.objects.filter(
            item_id__in=list(item_ids), role=AssignmentRole.LEAD, active=True
        ).values_list("item_id", "unit_id")
    )


def _wanted(unit_id: int, unit_ids) -> bool:
    return unit_ids is None or unit_id in unit_ids


def _item_figures(item: Item) -> list[dict]:
    from jianfu.signals.rules.base import figure

    return [
        figure("sup_item", f"{item.number} {item.title}"[:80], "text"),
        figure("sup_leader", item.leader or "—", "text"),
        figure("deadline", item.deadline.isoformat(), "date"),
        figure("sup_percent", item.percent, "pct"),
    ]


def evaluate_overdue(as_of: dt.date, unit_ids, settings: dict) -> list:
    from jianfu.signals.rules.base import Finding, figure

    items = list(
        Item.objects.filter(status__in=OPEN_STATUSES, deadline__lt=as_of).exclude(
            status=ItemStatus.SUBMITTED
        )
    )
    if not items:
        return []
    leads = _leads(i.pk for i in items)
    day_clock = DayClock(min(i.deadline for i in items), as_of)
    out = []
    for item in items:
        unit = leads.get(item.pk)
        if unit is None or not _wanted(unit, unit_ids):
            continue
        late = (
            day_clock.workdays_between(item.deadline, as_of)
            if item.working_days
            else (as_of - item.deadline).days
        )
        severity = 3 if late >= HIGH_DAYS else 2 if late >= MEDIUM_DAYS else 1
        if item.leader_instruction:
            severity = min(3, severity + 1)
        out.append(
            Finding(
                unit_id=unit,
                period=str(item.deadline.year),
                subject=f"i{item.pk}",
                severity=severity,
                conditions=("overdue",),
                evidence={
                    "conditions": ["overdue"],
                    "as_of": as_of.isoformat(),
                    "item": item.pk,
                    "title": item.title,
                    "deadline": item.deadline.isoformat(),
                    "days_late": late,
                    "figures": _item_figures(item) + [figure("sup_days_late", late, "count")],
                },
            )
        )
    return out


def evaluate_behind(as_of: dt.date, unit_ids, settings: dict) -> list:
    from jianfu.signals.rules.base import Finding

    open_items = Item.objects.filter(status__in=OPEN_STATUSES, deadline__gte=as_of).exclude(
        status=ItemStatus.SUBMITTED
    )
    found = [pk for pk, c in colours(open_items, as_of).items() if c in (YELLOW, RED)]
    if not found:
        return []
    leads = _leads(found)
    out = []
    for item in Item.objects.filter(pk__in=found).order_by("pk"):
        unit = leads.get(item.pk)
        if unit is None or not _wanted(unit, unit_ids):
            continue
        out.append(
            Finding(
                unit_id=unit,
                period=str(item.created_on.year),
                subject=f"i{item.pk}",
                severity=2 if item.leader_instruction else 1,
                conditions=("behind",),
                evidence={
                    "conditions": ["behind"],
                    "as_of": as_of.isoformat(),
                    "item": item.pk,
                    "title": item.title,
                    "deadline": item.deadline.isoformat(),
                    "percent": item.percent,
                    "figures": _item_figures(item),
                },
            )
        )
    return out


def evaluate_handover(as_of: dt.date, unit_ids, settings: dict) -> list:
    from jianfu.signals.rules.base import Finding, figure, graded

    times = int(settings[config.HANDOVER_TIMES])
    counted = (
        Event.objects.filter(kind=EventKind.REASSIGNED)
        .values("item_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=times)
        .order_by()
    )
    n_of = {r["item_id"]: r["n"] for r in counted}
    if not n_of:
        return []
    chains: dict[int, list[Event]] = defaultdict(list)
    for e in (
        Event.objects.filter(item_id__in=list(n_of), kind=EventKind.REASSIGNED)
        .select_related("from_unit", "assignment__unit")
        .order_by("at", "pk")
    ):
        chains[e.item_id].append(e)
    items = Item.objects.in_bulk(list(n_of))
    out = []
    for item_id, events in chains.items():
        item = items[item_id]
        chain = [
            {
                "date": timezone.localdate(e.at).isoformat(),
                "from": e.from_unit.name if e.from_unit else "",
                "to": e.assignment.unit.name if e.assignment else "",
                "note": e.note[:120],
            }
            for e in events
        ]
        for unit in dict.fromkeys(e.from_unit_id for e in events if e.from_unit_id):
            if not _wanted(unit, unit_ids):
                continue
            out.append(
                Finding(
                    unit_id=unit,
                    period=str(item.created_on.year),
                    subject=f"i{item.pk}",
                    severity=graded(n_of[item_id], times, base=2),
                    conditions=("handover",),
                    evidence={
                        "conditions": ["handover"],
                        "as_of": as_of.isoformat(),
                        "item": item.pk,
                        "title": item.title,
                        "handovers": n_of[item_id],
                        "chain": chain,
                        "figures": _item_figures(item)
                        + [figure("sup_handovers", n_of[item_id], "count")],
                    },
                )
            )
    return out


def evaluate_drift(as_of: dt.date, unit_ids, settings: dict) -> list:
    from jianfu.signals.rules.base import Finding, figure, graded

    limit = int(settings[config.DRIFT_DAYS])
    rows = (
        Extension.objects.filter(status=ExtensionStatus.APPROVED, decided_at__year=as_of.year)
        .values("unit_id")
        .annotate(days=Sum("days"), n=Count("pk"))
        .filter(days__gte=limit)
        .order_by()
    )
    out = []
    for r in rows:
        if not _wanted(r["unit_id"], unit_ids):
            continue
        out.append(
            Finding(
                unit_id=r["unit_id"],
                period=str(as_of.year),
                subject="drift",
                severity=graded(r["days"], limit),
                conditions=("drift",),
                evidence={
                    "conditions": ["drift"],
                    "as_of": as_of.isoformat(),
                    "days": r["days"],
                    "extensions": r["n"],
                    "figures": [
                        figure("sup_extension_days", r["days"], "count"),
                        figure("sup_extensions", r["n"], "count"),
                    ],
                },
            )
        )
    return out


def overdue_headline(subject: str, evidence: dict) -> str:
    return gettext("督办事项“%(t)s”已超过办理时限 %(d)s，逾期 %(n)s 天仍未办结") % {
        "t": evidence.get("title", "")[:30],
        "d": evidence.get("deadline"),
        "n": evidence.get("days_late"),
    }


def behind_headline(subject: str, evidence: dict) -> str:
    return gettext("督办事项“%(t)s”进度滞后：完成 %(p)s%%，办理时限 %(d)s") % {
        "t": evidence.get("title", "")[:30],
        "p": evidence.get("percent"),
        "d": evidence.get("deadline"),
    }


def handover_headline(subject: str, evidence: dict) -> str:
    return gettext("督办事项“%(t)s”在单位之间改交 %(n)s 次，存在推诿") % {
        "t": evidence.get("title", "")[:30],
        "n": evidence.get("handovers"),
    }


def drift_headline(subject: str, evidence: dict) -> str:
    return gettext("本年获批延期 %(n)s 次，累计 %(d)s 天，办理时限一再后移") % {
        "n": evidence.get("extensions"),
        "d": evidence.get("days"),
    }


class _NoSubjectLabel(dict):
    def get(self, key, default=None):
        return super().get(key, "")


def _rules():
    from jianfu.signals.rules.base import Rule

    return (
        Rule(
            code="sup_overdue",
            label=_("督办事项逾期"),
            sentence=_(
                "督办事项超过办理时限仍未申请办结即预警；逾期满 5 个工作日为较重，满 20 个为严重，"
                "领导批示件升一级。"
            ),
            evaluate=evaluate_overdue,
            settings=(),
            subjects=_NoSubjectLabel(),
            headline=overdue_headline,
            group=GROUP,
        ),
        Rule(
            code="sup_behind",
            label=_("督办事项进度滞后"),
            sentence=_(
                "督办事项时间进度超过完成进度达到 %(pace_margin)s 个百分点即预警"
                "（时间过半、任务过半），领导批示件为较重。"
            ),
            evaluate=evaluate_behind,
            settings=(config.PACE_MARGIN,),
            subjects=_NoSubjectLabel(),
            headline=behind_headline,
            group=GROUP,
        ),
        Rule(
            code="sup_handover",
            label=_("督办事项推诿"),
            sentence=_("同一督办事项在单位之间改交 %(handover_times)s 次及以上即预警（推诿）。"),
            evaluate=evaluate_handover,
            settings=(config.HANDOVER_TIMES,),
            subjects=_NoSubjectLabel(),
            headline=handover_headline,
            group=GROUP,
        ),
        Rule(
            code="sup_drift",
            label=_("督办事项时限漂移"),
            sentence=_("一个单位本年获批延期累计达到 %(drift_days)s 天即预警（时限一再后移）。"),
            evaluate=evaluate_drift,
            settings=(config.DRIFT_DAYS,),
            subjects={"drift": _("累计延期")},
            headline=drift_headline,
            group=GROUP,
        ),
    )


FIGURE_LABELS = {
    "sup_item": _("督办事项"),
    "sup_leader": _("责任领导"),
    "sup_percent": _("完成进度"),
    "sup_days_late": _("逾期天数"),
    "sup_handovers": _("改交次数"),
    "sup_extension_days": _("累计延期天数"),
    "sup_extensions": _("延期次数"),
}


def register() -> None:
    """Add this part's rules to the signals' registry (setup.ready)."""
    from jianfu.signals.rules import RULES
    from jianfu.signals.rules.base import FIGURES

    FIGURES.update(FIGURE_LABELS)
    RULES.update((r.code, r) for r in _rules())
