"""The home page's cards of annual plans: the office's plans to file and changes to decide; a
unit's plan to file in the filing season (October to December for next year, January and February
for this year), its plan returned, and its changes decided lately. One query per role's cards:
the home page's query count must not grow with the parts that put cards on it."""

import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from jianfu.core import home, scope
from jianfu.core.permissions import Role

from .models import AnnualPlan, ChangeStatus, PlanStatus
from .services import EDIT, FILE

DECIDED_DAYS = 30


def filing_year(today: dt.date) -> int | None:
    """The year whose plans are being filed now, or None outside the filing season."""
    if today.month >= 10:
        return today.year + 1
    if today.month <= 2:
        return today.year
    return None


def office_cards(user, today) -> list[home.Card]:
    year = filing_year(today) or today.year
    counts = AnnualPlan.objects.filter(scope.scope_of(user).units_q("unit__")).aggregate(
        submitted=Count("pk", filter=Q(status=PlanStatus.SUBMITTED, year=year), distinct=True),
        pending=Count("changes", filter=Q(changes__status=ChangeStatus.PENDING)),
    )
    return [
        home.Card(
            _("年度计划待备案"),
            reverse("gate_plan_list") + f"?year={year}",
            count=counts["submitted"],
            tone="warning",
            icon="journal-check",
        ),
        home.Card(
            _("计划调整待审核"),
            reverse("gate_plan_changes"),
            count=counts["pending"],
            icon="calendar2-week",
        ),
    ]


def unit_cards(user, today) -> list[home.Card]:
    if user.home_unit_id is None:
        return []
    since = today - dt.timedelta(days=DECIDED_DAYS)
    plans = list(
        AnnualPlan.objects.filter(unit_id=user.home_unit_id)
        .annotate(
            decided=Count(
                "changes",
                filter=Q(
                    changes__status__in=[ChangeStatus.APPROVED, ChangeStatus.RETURNED],
                    changes__decided_at__date__gte=since,
                ),
            )
        )
        .order_by("-year")
    )
    cards = []
    year = filing_year(today)
    season = next((p for p in plans if p.year == year), None)
    if year is not None and (season is None or season.status == PlanStatus.DRAFT):
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
    returned = next((p for p in plans if p.status == PlanStatus.RETURNED), None)
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
    decided = [p for p in plans if p.decided]
    if decided:
        cards.append(
            home.Card(
                _("计划调整已审核"),
                reverse("gate_plan_detail", args=[decided[0].pk]),
                count=sum(p.decided for p in decided),
                note=_("近 %(d)s 天") % {"d": DECIDED_DAYS},
                icon="calendar-check",
            )
        )
    return cards


def register() -> None:
    home.register("gate.plans.office", office_cards, roles=[Role.OFFICE], perms=[FILE], order=30)
    home.register("gate.plans.unit", unit_cards, roles=[Role.CONTACT], perms=[EDIT], order=30)
