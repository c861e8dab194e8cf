"""The periods a bulletin covers: a month, a quarter, or any span for a special bulletin."""

import calendar
import datetime as dt

QUARTERS = {1: "一", 2: "二", 3: "三", 4: "四"}


def month(year: int, m: int) -> tuple[dt.date, dt.date, str]:
    last = calendar.monthrange(year, m)[1]
    return dt.date(year, m, 1), dt.date(year, m, last), f"{year}年{m}月"


def quarter(year: int, q: int) -> tuple[dt.date, dt.date, str]:
    first = 3 * (q - 1) + 1
    end = dt.date(year, first + 2, calendar.monthrange(year, first + 2)[1])
    return dt.date(year, first, 1), end, f"{year}年第{QUARTERS[q]}季度"


def span(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date, str]:
    if start.year == end.year:
        return start, end, f"{start.year}年{start.month}月{start.day}日至{end.month}月{end.day}日"
    return (
        start,
        end,
        f"{start:%Y}年{start.month}月{start.day}日至{end:%Y}年{end.month}月{end.day}日",
    )


def previous(kind: str, today: dt.date) -> tuple[dt.date, dt.date, str]:
    """The last whole month (or quarter) before `today`: what a scheduled bulletin covers."""
    first = today.replace(day=1) - dt.timedelta(days=1)
    if kind == "quarterly":
        q = (first.month - 1) // 3 + 1
        if first.month % 3:
            q -= 1
        year = first.year
        if q == 0:
            q, year = 4, year - 1
        return quarter(year, q)
    return month(first.year, first.month)
