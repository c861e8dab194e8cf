"""The home page's cards of annual plans: the office's plans to file and changes to decide; a
unit's plan for next year to file, its plan returned, and its changes decided lately. Counted as
the pages they link to list them."""

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from jianfu.core import home
from jianfu.core.permissions import Role

from . import queries
from .models import AnnualPlan, ChangeStatus, PlanChange, PlanStatus
from .services import EDIT, FILE

DECIDED_DAYS = 30


def office_cards(user, today) -> list[home.Card]:
    ov = queries.overview(user, today.year + 1 if today.month >= 10 else today.year)
    submitted = AnnualPlan.objects.filter(
        unit__in=queries.plan_units(user), status=PlanStatus.SUBMITTED
    ).count()
    pending = queries.pending_changes(user).count()
    return [
        home.Card(
            _("年度计划待备案"),
            reverse("gate_plan_list") + f"?year={ov.year}",
            count=submitted,
            note=_("%(y)s年尚有 %(n)s 个单位未报备") % {"y": ov.year, "n": len(ov.missing)},
            tone="warning",
            icon="journal-check",
        ),
        home.Card(
            _("计划调整待审核"),
            reverse("gate_plan_changes"),
            count=pending,
            icon="calendar2-week",
        ),
    ]


def unit_cards(user, today) -> list[home.Card]:
    if user.home_unit_id is None:
        return []
    cards = []
    year = today.year + 1 if today.month >= 10 else today.year
    plan = AnnualPlan.objects.filter(unit_id=user.home_unit_id, year=year).first()
    if plan is None or plan.status == PlanStatus.DRAFT:
        cards.append(
            home.Card(
                _("报备%(y)s年度计划") % {"y": year},
                reverse("gate_plan_mine") + f"?year={year}",
                count=1,
                note=_("发文、会议、督查检查考核计划报市委办备案"),
                tone="warning",
                icon="journal-plus",
            )
        )
    returned = AnnualPlan.objects.filter(
        unit_id=user.home_unit_id, status=PlanStatus.RETURNED
    ).first()
    if returned is not None:
        cards.append(
            home.Card(
                _("年度计划被退回"),
                reverse("gate_plan_detail", args=[returned.pk]),
                count=1,
                note=returned.return_reason[:60],
                tone="urgent",
                icon="journal-x",
            )
        )
    since = today - dt.timedelta(days=DECIDED_DAYS)
    decided = PlanChange.objects.filter(
        plan__unit_id=user.home_unit_id,
        status__in=[ChangeStatus.APPROVED, ChangeStatus.RETURNED],
        decided_at__date__gte=since,
    ).count()
    if decided:
        cards.append(
            home.Card(
                _("计划调整已审核"),
                reverse("gate_plan_mine"),
                count=decided,
                note=_("近 %(d)s 天") % {"d": DECIDED_DAYS},
                icon="calendar-check",
            )
        )
    return cards


def register() -> None:
    home.register("gate.plans.office", office_cards, roles=[Role.OFFICE], perms=[FILE], order=30)
    home.register("gate.plans.unit", unit_cards, roles=[Role.CONTACT], perms=[EDIT], order=30)
