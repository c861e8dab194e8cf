"""The rectification app's dashboard panel: problems being rectified on time, with overdue
measures, relapsed at review, and closed; each figure the count of the problem list (or the
overview's column) filtered the same way."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from jianfu.core import dashboard, scope

from .models import Measure, Problem, ProblemStatus
from .problems.queries import VIEW, overdue_q

COLOURS = {"on_time": "#198754", "overdue": "#a4161a", "closed": "#8a8f98"}


def _list(unit, **params) -> str:
    if unit is not None:
        params["unit"] = unit.pk
    return reverse("problem_list") + "?" + urlencode(params)


def figures(user, unit, today) -> dict[str, int]:
    """Problems open, with an overdue measure, relapsed and closed, of the user's units (or one
    unit's subtree): one query, the problems with an overdue measure a subquery read once."""
    qs = scope.visible(Problem.objects.all(), user, perm=VIEW)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    overdue = Measure.objects.filter(overdue_q(today)).values("problem_id")
    return qs.aggregate(
        open=Count("pk", filter=Q(status=ProblemStatus.OPEN)),
        closed=Count("pk", filter=Q(status=ProblemStatus.CLOSED)),
        relapsed=Count("pk", filter=Q(relapses__gt=0)),
        overdue=Count("pk", filter=Q(pk__in=overdue)),
    )


def panel(user, unit, today) -> dashboard.Figures:
    f = figures(user, unit, today)
    on_time = max(0, f["open"] - f["overdue"])
    url = reverse("rect_overview") if unit is None else reverse("rect_ledger", args=[unit.pk])
    labels = {"on_time": _("按期整改中"), "overdue": _("有措施逾期"), "closed": _("已销号")}
    values = {"on_time": on_time, "overdue": f["overdue"], "closed": f["closed"]}
    chart = {
        "animation": False,
        "tooltip": {"trigger": "item"},
        "legend": {"top": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["40%", "68%"],
                "center": ["50%", "58%"],
                "label": {"formatter": "{c}"},
                "data": [
                    {"name": labels[k], "value": values[k], "itemStyle": {"color": COLOURS[k]}}
                    for k in ("on_time", "overdue", "closed")
                ],
            }
        ],
    }
    return dashboard.Figures(
        title=_("问题整改"),
        url=url,
        figures=[
            dashboard.Figure(
                _("整改中"), f["open"], _list(unit, status=ProblemStatus.OPEN), "normal"
            ),
            dashboard.Figure(
                _("有措施逾期"),
                f["overdue"],
                _list(unit, overdue=1),
                "urgent" if f["overdue"] else "normal",
            ),
            dashboard.Figure(
                _("回头看反弹"), f["relapsed"], url, "urgent" if f["relapsed"] else "normal"
            ),
            dashboard.Figure(
                _("已销号"), f["closed"], _list(unit, status=ProblemStatus.CLOSED), "calm"
            ),
        ],
        chart=chart if any(values.values()) else None,
        chart_height=260,
        chart_label=_("问题按期整改、逾期和已销号的数量"),
        note=_("“按期整改中”为整改中且没有逾期措施的问题；“反弹”为回头看发现问题反弹的问题。"),
    )


def register() -> None:
    dashboard.register("rectification.status", panel, perms=[VIEW], order=40)
