"""Quota figures: used, left, pace, projected year-end use and exhaustion date, year on year.

Everything reads the monthly rollup (MonthlyUsage), which every write keeps fresh in its own
transaction, so the status of every unit and category is a few grouped reads, not a scan of the
registries. What the earlier years say (history()) is kept between calls until their rollup
changes: a status reads this year's months and the quotas, not four years of rows.

Projection: a unit's year does not burn evenly (a year-end rush, a quiet Spring Festival), so the
year-end figure divides what has been used by the share of the year's use that the unit's own
earlier years had reached by this date ("own" profile). With too little history it falls back to
the profile of all units in the category ("peers"), and without any history to a straight line.
"""

import calendar
import datetime as dt
import functools
import math
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection, models
from django.db.models import Count, Max, Q, Sum
from django.utils.translation import gettext_lazy as _

from ..models import Category, MonthlyUsage, Quota

HISTORY_YEARS = 3
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
    monthly: list[int] = field(default_factory=lambda: [0] * 12)
    monthly_last: list[int] = field(default_factory=lambda: [0] * 12)
    share_year: float = 0.0  # share of the year gone
    share_profile: float = 0.0  # share of a year's use normally reached by now
    projected: float = 0.0
    exhaustion: dt.date | None = None
    profile: str = "linear"

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
    """The days of a month (calendar.monthrange works out the weekday too: thousands of calls a
    status of the whole city)."""
    return calendar.monthrange(year, month)[1]


def cumulative(profile: Sequence[float], day: dt.date) -> float:
    """Share of a year's use reached by the end of `day`, under a monthly profile."""
    month_days = _days_in(day.year, day.month)
    return sum(profile[: day.month - 1]) + profile[day.month - 1] * day.day / month_days


def _linear(year: int) -> list[float]:
    days = 366 if calendar.isleap(year) else 365
    return [_days_in(year, m) / days for m in range(1, 13)]


def _normalise(counts: list[float]) -> list[float] | None:
    total = sum(counts)
    return [c / total for c in counts] if total else None


def exhaustion_date(status: Status, profile: Sequence[float], as_of: dt.date) -> dt.date | None:
    """The day the projected cumulative use first reaches the quota, or None within the year.

    From today on, use grows along the profile towards the projected year-end figure; the profile
    is linear within a month, so the crossing day is found month by month, then solved for."""
    if status.limit is None:
        return None
    if status.used >= status.limit:
        return as_of
    reached = cumulative(profile, as_of)
    if reached >= 1 or status.projected <= status.limit:
        return None
    rate = (status.projected - status.used) / (1 - reached)
    target = reached + (status.limit - status.used) / rate  # the profile share at the crossing
    before = sum(profile[: as_of.month - 1])
    for month in range(as_of.month, 13):
        share = profile[month - 1]
        days = _days_in(as_of.year, month)
        if share > 0 and before + share >= target - 1e-12:
            day = math.ceil((target - before) * days / share - 1e-9)
            return dt.date(as_of.year, month, min(days, max(1, day)))
        before += share
    return None


def quota_status(
    *,
    year: int,
    as_of: dt.date,
    unit_ids: list[int] | None = None,
    categories: list[str] | None = None,
    with_quota_only: bool = False,
) -> list[Status]:
    """The status of every (unit, category) that has a quota or any use this year.

    Three reads: the quotas, this year's months of the units asked for, and what the earlier
    years say (history(): each unit's own profile, last year's months, the pooled profile), which
    is kept between calls until the earlier years' rollup changes."""
    categories = categories or list(Category.values)
    usage = MonthlyUsage.objects.filter(year=year, category__in=categories)
    quotas = Quota.objects.filter(year=year, category__in=categories)
    if unit_ids is not None:
        usage, quotas = usage.filter(unit_id__in=unit_ids), quotas.filter(unit_id__in=unit_ids)
    limits = {(u, c): n for u, c, n in quotas.values_list("unit_id", "category", "limit")}

    this: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0] * 12)
    for unit_id, category, m, n in usage.values_list("unit_id", "category", "month", "counted"):
        this[(unit_id, category)][m - 1] += n
    past = history(year, unit_ids)

    linear = _linear(year)
    share_year = year_share(as_of) if as_of.year == year else (1.0 if as_of.year > year else 0)
    keys = set(limits) | ({k for k, v in this.items() if any(v)} if not with_quota_only else set())
    result = []
    for key in keys:
        unit_id, category = key
        monthly = this.get(key, [0] * 12)
        used = sum(monthly[: as_of.month]) if as_of.year == year else sum(monthly)
        own = past.own.get(key)
        if own is not None:
            profile, source = own, "own"
        elif category in past.peers:
            profile, source = past.peers[category], "peers"
        else:
            profile, source = linear, "linear"
        reached = cumulative(profile, as_of) if as_of.year == year else 1.0
        status = Status(
            unit_id=unit_id,
            category=category,
            year=year,
            limit=limits.get(key),
            used=used,
            monthly=list(monthly),
            monthly_last=list(past.last.get(key, [0] * 12)),
            share_year=share_year,
            share_profile=reached,
            profile=source,
            projected=used / reached if reached > 0 else float(used),
        )
        if as_of.year == year:
            status.exhaustion = exhaustion_date(status, profile, as_of)
        result.append(status)
    return result


@dataclass(frozen=True)
class History:
    """What a year's status reads from the earlier years (HISTORY_YEARS before it)."""

    # (unit, category) -> the unit's own monthly profile, where its earlier years counted at
    # least MIN_HISTORY records (the others fall back to the peers' profile).
    own: dict[tuple[int, str], tuple[float, ...]]
    # (unit, category) -> last year's counted records by month, where it has any row.
    last: dict[tuple[int, str], tuple[int, ...]]
    # category -> the profile of every unit's earlier years pooled: the same for every unit
    # whatever the page or job asks for (linear where they counted nothing).
    peers: dict[str, tuple[float, ...]]


# The history of the years asked for recently, per database: {(database, year): (fingerprint,
# History)}. The earlier years change far more rarely than they are read (a record registered
# late, a correction): the dashboard, the overview and the home cards read them on every load.
_HISTORY: dict[tuple[str, int], tuple[tuple, History]] = {}
_HISTORY_KEPT = 4
_HISTORY_LOCK = threading.Lock()


def history(year: int, unit_ids: list[int] | None = None) -> History:
    """The earlier years' figures of `year`'s status, for the units asked (None: every unit).

    Outside a transaction it is read for every unit once and kept in the process until the
    earlier years' rollup changes, which the count, highest id and sum of ids of their rows tell
    (the fingerprint, read before the rows it stands for: rows read under it can only be newer).
    The rollup's rows are deleted and created, never updated in place (rollup.refresh), and an id
    is never given twice. On SQLite, whose writers take turns, ids are committed in the order
    they are given, so a created row raises the highest id for good and a deletion alone lowers
    the count. On PostgreSQL a writer may commit rows with lower ids after another's higher one;
    when it deleted as many rows as it created (a month's figures rewritten), the count and the
    highest id stay, but the sum of ids rises: a refresh creates its rows after deleting the old
    ones, so theirs are higher. (Only writers overlapping in time whose changes cancel exactly in
    all three would go unseen, until the next change.)

    Inside a transaction (a test, a write that reads statuses) rows it wrote and may roll back
    would be kept, so there it is read afresh for the units asked. A database replaced under a
    running process (restored from a backup) needs the process restarted, as any cache in it."""
    if not _may_keep():
        return _read_history(year, unit_ids)
    key = (connection.settings_dict["NAME"], year)
    fingerprint = tuple(
        MonthlyUsage.objects.filter(year__gte=year - HISTORY_YEARS, year__lt=year)
        .aggregate(n=Count("pk"), last=Max("pk"), ids=Sum("pk"))
        .values()
    )
    kept = _HISTORY.get(key)
    if kept is not None and kept[0] == fingerprint:
        return kept[1]
    found = _read_history(year, None)
    with _HISTORY_LOCK:
        _HISTORY.pop(key, None)
        while len(_HISTORY) >= _HISTORY_KEPT:
            _HISTORY.pop(next(iter(_HISTORY)))
        _HISTORY[key] = (fingerprint, found)
    return found


def forget_history() -> None:
    """Forget the kept history (the next status reads it afresh)."""
    with _HISTORY_LOCK:
        _HISTORY.clear()


def _may_keep() -> bool:
    """Whether what is read now may be kept: only committed rows, outside any transaction."""
    return not connection.in_atomic_block


def _read_history(year: int, unit_ids: list[int] | None) -> History:
    """One grouped read: each unit's earlier years summed by category and month (a third of the
    rows), last year's beside them."""
    usage = MonthlyUsage.objects.filter(year__gte=year - HISTORY_YEARS, year__lt=year)
    if unit_ids is not None:
        usage = usage.filter(unit_id__in=unit_ids)
    rows = (
        usage.values_list("unit_id", "category", "month")
        .order_by()
        .annotate(n=Sum("counted"), last=Sum("counted", filter=Q(year=year - 1)))
    )
    own: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0] * 12)
    last: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0] * 12)
    peers: dict[str, list[int]] = defaultdict(lambda: [0] * 12)
    for unit_id, category, m, n, n_last in rows:
        key = (unit_id, category)
        own[key][m - 1] += n
        if unit_ids is None:
            peers[category][m - 1] += n
        if n_last is not None:  # the unit has rows of last year
            last[key][m - 1] += n_last
    if unit_ids is not None:
        # The pooled profile is every unit's, not just the ones asked for.
        peers = _peer_history(year, list(Category.values))
    linear = _linear(year)
    return History(
        own={k: tuple(_normalise(v)) for k, v in own.items() if sum(v) >= MIN_HISTORY},
        last={k: tuple(v) for k, v in last.items()},
        peers={c: tuple(_normalise(v) or linear) for c, v in peers.items()},
    )


def _peer_history(year: int, categories: list[str]) -> dict[str, list[int]]:
    rows = (
        MonthlyUsage.objects.filter(
            year__gte=year - HISTORY_YEARS, year__lt=year, category__in=categories
        )
        .values_list("category", "month")
        .order_by()
        .annotate(n=Sum("counted"))
    )
    peers: dict[str, list[int]] = defaultdict(lambda: [0] * 12)
    for category, month, n in rows:
        peers[category][month - 1] += n or 0
    return peers


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
