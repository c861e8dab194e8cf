"""The quota status recomputed the straightforward way, from the records themselves: no rollup,
no quota usage, every figure worked out in Python for each unit as the rule says (the way
figures.quota_status computed it before the quota usage was kept). Tests compare the status the
application reads in one query against this, after writes of every kind.

The rule: `used` is the year's counted records up to `as_of`; the year-end projection divides it
by the share of a year's use the profile reaches by the end of `as_of` — the unit's own earlier
HISTORY_YEARS years by month where they counted at least MIN_HISTORY records, else every unit's
earlier years pooled (where the category has any record in them), else the days of each month —
and the exhaustion date is the day the projected use, growing along the profile from `as_of`,
first reaches the quota."""

import calendar
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence

import pytest

from jianfu.registry.kinds import by_category
from jianfu.registry.models import Category, Quota
from jianfu.registry.quotas.figures import HISTORY_YEARS, MIN_HISTORY, Status, year_share


def days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def linear(year: int) -> list[float]:
    days = 366 if calendar.isleap(year) else 365
    return [days_in(year, m) / days for m in range(1, 13)]


def normalise(counts: Sequence[float]) -> list[float] | None:
    total = sum(counts)
    return [c / total for c in counts] if total else None


def cumulative(profile: Sequence[float], day: dt.date) -> float:
    """Share of a year's use reached by the end of `day`, under a monthly profile."""
    month_days = days_in(day.year, day.month)
    return sum(profile[: day.month - 1]) + profile[day.month - 1] * day.day / month_days


def exhaustion_date(status: Status, profile: Sequence[float], as_of: dt.date) -> dt.date | None:
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
        days = days_in(as_of.year, month)
        if share > 0 and before + share >= target - 1e-12:
            day = math.ceil((target - before) * days / share - 1e-9)
            return dt.date(as_of.year, month, min(days, max(1, day)))
        before += share
    return None


def _records(category: str, first: int, last: int):
    """{(unit, year): [counted by month]} and the (unit, year) pairs with any record, from the
    records of `category` in years first…last."""
    k = by_category(category)
    counted: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * 12)
    present: set[tuple[int, int]] = set()
    rows = k.model.objects.filter(
        **{f"{k.date_field}__year__gte": first, f"{k.date_field}__year__lte": last}
    ).values_list("unit_id", k.date_field, "counted")
    for unit_id, day, is_counted in rows:
        present.add((unit_id, day.year))
        if is_counted:
            counted[(unit_id, day.year)][day.month - 1] += 1
    return counted, present


def reference_status(
    *,
    year: int,
    as_of: dt.date,
    unit_ids: list[int] | None = None,
    categories: list[str] | None = None,
    with_quota_only: bool = False,
) -> list[Status]:
    """What quota_status must answer, worked out from the records (same signature)."""
    out = []
    wanted = None if unit_ids is None else set(unit_ids)
    share_year = year_share(as_of) if as_of.year == year else (1.0 if as_of.year > year else 0)
    for category in categories or list(Category.values):
        counted, present = _records(category, year - HISTORY_YEARS, year)
        limits = dict(
            Quota.objects.filter(year=year, category=category).values_list("unit_id", "limit")
        )
        pooled = [0] * 12
        own: dict[int, list[int]] = defaultdict(lambda: [0] * 12)
        for (unit_id, y), months in counted.items():
            if y < year:
                own[unit_id] = [a + b for a, b in zip(own[unit_id], months, strict=True)]
                pooled = [a + b for a, b in zip(pooled, months, strict=True)]
        has_peers = any(y < year for _u, y in present)
        units = set(limits)
        if not with_quota_only:
            units |= {u for (u, y), months in counted.items() if y == year and any(months)}
        for unit_id in units:
            if wanted is not None and unit_id not in wanted:
                continue
            monthly = counted.get((unit_id, year), [0] * 12)
            used = sum(monthly[: as_of.month]) if as_of.year == year else sum(monthly)
            if sum(own.get(unit_id, [])) >= MIN_HISTORY:
                profile, source = normalise(own[unit_id]), "own"
            elif has_peers:
                profile, source = normalise(pooled) or linear(year), "peers"
            else:
                profile, source = linear(year), "linear"
            reached = cumulative(profile, as_of) if as_of.year == year else 1.0
            status = Status(
                unit_id=unit_id,
                category=category,
                year=year,
                limit=limits.get(unit_id),
                used=used,
                share_year=share_year,
                share_profile=reached,
                profile=source,
                projected=used / reached if reached > 0 else float(used),
            )
            status.monthly = list(monthly)
            status.monthly_last = list(counted.get((unit_id, year - 1), [0] * 12))
            if as_of.year == year:
                status.exhaustion = exhaustion_date(status, profile, as_of)
            out.append(status)
    return out


def assert_same_statuses(got: list[Status], expected: list[Status]) -> None:
    """The same (unit, category) pairs with the same figures: counts and dates exactly, shares
    and projections to rounding (the database adds and divides in another order)."""
    by_key = {(s.unit_id, s.category): s for s in got}
    want = {(s.unit_id, s.category): s for s in expected}
    assert len(by_key) == len(got)
    assert by_key.keys() == want.keys()
    for key, e in want.items():
        g = by_key[key]
        exact = ("year", "limit", "used", "monthly", "monthly_last", "exhaustion", "profile")
        assert {f: getattr(g, f) for f in exact} == {f: getattr(e, f) for f in exact}, key
        assert (g.share_year, g.share_profile, g.projected) == (
            pytest.approx(e.share_year, rel=1e-12),
            pytest.approx(e.share_profile, rel=1e-12),
            pytest.approx(e.projected, rel=1e-12),
        ), key
        assert (g.state, g.left, g.exceeded) == (e.state, e.left, e.exceeded), key
