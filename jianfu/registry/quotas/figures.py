"""Quota figures: used, left, pace, projected year-end use and exhaustion date, year on year.

Everything reads the quota usage (QuotaUsage): one row per unit, category and year holding that
year's counted records by month, last year's, and the earlier years' summed, with the quota. Every
write to the records or to a quota rewrites the rows it touches in its own transaction
(registry/rollup.py), so one query reads the status of every unit and category fresh.

What depends on the day asked for is computed by that query, not stored: used so far, the share
of the year's use reached by that day, the projection, the exhaustion date (and, from them, the
pace and the state). Stored, they would be true for one day only, and every row would need
rewriting each morning or checking for staleness on each read; computed, they are a few
additions per row in the database, and a row stays true until the records or the quota change.
The pooled profile (below) is summed in the same query from every unit's row of the year: a
write to any unit's earlier years changes it for every unit without a profile of its own, which a
stored projection would have to follow across the whole city.

Projection: a unit's year does not burn evenly (a year-end rush, a quiet Spring Festival), so the
year-end figure divides what has been used by the share of the year's use that the unit's own
earlier years had reached by this date ("own" profile). With too little history it falls back to
the profile of all units in the category ("peers"), and without any history to a straight line.
"""

import calendar
import datetime as dt
import functools
from dataclasses import dataclass, field

from django.db import connection, models
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from ..models import HISTORY_YEARS, QUOTA_USAGE_MONTHS, Category, MonthlyUsage, QuotaUsage

__all__ = ["HISTORY_YEARS", "MIN_HISTORY", "State", "Status", "quota_status", "year_share"]

MIN_HISTORY = 12  # counted records in earlier years below which a unit's own profile is noise
FAST_PACE = 1.1  # a pace at or above this is spending too fast (the pace badge turns amber)


class State(models.TextChoices):
    """Where a unit stands against its quota, worst first: every (unit, category) has exactly
    one, so the counts per state add up to the rows of the overview."""

    EXCEEDED = "exceeded", _("已超指标")
    USED_UP = "used_up", _("已用尽")
    AT_RISK = "at_risk", _("预计年内用尽")
    FAST = "fast", _("进度偏快")
    ON_TRACK = "on_track", _("进度正常")
    NO_QUOTA = "no_quota", _("未设指标")


STATE_RANK = {state: rank for rank, state in enumerate(State.values)}


@dataclass
class Status:
    unit_id: int
    category: str
    year: int
    limit: int | None
    used: int
    share_year: float = 0.0  # share of the year gone
    share_profile: float = 0.0  # share of a year's use normally reached by now
    projected: float = 0.0
    exhaustion: dt.date | None = None
    profile: str = "linear"
    # This year's and last year's counted records by month as the quota usage keeps them
    # ("3,0,…;2,4,…"), read into `monthly` and `monthly_last` when first asked for: a status of
    # the whole city is thousands of rows, and most of its readers look at a few units' months.
    months: str = field(default="", repr=False)

    @functools.cached_property
    def monthly(self) -> list[int]:
        """This year's counted records by month (assignable)."""
        return self._months(0)

    @functools.cached_property
    def monthly_last(self) -> list[int]:
        """Last year's counted records by month (assignable)."""
        return self._months(1)

    def _months(self, part: int) -> list[int]:
        if not self.months:
            return [0] * 12
        return [int(n) for n in self.months.split(";")[part].split(",")]

    @property
    def left(self) -> int | None:
        return None if self.limit is None else self.limit - self.used

    @property
    def share_used(self) -> float | None:
        if not self.limit:
            return None
        return self.used / self.limit

    @property
    def pace(self) -> float | None:
        """Share used over share of the year gone: 1.0 is on pace, 2.0 twice too fast."""
        if self.share_used is None or self.share_year <= 0:
            return None
        return self.share_used / self.share_year

    @property
    def exceeded(self) -> bool:
        return self.limit is not None and self.used > self.limit

    @property
    def state(self) -> str:
        if self.limit is None:
            return State.NO_QUOTA
        if self.exceeded:
            return State.EXCEEDED
        if self.used == self.limit:
            return State.USED_UP
        if self.exhaustion is not None:
            return State.AT_RISK
        if self.pace is not None and self.pace >= FAST_PACE:
            return State.FAST
        return State.ON_TRACK

    def laggard_key(self) -> tuple:
        """Laggards first: the worst state, then the fastest pace, then the most used."""
        return (STATE_RANK[self.state], -(self.pace or 0), -self.used)

    def ytd_last_year(self, month: int) -> int:
        return sum(self.monthly_last[:month])

    def ytd(self, month: int) -> int:
        return sum(self.monthly[:month])

    def change_pct(self, month: int) -> float | None:
        last = self.ytd_last_year(month)
        if last == 0:
            return None
        return (self.ytd(month) - last) / last * 100


def year_share(day: dt.date) -> float:
    days = 366 if calendar.isleap(day.year) else 365
    return day.timetuple().tm_yday / days


@functools.cache
def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def quota_status(
    *,
    year: int,
    as_of: dt.date,
    unit_ids: list[int] | None = None,
    categories: list[str] | None = None,
    with_quota_only: bool = False,
) -> list[Status]:
    """The status of every (unit, category) that has a quota or any use this year (with
    with_quota_only, a quota): one query over the quota usage, each row already carrying its
    figures for `as_of`."""
    categories = categories or list(Category.values)
    if unit_ids is not None and not unit_ids:
        return []  # no unit asked for (and `IN ()` is no SQL)
    sql, params = _status_query(year, as_of, unit_ids, categories, with_quota_only)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    share_year = year_share(as_of) if as_of.year == year else (1.0 if as_of.year > year else 0)
    fromordinal = dt.date.fromordinal
    return [
        Status(
            unit_id,
            category,
            year,
            limit,
            used,
            share_year,
            reached,
            projected,
            None if ends is None else fromordinal(ends),
            profile,
            months,
        )
        for unit_id, category, limit, used, reached, projected, ends, profile, months in rows
    ]


def _status_query(
    year: int,
    as_of: dt.date,
    unit_ids: list[int] | None,
    categories: list[str],
    with_quota_only: bool,
) -> tuple[str, list]:
    """The one query of quota_status, written for `as_of` (the months it reads are columns,
    chosen here once for every row).

    For each row: its profile, the share of a year's use reached by the end of each month (y01…
    y12 over y12, cumulative: the unit's earlier years where they counted at least MIN_HISTORY
    records, else every unit's earlier years pooled, else the days); `reached`, the share reached
    by the end of `as_of`, the profile being even within a month; the projection, used / reached;
    and the exhaustion date, where the projected use, growing along the profile from today, first
    reaches the quota: t, the share of the year at which it does, then the first month from this
    one whose profile passes t, then the day within that month. Returned as a day number
    (date.toordinal())."""
    qn = connection.ops.quote_name
    table = qn(QuotaUsage._meta.db_table)
    c, h = QUOTA_USAGE_MONTHS["c"], QUOTA_USAGE_MONTHS["h"]
    days = [_days_in(year, k) for k in range(1, 13)]
    current = as_of.year == year
    least, greatest = ("MIN", "MAX") if connection.vendor == "sqlite" else ("LEAST", "GREATEST")

    marks = ", ".join(["%s"] * len(categories))
    where = [f"q.year = %s AND q.category IN ({marks})"]
    params: list = [year, *categories]
    if unit_ids is not None:
        where.append(f"q.unit_id IN ({', '.join(['%s'] * len(unit_ids))})")
        params += list(unit_ids)
    if with_quota_only:
        where.append(f"q.{qn('limit')} IS NOT NULL")
    else:
        where.append(f"(q.{qn('limit')} IS NOT NULL OR q.c12 > 0)")

    # The pooled profile, once per category: every unit's earlier years, else the days.
    linear = [sum(days[: k + 1]) for k in range(12)]
    pooled = ", ".join(
        f"CASE WHEN SUM(h12) > 0 THEN SUM({hk}) ELSE {d} END AS p{k:02}"
        for k, (hk, d) in enumerate(zip(h, linear, strict=True), start=1)
    )
    own = f"q.h12 >= {MIN_HISTORY}"

    def y(k: int) -> str:
        """The row's profile up to the end of month k (0: nothing yet)."""
        return "0" if k == 0 else f"CASE WHEN {own} THEN q.h{k:02} ELSE p{k:02} END"

    if current:
        month = as_of.month
        used = c[month - 1]
        kept = [k for k in range(month - 1, 13) if k]  # the months the date is looked for in
        profile = ", ".join(f"{y(k)} AS y{k:02}" for k in kept)
        # The share of this month gone, written into the statement: a number, never input.
        within = f"CAST({as_of.day / days[month - 1]!r} AS DOUBLE PRECISION)"
        reached = f"(({y(month - 1)} + ({y(month)} - {y(month - 1)}) * {within}) / {y(12)})"

        def cum(k: int) -> str:
            return "0" if k == 0 else f"y{k:02}"

        def share(expr: str) -> str:
            # The division in floating point on both databases.
            return f"(CAST({expr} AS DOUBLE PRECISION) / y12)"

        def branch(k: int) -> str:
            """Month k, if its profile passes t: the day it does, as a day number."""
            before, upto, d = cum(k - 1), cum(k), days[k - 1]
            day = f"CEILING((t - {share(before)}) * {d} / {share(f'{upto} - {before}')} - 1e-9)"
            return (
                f"WHEN {upto} > {before} AND {share(upto)} >= t - 1e-12 THEN "
                f"{dt.date(year, k, 1).toordinal() - 1}"
                f" + CAST({least}({d}, {greatest}(1, {day})) AS INTEGER)"
            )

        search = " ".join(branch(k) for k in range(month, 13))
        ends = (
            f"CASE WHEN lim IS NULL THEN NULL WHEN used >= lim THEN {as_of.toordinal()} "
            f"WHEN t IS NULL THEN NULL {search} END"
        )
    else:
        used, profile, reached = "c12", "", "CAST(1 AS DOUBLE PRECISION)"
        ends = "NULL"
    # The share of the year at which the projected use reaches the quota, t: where use grows from
    # `used` at `reached` towards `projected` at 1 along the profile, that is reached + (limit -
    # used) / rate with rate = (projected - used) / (1 - reached) = used / reached, which is
    # reached × limit / used.
    lim = qn("limit")
    # The share reached and t are worked out once per row and kept for the last step
    # (MATERIALIZED, PostgreSQL 12 and SQLite 3.35 on): inlined there, as the databases otherwise
    # do, the three profile columns and t would be worked out again in each month's branch.
    keep_rows = "MATERIALIZED" if _materialized() else ""
    # The tables and columns come from the models, the numbers from the calendar: nothing from
    # input but the parameters.
    sql = f"""
        WITH peers AS (
            SELECT category AS pc, SUM(history_rows) AS prows, {pooled}
            FROM {table}
            WHERE year = %s AND category IN ({marks})
            GROUP BY category
        ),
        reaching AS {keep_rows} (
            SELECT q.unit_id, q.category, q.{lim} AS lim, q.{used} AS used, q.months,
                CASE WHEN {own} THEN 'own' WHEN prows > 0 THEN 'peers' ELSE 'linear' END AS src,
                {profile + "," if profile else ""}
                {reached} AS reached,
                CASE WHEN q.{lim} IS NOT NULL AND q.{used} < q.{lim} AND {reached} > 0
                        AND {reached} < 1 AND q.{used} / {reached} > q.{lim}
                    THEN {reached} * q.{lim} / q.{used}
                END AS t
            FROM {table} q JOIN peers ON pc = q.category
            WHERE {" AND ".join(where)}
        )
        SELECT unit_id, category, lim, used, reached,
            CASE WHEN reached > 0 THEN used / reached
                ELSE CAST(used AS DOUBLE PRECISION) END AS projected,
            {ends} AS ends, src, months
        FROM reaching
    """  # noqa: S608
    return sql, [year, *categories, *params]


@functools.cache
def _materialized() -> bool:
    if connection.vendor == "sqlite":
        return connection.Database.sqlite_version_info >= (3, 35)
    return connection.vendor == "postgresql"


def counted_by_unit(
    *, unit_ids, year: int, category: str, through_month: int = 12
) -> dict[int, int]:
    rows = (
        MonthlyUsage.objects.filter(
            unit_id__in=unit_ids, year=year, category=category, month__lte=through_month
        )
        .values("unit_id")
        .order_by()
        .annotate(n=Sum("counted"))
    )
    return {r["unit_id"]: r["n"] for r in rows}
