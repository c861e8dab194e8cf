"""The signals app's dashboard panel: open and confirmed signals by family of rules, and per rule
(each figure the count of the signal list filtered the same way: status, rule, unit)."""

from django.db.models import Count
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from jianfu.core import dashboard

from . import queries
from .models import SignalStatus
from .rules import RULES
from .views import RULE_GROUPS

STATUSES = (SignalStatus.OPEN, SignalStatus.CONFIRMED)
COLOURS = {SignalStatus.OPEN: "#d08a00", SignalStatus.CONFIRMED: "#a4161a"}


def _url(**params) -> str:
    params = {k: v for k, v in params.items() if v}
    return reverse("signal_list") + ("?" + urlencode(params) if params else "")


def counts(user, unit=None) -> dict[tuple[str, str], int]:
    """{(rule, status): signals} of the user's units (or of one unit's subtree), open and
    confirmed: one grouped query."""
    qs = queries.signals_for(user).filter(status__in=STATUSES)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    rows = qs.values_list("rule", "status").annotate(n=Count("pk")).order_by()
    return {(rule, status): n for rule, status, n in rows}


def panel(user, unit, today) -> dashboard.Figures:
    found = counts(user, unit)
    # A unit's profile counts the signals of the unit and the units below it (its points'), and
    # links to the list filtered the same way.
    unit_id = unit.pk if unit is not None else None
    groups: dict[str, dict[str, int]] = {g: {s: 0 for s in STATUSES} for g in RULE_GROUPS}
    rows = []
    for code, rule in RULES.items():
        by_status = {s: found.get((code, s), 0) for s in STATUSES}
        group = groups.setdefault(rule.group, {s: 0 for s in STATUSES})
        for s, n in by_status.items():
            group[s] += n
        if any(by_status.values()):
            rows.append(
                [dashboard.Figure("", str(rule.label), _url(rule=code, under=unit_id))]
                + [
                    dashboard.Figure("", by_status[s], _url(rule=code, status=s, under=unit_id))
                    for s in STATUSES
                ]
            )
    totals = {s: sum(g[s] for g in groups.values()) for s in STATUSES}
    figures = [
        dashboard.Figure(
            str(SignalStatus(s).label),
            totals[s],
            _url(status=s, under=unit_id),
            ("warning" if s == SignalStatus.OPEN else "urgent") if totals[s] else "normal",
        )
        for s in STATUSES
    ]
    labels = [str(RULE_GROUPS.get(g, g)) for g in groups]
    chart = {
        "animation": False,
        "grid": {"left": 8, "right": 16, "top": 32, "bottom": 8, "containLabel": True},
        "legend": {"top": 0},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": labels,
            "axisLabel": {"width": 96, "overflow": "break"},
        },
        "series": [
            {
                "name": str(SignalStatus(s).label),
                "type": "bar",
                "stack": "n",
                "color": COLOURS[s],
                "data": [g[s] for g in groups.values()],
            }
            for s in STATUSES
        ],
    }
    return dashboard.Figures(
        title=_("预警（按规则类别）"),
        url=_url(status=SignalStatus.OPEN, under=unit_id),
        figures=figures,
        chart=chart,
        chart_height=80 + 36 * len(labels),
        chart_label=_("各类规则的待研判和已确认预警"),
        headers=[_("规则"), *[str(SignalStatus(s).label) for s in STATUSES]],
        rows=rows,
    )


def register() -> None:
    dashboard.register("signals.families", panel, perms=["signals.signal:view"], order=20)
