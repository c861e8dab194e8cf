"""Quota status pages: the office's overview of every unit, and one unit's page with its charts.
Figures come from figures.quota_status over the units in the account's scope."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from jianfu.core import clock, scope
from jianfu.core.models import Unit

from . import charts
from .figures import quota_status
from .models import Category

ISSUER_KINDS = ["city", "county", "department", "county_department", "township"]
SORTS = {
    "pace": lambda s: (not s.exceeded, -(s.pace or 0)),
    "used": lambda s: -s.used,
    "left": lambda s: (s.left is None, s.left or 0),
    "change": lambda s: -(s.change if s.change is not None else -1e9),
    "unit": lambda s: s.unit_path,
}


def _year(request) -> int:
    today = clock.today()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    return year if 2000 <= year <= today.year + 1 else today.year


def _as_of(year: int) -> dt.date:
    today = clock.today()
    return today if year == today.year else dt.date(year, 12, 31)


@login_required
def overview(request):
    s = scope.require(request.user, "registry.quota:view")
    year = _year(request)
    as_of = _as_of(year)
    category = request.GET.get("category", "")
    units = {
        u.pk: u
        for u in Unit.objects.filter(s.units_q(), kind__in=ISSUER_KINDS).only(
            "pk", "name", "short_name", "path", "kind"
        )
    }
    statuses = quota_status(
        year=year,
        as_of=as_of,
        unit_ids=list(units),
        categories=[category] if category in Category.values else None,
    )
    for st in statuses:
        st.unit = units[st.unit_id]
        st.unit_path = st.unit.path
        st.change = st.change_pct(as_of.month)
    sort = request.GET.get("sort", "pace")
    statuses.sort(key=SORTS.get(sort, SORTS["pace"]))
    summary = {
        "exceeded": sum(1 for st in statuses if st.exceeded),
        "at_risk": sum(1 for st in statuses if st.exhaustion and not st.exceeded),
        "rising": sum(1 for st in statuses if (st.change or 0) > 0),
        "total": len(statuses),
    }
    return render(
        request,
        "registry/quota_overview.html",
        {
            "statuses": statuses,
            "year": year,
            "as_of": as_of,
            "sort": sort,
            "category": category,
            "categories": Category.choices,
            "summary": summary,
            "years": range(clock.today().year, clock.today().year - 4, -1),
        },
    )


@login_required
def unit_status(request, pk):
    unit = scope.get_for(Unit, request.user, pk, perm="registry.quota:view", unit_field=None)
    year = _year(request)
    as_of = _as_of(year)
    by_category = {
        st.category: st for st in quota_status(year=year, as_of=as_of, unit_ids=[unit.pk])
    }
    cards = []
    for value, label in Category.choices:
        st = by_category.get(value)
        if st is None:
            continue
        st.change = st.change_pct(as_of.month)
        cards.append(
            {
                "label": label,
                "status": st,
                "burn_id": f"burn-{value}",
                "burn": charts.burn_down(st, as_of),
                "months_id": f"months-{value}",
                "months": charts.monthly_comparison(st),
                "months_table": list(
                    zip(charts.months(), st.monthly, st.monthly_last, strict=True)
                ),
            }
        )
    return render(
        request,
        "registry/quota_unit.html",
        {
            "unit": unit,
            "cards": cards,
            "year": year,
            "as_of": as_of,
            "years": range(clock.today().year, clock.today().year - 4, -1),
        },
    )
