"""Felt against registered, on the page: the counties with sample points (their year-on-year
changes side by side) and one county's lines — what it registered as reaching the grassroots
against what its points said they received from it, month by month over three years.

Who: whoever may read what points report (monitoring.report:view: the office, leaders, the
discipline commission), in their scope. A county's own contact may not: the points' reports are
the independent check on the county itself.
"""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.translation import gettext as _

from jianfu.core import clock, periods, runtime, scope
from jianfu.core.models import Unit, UnitKind
from jianfu.core.queries import count_by

from ..models import SamplePoint
from . import queries as felt

YEARS = 3
RED, GREY, BLUE, AMBER = "#a4161a", "#8a8f98", "#1f5f9f", "#d08a00"
MEASURE_LABELS = {
    "documents": (_("发至基层的文件"), _("县级登记（件）"), _("样本点平均每点收到（件）")),
    "meetings": (_("要求基层参加的会议"), _("县级登记（次）"), _("样本点平均每点参加（次）")),
    "inspections": (
        _("督查检查考核"),
        _("县级登记（次）"),
        _("样本点平均每点接受（次）"),
    ),
}


def _compared(today: dt.date) -> tuple[int, int]:
    """(year, months compared): the months of this year whose reports were due."""
    last = periods.key_of(today.replace(day=1) - dt.timedelta(days=1))
    year, month = int(last[:4]), int(last[5:7])
    return (year, month) if year == today.year else (year, 12)


def _months(years: list[int], year: int, months: int) -> list[str]:
    return [f"{y}-{m:02d}" for y in years for m in range(1, 13) if y < year or m <= months]


def _flat(by_year: dict, keys: list[str]) -> list:
    return [by_year.get(int(k[:4]), [None] * 12)[int(k[5:7]) - 1] for k in keys]


def _round(values, digits=1):
    return [None if v is None else round(v, digits) for v in values]


def chart(measure: str, keys: list[str], registered: list, felt_values: list) -> dict:
    """Both lines on one chart, each on its own axis: the county's whole output (left) against
    one point's share of it (right); their direction, not their levels, is what compares."""
    _title, reg_label, felt_label = MEASURE_LABELS[measure]
    return {
        "animation": False,
        "grid": {"left": 48, "right": 52, "top": 40, "bottom": 48},
        "legend": {"data": [str(reg_label), str(felt_label)], "top": 0},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": keys, "axisLabel": {"interval": 2, "rotate": 45}},
        "yAxis": [
            {
                "type": "value",
                "name": str(reg_label),
                "minInterval": 1,
                "nameTextStyle": {"align": "left"},
            },
            {
                "type": "value",
                "name": str(felt_label),
                "splitLine": {"show": False},
                "nameTextStyle": {"align": "right"},
            },
        ],
        "series": [
            {
                "name": str(reg_label),
                "type": "line",
                "data": registered,
                "color": RED,
                "symbolSize": 5,
            },
            {
                "name": str(felt_label),
                "type": "line",
                "yAxisIndex": 1,
                "data": _round(felt_values),
                "color": BLUE,
                "symbolSize": 5,
                "connectNulls": False,
            },
        ],
    }


def score_chart(keys: list[str], scores: list) -> dict:
    label = _("负担感受评分（平均，1–5）")
    return {
        "animation": False,
        "grid": {"left": 48, "right": 24, "top": 40, "bottom": 48},
        "legend": {"data": [label], "top": 0},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": keys, "axisLabel": {"interval": 2, "rotate": 45}},
        "yAxis": {"type": "value", "min": 1, "max": 5},
        "series": [{"name": label, "type": "line", "data": _round(scores, 2), "color": AMBER}],
    }


# The lines of the felt-against-registered rule, when the rules are installed (runtime settings),
# so that the page flags what the rule raises.
SETTINGS = {
    "min_fall": "signals.felt.min_fall_pct",
    "gap": "signals.felt.gap_pp",
    "min_count": "signals.felt.min_count",
    "min_points": "signals.felt.min_points",
    "alpha": "signals.felt.alpha_pct",
}


def _lines() -> dict:
    lines = dict(felt.DEFAULT_LINES)
    known = [key for key in SETTINGS.values() if key in runtime.DEFINITIONS]
    got = runtime.get_many(known)
    for name, key in SETTINGS.items():
        if key in got:
            lines[name] = float(got[key]) / 100 if name == "alpha" else float(got[key])
    return lines


def county_figures(county_ids: list[int], year: int, months: int) -> dict[int, dict]:
    """Per county and measure: registered and felt, this year's compared months against the
    same months last year, with their changes."""
    years = [year - 1, year]
    lines = _lines()
    reg, fe = felt.registered(county_ids, years), felt.felt(county_ids, years)
    out = {}
    for c in county_ids:
        r, f = reg.get(c, {}), fe.get(c, {})
        rows = {}
        for measure in felt.MEASURES:
            rows[measure] = {
                "label": MEASURE_LABELS[measure][0],
                **felt.compare(r, f, measure, year, months, lines),
            }
        rows["score"] = {
            "this": felt.mean_of(f.get("burden_score", {}), year, months),
            "last": felt.mean_of(f.get("burden_score", {}), year - 1, months),
        }
        out[c] = rows
    return out


def _change_cell(f: dict) -> str:
    """One measure's cell of the overview (registered change / felt change, flagged when
    diverging), as HTML: three per county, built here rather than by an include each."""
    reg = "—" if f["reg_change"] is None else f"{floatformat(f['reg_change'], 0)}%"
    fel = "—" if f["felt_change"] is None else f"{floatformat(f['felt_change'], 0)}%"
    if f["diverging"]:
        return format_html(
            '<td class="text-end jf-nowrap table-danger">{} / {} <i class="bi'
            ' bi-exclamation-triangle text-danger" aria-label="{}"></i></td>',
            reg,
            fel,
            _("登记减少而基层感受未减轻"),
        )
    return format_html('<td class="text-end jf-nowrap">{} / {}</td>', reg, fel)


@login_required
def felt_overview(request):
    s = scope.require(request.user, "monitoring.felt:view")
    year, months = _compared(clock.today())
    county_ids = sorted(
        set(
            SamplePoint.scoped.filter(s.units_q("county__"))
            .order_by()
            .values_list("county_id", flat=True)
        )
    )
    counties = {u.pk: u for u in Unit.scoped.filter(pk__in=county_ids).only("pk", "name", "path")}
    figures = county_figures(county_ids, year, months)
    points = count_by(SamplePoint.scoped.filter(county_id__in=county_ids), "county_id")
    rows = [
        {"county": counties[c], "points": points.get(c, 0), **figures[c]}
        for c in sorted(county_ids, key=lambda c: counties[c].path)
    ]
    rows.sort(key=lambda r: not any(r[m]["diverging"] for m in felt.MEASURES))
    for r in rows:
        r["cells"] = [_change_cell(r[m]) for m in felt.MEASURES]
    return render(
        request,
        "monitoring/felt_overview.html",
        {"rows": rows, "year": year, "months": months},
    )


@login_required
def felt_county(request, pk):
    county = scope.get_for(Unit, request.user, pk, perm="monitoring.felt:view", unit_field=None)
    if county.kind != UnitKind.COUNTY:
        raise Http404
    today = clock.today()
    year, months = _compared(today)
    years = list(range(year - YEARS + 1, year + 1))
    keys = _months(years, year, months)
    reg = felt.registered([county.pk], years).get(county.pk, {})
    fe = felt.felt([county.pk], years).get(county.pk, {})
    figures = county_figures([county.pk], year, months)[county.pk]
    cards = []
    for measure in felt.MEASURES:
        registered = _flat(reg.get(measure, {}), keys)
        felt_values = _flat(fe.get(measure, {}), keys)
        cards.append(
            {
                "measure": measure,
                "label": MEASURE_LABELS[measure][0],
                "chart_id": f"felt-{measure}",
                "chart": chart(measure, keys, registered, felt_values),
                "figures": figures[measure],
                "table": list(zip(keys, registered, _round(felt_values), strict=True)),
            }
        )
    points = list(
        SamplePoint.scoped.filter(county=county).select_related("unit").order_by("unit__path")
    )
    return render(
        request,
        "monitoring/felt_county.html",
        {
            "county": county,
            "cards": cards,
            "score_chart": score_chart(keys, _flat(fe.get("burden_score", {}), keys)),
            "score": figures["score"],
            "points": points,
            "reporting": _flat(fe.get("points", {}), keys),
            "year": year,
            "months": months,
            "first": keys[0] if keys else "",
            "last": keys[-1] if keys else "",
        },
    )
