"""The registry's dashboard panel: quota use against the time pace, per county and department
(the whole city) or per category (one unit's profile). Figures are figures.quota_status, the
same the quota overview and a unit's quota page show."""

from collections import Counter

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from jianfu.core import dashboard, scope
from jianfu.core.models import Unit, UnitKind

from .models import Category
from .quotas.charts import AMBER, BLUE, GREY, RED
from .quotas.figures import State, quota_status

VIEW = "registry.quota:view"
KINDS = (UnitKind.COUNTY, UnitKind.DEPARTMENT)
STATES = (State.EXCEEDED, State.USED_UP, State.AT_RISK, State.FAST, State.ON_TRACK)
TONES = {
    State.EXCEEDED: "urgent",
    State.USED_UP: "urgent",
    State.AT_RISK: "warning",
    State.FAST: "warning",
    State.ON_TRACK: "calm",
}
COLOURS = {Category.DOCUMENT: RED, Category.MEETING: BLUE, Category.INSPECTION: AMBER}
TOP = 15  # units in the city chart: the fastest


def _overview(**params) -> str:
    return reverse("quota_overview") + "?" + urlencode({"sort": "pace", **params})


def _pct(x: float | None) -> float | None:
    return None if x is None else round(x * 100, 1)


def _pace_chart(labels: list[str], statuses_by_label: list[dict], share_year: float) -> dict:
    series = []
    for category, name in Category.choices:
        series.append(
            {
                "name": str(name),
                "type": "bar",
                "color": COLOURS.get(category, GREY),
                "data": [
                    _pct(row[category].share_used) if category in row else None
                    for row in statuses_by_label
                ],
            }
        )
    series[0]["markLine"] = {
        "symbol": "none",
        "data": [{"xAxis": _pct(share_year)}],
        "lineStyle": {"color": GREY, "type": "dashed"},
        "label": {"formatter": _("时间进度"), "position": "start"},
    }
    return {
        "animation": False,
        "grid": {"left": 8, "right": 24, "top": 48, "bottom": 8, "containLabel": True},
        "legend": {"top": 0},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": {"type": "value", "splitNumber": 4, "axisLabel": {"formatter": "{value}%"}},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": labels,
            "axisLabel": {"width": 84, "overflow": "truncate"},
        },
        "series": series,
    }


def city(user, as_of) -> dashboard.Figures:
    s = scope.require(user, VIEW)
    units = {
        u.pk: u
        for u in Unit.objects.filter(s.units_q(), kind__in=KINDS).only(
            "pk", "name", "short_name", "path", "kind"
        )
    }
    statuses = quota_status(year=as_of.year, as_of=as_of, unit_ids=list(units))
    counts = Counter((units[st.unit_id].kind, st.state) for st in statuses)
    rows = [
        [dashboard.Figure(str(UnitKind(kind).label), "", _overview(kind=kind))]
        + [
            dashboard.Figure(
                "",
                counts.get((kind, state), 0),
                _overview(kind=kind, state=state),
                TONES[state] if counts.get((kind, state)) else "normal",
            )
            for state in STATES
        ]
        for kind in KINDS
    ]
    figures = [
        dashboard.Figure(
            str(State(state).label),
            sum(counts.get((k, state), 0) for k in KINDS),
            _overview(state=state),
            TONES[state] if any(counts.get((k, state)) for k in KINDS) else "normal",
        )
        for state in (State.EXCEEDED, State.AT_RISK, State.FAST)
    ]
    by_unit: dict[int, dict] = {}
    for st in statuses:
        if st.limit is not None:
            by_unit.setdefault(st.unit_id, {})[st.category] = st
    fastest = sorted(
        by_unit.items(),
        key=lambda kv: (-max((st.pace or 0) for st in kv[1].values()), units[kv[0]].path),
    )[:TOP]
    share_year = statuses[0].share_year if statuses else 0
    labels = [units[pk].short_name or units[pk].name for pk, _row in fastest]
    chart = _pace_chart(labels, [row for _pk, row in fastest], share_year) if fastest else None
    return dashboard.Figures(
        title=_("硬性指标使用与时间进度"),
        url=_overview(),
        figures=figures,
        chart=chart,
        chart_height=max(220, 60 + 28 * len(fastest)),
        chart_label=_("用量最快的 %(n)s 个单位：各类指标已用比例与时间进度") % {"n": len(fastest)},
        headers=[_("单位类型"), *[str(State(st).label) for st in STATES]],
        rows=rows,
        note=_("图中为用量相对时间进度最快的 %(n)s 个县（市、区）和市直单位；虚线为时间进度。")
        % {"n": len(fastest)},
    )


def profile(user, unit, as_of) -> dashboard.Figures | None:
    scope.require(user, VIEW)
    statuses = sorted(
        quota_status(year=as_of.year, as_of=as_of, unit_ids=[unit.pk]),
        key=lambda st: Category.values.index(st.category),
    )
    if not statuses:
        return None
    url = reverse("quota_unit", args=[unit.pk])
    labels = dict(Category.choices)
    figures = [
        dashboard.Figure(
            f"{labels[st.category]} · {State(st.state).label}",
            f"{st.used}/{st.limit}" if st.limit is not None else st.used,
            url,
            TONES.get(st.state, "normal"),
        )
        for st in statuses
    ]
    rows = [
        [
            dashboard.Figure("", str(labels[st.category]), url),
            dashboard.Figure("", st.limit if st.limit is not None else "—"),
            dashboard.Figure("", st.used),
            dashboard.Figure("", f"{_pct(st.share_used)}%" if st.share_used is not None else "—"),
            dashboard.Figure("", f"{st.pace:.2f}" if st.pace is not None else "—"),
            dashboard.Figure("", str(State(st.state).label)),
        ]
        for st in statuses
    ]
    with_quota = {st.category: st for st in statuses if st.limit is not None}
    chart = None
    if with_quota:
        chart = _pace_chart([_("本单位")], [with_quota], statuses[0].share_year)
    return dashboard.Figures(
        title=_("硬性指标使用与时间进度"),
        url=url,
        figures=figures,
        chart=chart,
        chart_height=160,
        chart_label=_("各类指标已用比例与时间进度"),
        headers=[_("类别"), _("指标"), _("已用"), _("已用比例"), _("进度比"), _("状态")],
        rows=rows,
    )


def panel(user, unit, today) -> dashboard.Figures | None:
    if unit is None:
        return city(user, today)
    return profile(user, unit, today)


def register() -> None:
    dashboard.register("registry.quotas", panel, perms=[VIEW], order=10)
