"""The monitoring app's dashboard panel: what the sample points feel, month by month over three
years: the mean burden score (1–5) and the mean documents a point received, per point that
reported (the same means the felt-against-registered pages read, monitoring/felt/queries.py)."""

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from jianfu.core import dashboard, scope
from jianfu.core.models import UnitKind

from .models import SamplePoint
from .reports import means

VIEW = "monitoring.report:view"
MONTHS = 36
RED, BLUE = "#a4161a", "#1f5f9f"


def months_before(today: dt.date, n: int = MONTHS) -> list[str]:
    """The n complete months before today's, oldest first ("YYYY-MM")."""
    y, m = today.year, today.month
    out = []
    for _i in range(n):
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        out.append(f"{y}-{m:02d}")
    return out[::-1]


def monthly(user, unit, keys: list[str]) -> dict[str, dict]:
    """{period: {"n": reports, "burden": mean score, "docs": mean documents received}} of the
    points in the user's scope (or in one unit's subtree)."""
    points = scope.visible(SamplePoint.objects.all(), user, perm=VIEW)
    if unit is not None:
        points = points.filter(unit__path__startswith=unit.path)
    # The kept county sums (reports/means.py), not every report's JSON read on each load.
    return {
        period: {
            "period": period,
            "n": cell.n,
            "burden": cell.mean("burden_score"),
            "docs": cell.mean("docs_total"),
        }
        for period, cell in means.of_points(points, keys).items()
    }


def _round(x, places=2):
    return None if x is None else round(x, places)


def panel(user, unit, today) -> dashboard.Figures | None:
    if unit is not None and unit.kind == UnitKind.DEPARTMENT:
        return None  # sample points sit in counties
    keys = months_before(today)
    found = monthly(user, unit, keys)
    if not found:
        return None
    burden = [_round((found.get(k) or {}).get("burden")) for k in keys]
    docs = [_round((found.get(k) or {}).get("docs"), 1) for k in keys]
    can_felt = scope.can(user, "monitoring.felt:view")
    if unit is not None and unit.kind == UnitKind.COUNTY and can_felt:
        url = reverse("felt_county", args=[unit.pk])
    elif unit is None and can_felt:
        url = reverse("felt_overview")
    else:
        url = reverse("report_list")
    last, year_ago = keys[-1], keys[-13]
    change = None
    if burden[-1] is not None and burden[-13]:
        change = (burden[-1] - burden[-13]) / burden[-13] * 100
    figures = [
        dashboard.Figure(
            _("%(p)s 负担评分") % {"p": last}, "—" if burden[-1] is None else burden[-1], url
        ),
        dashboard.Figure(
            _("%(p)s 负担评分") % {"p": year_ago}, "—" if burden[-13] is None else burden[-13], url
        ),
        dashboard.Figure(
            _("同比"),
            "—" if change is None else f"{change:+.0f}%",
            url,
            "warning" if change is not None and change > 0 else "calm",
        ),
        dashboard.Figure(
            _("%(p)s 收文（每点）") % {"p": last}, "—" if docs[-1] is None else docs[-1], url
        ),
    ]
    chart = {
        "animation": False,
        "grid": {"left": 8, "right": 8, "top": 36, "bottom": 8, "containLabel": True},
        "legend": {"top": 0},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": keys},
        "yAxis": [
            {"type": "value", "name": _("负担评分"), "min": 1, "max": 5},
            {"type": "value", "name": _("收文"), "splitLine": {"show": False}},
        ],
        "series": [
            {
                "name": _("负担评分（1–5）"),
                "type": "line",
                "data": burden,
                "color": RED,
                "connectNulls": False,
            },
            {
                "name": _("每点收文"),
                "type": "bar",
                "yAxisIndex": 1,
                "data": docs,
                "color": BLUE,
                "itemStyle": {"opacity": 0.45},
            },
        ],
    }
    return dashboard.Figures(
        title=_("样本点负担（近三年逐月）"),
        url=url,
        figures=figures,
        chart=chart,
        chart_height=300,
        chart_label=_("样本点逐月平均负担评分和平均收文数"),
        note=_("每月为当月填报的样本点的平均值（%(a)s 至 %(b)s）。") % {"a": keys[0], "b": last},
    )


def register() -> None:
    dashboard.register("monitoring.burden", panel, perms=[VIEW], order=30)
