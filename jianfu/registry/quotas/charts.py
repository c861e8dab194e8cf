"""ECharts option objects for the quota pages, built from figures.Status (plain data: the page
renders them with json_script and static/js/charts.js draws them)."""

import calendar
import datetime as dt

from django.utils.translation import gettext as _

from .figures import Status

RED, GREY, BLUE, AMBER = "#a4161a", "#8a8f98", "#1f5f9f", "#d08a00"


def months() -> list[str]:
    return [_("%(m)s月") % {"m": m} for m in range(1, 13)]


def _base(legend: list[str]) -> dict:
    return {
        "animation": False,
        "grid": {"left": 48, "right": 16, "top": 36, "bottom": 28},
        "legend": {"data": legend, "top": 0},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": months()},
        "yAxis": {"type": "value", "minInterval": 1},
    }


def burn_down(status: Status, as_of: dt.date) -> dict:
    """What is left of the quota at each month end against the pace line (the quota spent evenly
    over the year); after today, the projection. Without a quota there is nothing to burn down,
    so the chart shows cumulative use instead."""
    months_gone = as_of.month if as_of.year == status.year else 12
    base = status.limit if status.limit is not None else 0
    sign = -1 if status.limit is not None else 1  # left = quota - use; else plain use
    running, actual = 0, []
    for m in range(12):
        running += status.monthly[m]
        actual.append(base + sign * running if m < months_gone else None)
    days = 366 if calendar.isleap(status.year) else 365
    pace, elapsed = [], 0
    for m in range(1, 13):
        elapsed += calendar.monthrange(status.year, m)[1]
        pace.append(round(status.limit * (1 - elapsed / days), 1) if status.limit else None)
    projected = [None] * 12
    if months_gone < 12 and status.share_profile > 0:
        projected[months_gone - 1] = base + sign * status.used
        projected[11] = round(base + sign * status.projected, 1)
    label = _("剩余指标") if status.limit is not None else _("累计使用")
    series = [
        {"name": label, "type": "line", "data": actual, "color": RED, "symbolSize": 6},
        {
            "name": _("进度线"),
            "type": "line",
            "data": pace,
            "color": GREY,
            "lineStyle": {"type": "dashed"},
            "symbol": "none",
        },
        {
            "name": _("预计"),
            "type": "line",
            "data": projected,
            "color": AMBER,
            "connectNulls": True,
            "lineStyle": {"type": "dotted"},
        },
    ]
    option = _base([s["name"] for s in series])
    option["yAxis"]["name"] = label
    if status.limit is not None:
        # Zero is where the quota runs out. The label sits above the line at its start, inside
        # the plot, where the lines are still high: at the line's end, outside the grid, the
        # chart's edge cut it to its first character.
        series[0]["markLine"] = {
            "symbol": "none",
            "data": [{"yAxis": 0, "name": _("用尽")}],
            "lineStyle": {"color": RED},
            "label": {"formatter": _("用尽"), "position": "insideStartTop", "color": RED},
        }
    option["series"] = series
    return option


def monthly_comparison(status: Status) -> dict:
    option = _base([_("今年"), _("去年同期")])
    option["series"] = [
        {"name": _("今年"), "type": "bar", "data": status.monthly, "color": RED},
        {"name": _("去年同期"), "type": "bar", "data": status.monthly_last, "color": BLUE},
    ]
    return option
