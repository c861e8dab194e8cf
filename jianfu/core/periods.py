"""Reporting periods as short keys: "2025-03" (a month) and "2025-Q1" (a quarter)."""

import calendar
import datetime as dt
import re

from django.utils.translation import gettext as _

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def key_of(day: dt.date, period_type: str = "month") -> str:
    if period_type == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def parse(key: str) -> tuple[str, int, int]:
    """("month", year, month) or ("quarter", year, quarter); ValueError for anything else."""
    if m := _MONTH.match(key or ""):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            return "month", year, month
    if m := _QUARTER.match(key or ""):
        return "quarter", int(m[1]), int(m[2])
    raise ValueError(key)


def bounds(key: str) -> tuple[dt.date, dt.date]:
    kind, year, n = parse(key)
    first_month, last_month = (n, n) if kind == "month" else (3 * n - 2, 3 * n)
    return (
        dt.date(year, first_month, 1),
        dt.date(year, last_month, calendar.monthrange(year, last_month)[1]),
    )


def shift(key: str, steps: int) -> str:
    kind, year, n = parse(key)
    size = 12 if kind == "month" else 4
    index = year * size + (n - 1) + steps
    year, n = divmod(index, size)
    return f"{year}-{n + 1:02d}" if kind == "month" else f"{year}-Q{n + 1}"


def between(first: str, last: str) -> list[str]:
    keys, key = [], first
    while key <= last:  # keys of one type sort as their periods do
        keys.append(key)
        key = shift(key, 1)
    return keys


def days_in(key: str) -> int:
    start, end = bounds(key)
    return (end - start).days + 1


def label(key: str) -> str:
    """The period as the pages name it: 2025年3月, 2025年第1季度."""
    kind, year, n = parse(key)
    if kind == "month":
        return _("%(y)s年%(m)s月") % {"y": year, "m": n}
    return _("%(y)s年第%(q)s季度") % {"y": year, "q": n}
