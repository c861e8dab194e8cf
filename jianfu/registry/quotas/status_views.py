"""Quota status pages: the office's overview of every unit, and one unit's page with its charts.
Figures come from figures.quota_status over the units in the account's scope."""

import datetime as dt
from collections import Counter

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from jianfu.core import clock, scope
from jianfu.core.models import Unit

from ..models import Category
from . import charts, queries
from .figures import State, quota_status

PER_PAGE = 50
# Laggards first is the overview's own order (queries.quota_overview); the other sorts are
# stable on it, so ties stay laggards first.
SORTS = {
    "pace": None,
    "used": lambda s: -s.used,
    "left": lambda s: (s.left is None, s.left or 0),
    "change": lambda s: -(s.change if s.change is not None else -1e9),
    "unit": lambda s: s.unit.path,
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
    scope.require(request.user, "registry.quota:view")
    g = request.GET
    year = _year(request)
    as_of = _as_of(year)
    category = g.get("category", "") if g.get("category", "") in Category.values else ""
    kind = g.get("kind", "") if g.get("kind", "") in queries.OVERVIEW_KINDS else ""
    state = g.get("state", "") if g.get("state", "") in State.values else ""
    sort = g.get("sort", "pace") if g.get("sort", "pace") in SORTS else "pace"
    statuses = queries.quota_overview(
        request.user, year=year, as_of=as_of, category=category, kind=kind
    )
    by_state = Counter(st.state for st in statuses)
    rising = sum(1 for st in statuses if (st.change or 0) > 0)
    rows = [st for st in statuses if st.state == state] if state else statuses
    if SORTS[sort] is not None:
        rows.sort(key=SORTS[sort])
    page = Paginator(rows, PER_PAGE).get_page(g.get("page"))
    return render(
        request,
        "registry/quota_overview.html",
        {
            "page": page,
            "statuses": page.object_list,
            "year": year,
            "as_of": as_of,
            "sort": sort,
            "category": category,
            "categories": Category.choices,
            "kind": kind,
            "kinds": [(k.value, k.label) for k in queries.OVERVIEW_KINDS],
            "state": state,
            "states": [
                {"value": value, "label": label, "count": by_state.get(value, 0)}
                for value, label in State.choices
            ],
            "total": len(statuses),
            "rising": rising,
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
