"""The plans' panels on a proposal's review page (gate/review.py):

- "plan" (order 10): the proposal's plan item and months, or, out of plan, its case-by-case
  request (一事一报) and its reason (a warning when there is none); and the unit's quota for the
  category this year — limit, used, left and pace, as the quota pages read them
  (registry.quotas.figures.quota_status).
- "same_targets" (order 40): for an inspection, the inspections of the same targets already planned
  (any unit's submitted or filed plan, items not dropped) or registered in the overlapping months,
  as warnings.
"""

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import clock
from jianfu.registry.models import Category, Inspection
from jianfu.registry.quotas.figures import quota_status

from .models import PlanItem, PlanStatus
from .queries import inspection_months, month_span


def _day(proposal) -> dt.date:
    return proposal.starts_on or proposal.planned_on or clock.today()


def build_plan(proposal, principal) -> dict:
    day = _day(proposal)
    year = day.year
    warnings = []
    item = proposal.plan_item
    if item is None:
        reason = (proposal.out_of_plan_reason or "").strip()
        if not reason:
            warnings.append(_("该事项未列入年度计划，也未说明计划外事由（一事一报）。"))
    else:
        reason = ""
        if item.dropped:
            warnings.append(_("所对应的年度计划事项已取消。"))
        if item.plan.status != PlanStatus.FILED:
            warnings.append(_("所对应的年度计划尚未备案。"))
        if (
            proposal.category == Category.INSPECTION
            and item.months
            and day.month not in item.months
        ):
            warnings.append(
                _("拟开展月份（%(m)s月）不在计划月份（%(p)s）内。")
                % {"m": day.month, "p": month_span(item.months)}
            )
    today = clock.today()
    as_of = today if today.year == year else dt.date(year, 12, 31)
    status = next(
        iter(
            quota_status(
                year=year, as_of=as_of, unit_ids=[proposal.unit_id], categories=[proposal.category]
            )
        ),
        None,
    )
    if status is not None and status.limit is not None and status.left <= 0:
        warnings.append(
            _("本单位%(y)s年%(c)s指标已用完（指标 %(l)s，已用 %(u)s）。")
            % {
                "y": year,
                "c": Category(proposal.category).label,
                "l": status.limit,
                "u": status.used,
            }
        )
    return {
        "item": item,
        "months": month_span(item.months) if item else "",
        "out_of_plan": item is None,
        "reason": reason,
        "year": year,
        "status": status,
        "pace_pct": round(status.pace * 100) if status and status.pace is not None else None,
        "warnings": warnings,
    }


def build_same_targets(proposal, principal) -> dict | None:
    if proposal.category != Category.INSPECTION or not proposal.pk:
        return None
    target_ids = list(proposal.targets.values_list("pk", flat=True))
    if not target_ids:
        return None
    start = proposal.starts_on or clock.today()
    end = proposal.ends_on or start
    year = start.year
    months = inspection_months(start, end, year)
    planned = [
        i
        for i in PlanItem.objects.filter(
            category=Category.INSPECTION,
            dropped=False,
            plan__year=year,
            plan__status__in=[PlanStatus.SUBMITTED, PlanStatus.FILED],
            targets__in=target_ids,
        )
        .exclude(pk=proposal.plan_item_id)
        .select_related("plan__unit")
        .prefetch_related("targets")
        .distinct()
        .order_by("pk")
        if set(i.months or ()) & months
    ]
    registered = list(
        Inspection.objects.filter(
            Q(starts_on__lte=end) & Q(ends_on__gte=start), targets__in=target_ids
        )
        .select_related("unit")
        .prefetch_related("targets")
        .distinct()
        .order_by("starts_on", "pk")[:50]
    )
    wanted = set(target_ids)
    warnings = [
        _("%(unit)s已计划于%(m)s对%(t)s开展“%(title)s”。")
        % {
            "unit": i.plan.unit.name,
            "m": month_span(set(i.months) & months),
            "t": "、".join(u.name for u in i.targets.all() if u.pk in wanted),
            "title": i.title,
        }
        for i in planned
    ] + [
        _("%(unit)s已于%(s)s至%(e)s对%(t)s开展“%(title)s”。")
        % {
            "unit": r.unit.name,
            "s": r.starts_on.isoformat(),
            "e": r.ends_on.isoformat(),
            "t": "、".join(u.name for u in r.targets.all() if u.pk in wanted),
            "title": r.title,
        }
        for r in registered
    ]
    return {"planned": planned, "registered": registered, "warnings": warnings}


def register() -> None:
    from jianfu.gate import review

    review.register(
        review.Panel(
            "plan", gettext_lazy("年度计划与指标"), 10, "gate/plans/_panel_plan.html", build_plan
        )
    )
    review.register(
        review.Panel(
            "same_targets",
            gettext_lazy("同一对象的督查检查考核"),
            40,
            "gate/plans/_panel_same_targets.html",
            build_same_targets,
        )
    )
