"""The earlier years' figures of the quota status (figures.history) are kept between calls until
the rollup of those years changes. The leaders' dashboard's quota panel, built on them, equals the
panel built on each unit's status computed the slow way (every row of four years read for the
unit, the pooled profile summed from every unit's rows, as quota_status did before the history
was kept); after a record registered late, after rows deleted, and after rows rewritten with
lower ids than the highest (a writer committing late on PostgreSQL) it still does."""

import dataclasses
import datetime as dt
import random
from collections import defaultdict

import pytest

from jianfu.core.models import Unit
from jianfu.registry import dashboard as quota_panel
from jianfu.registry.models import Document, MonthlyUsage, Quota
from jianfu.registry.quotas import figures
from jianfu.registry.quotas.figures import (
    HISTORY_YEARS,
    MIN_HISTORY,
    State,
    Status,
    _linear,
    _normalise,
    cumulative,
    exhaustion_date,
    quota_status,
    year_share,
)
from jianfu.registry.records import services

YEAR = 2026
AS_OF = dt.date(2026, 6, 15)


def slow_status(unit_id: int, year: int, as_of: dt.date) -> list[Status]:
    """One unit's status the slow way: all its rows of four years, the pooled profile summed in
    Python from every unit's rows of the earlier years."""
    quotas = Quota.objects.filter(year=year, unit_id=unit_id)
    limits = {(u, c): n for u, c, n in quotas.values_list("unit_id", "category", "limit")}
    this, last, own = (defaultdict(lambda: [0] * 12) for _ in range(3))
    peers: dict[str, list[int]] = defaultdict(lambda: [0] * 12)
    rows = MonthlyUsage.objects.filter(year__gte=year - HISTORY_YEARS, year__lte=year)
    for u, category, y, m, n in rows.values_list("unit_id", "category", "year", "month", "counted"):
        if y != year:
            peers[category][m - 1] += n
        if u != unit_id:
            continue
        if y == year:
            this[(u, category)][m - 1] += n
        else:
            own[(u, category)][m - 1] += n
            if y == year - 1:
                last[(u, category)][m - 1] += n
    linear = _linear(year)
    peer_profiles = {c: _normalise(v) or linear for c, v in peers.items()}
    share_year = year_share(as_of)
    out = []
    for key in set(limits) | {k for k, v in this.items() if any(v)}:
        category = key[1]
        monthly = this.get(key, [0] * 12)
        used = sum(monthly[: as_of.month])
        if key in own and sum(own[key]) >= MIN_HISTORY:
            profile, source = _normalise(own[key]), "own"
        elif category in peer_profiles:
            profile, source = peer_profiles[category], "peers"
        else:
            profile, source = linear, "linear"
        reached = cumulative(profile, as_of)
        status = Status(
            unit_id=unit_id,
            category=category,
            year=year,
            limit=limits.get(key),
            used=used,
            monthly=list(monthly),
            monthly_last=list(last.get(key, [0] * 12)),
            share_year=share_year,
            share_profile=reached,
            profile=source,
            projected=used / reached if reached > 0 else float(used),
        )
        status.exhaustion = exhaustion_date(status, profile, as_of)
        out.append(status)
    return out


def slow_quota_status(*, year, as_of, unit_ids, **_ignored) -> list[Status]:
    return [st for pk in unit_ids for st in slow_status(pk, year, as_of)]


@pytest.fixture
def kept(monkeypatch):
    """The history kept as it is outside a transaction (a test runs inside one, rolled back at
    its end: what it kept is forgotten with it)."""
    figures.forget_history()
    monkeypatch.setattr(figures, "_may_keep", lambda: True)
    yield figures._HISTORY
    figures.forget_history()


def _rows(unit, category, year, counts):
    return [
        MonthlyUsage(unit=unit, year=year, month=m, category=category, counted=n, total=n)
        for m, n in enumerate(counts, start=1)
        if n
    ]


@pytest.fixture
def tree(units):
    """The test city's two counties and department with a planted case each, and four more
    units with use drawn at random: every state, and own, peers' and straight-line profiles."""
    city = units["T"]
    extra = [
        Unit.objects.add_child(city, {"code": f"TX{i}", "name": f"县{i}", "kind": kind})
        for i, kind in enumerate(["county", "county", "department", "department"])
    ]
    ta, tb, td = units["TA"], units["TB"], units["TD01"]
    rows, quotas = [], []
    for year in range(YEAR - HISTORY_YEARS, YEAR):
        # TA's documents rush in December; TD01's come early in the year; TB meets evenly.
        rows += _rows(ta, "document", year, [10] * 11 + [40])
        rows += _rows(td, "document", year, [20] * 5 + [2] * 7)
        rows += _rows(tb, "meeting", year, [5] * 12)
    rows += _rows(ta, "meeting", YEAR - 1, [1, 1, 1])  # too little: the peers' profile
    rows += _rows(tb, "document", YEAR - 2, [2, 2])
    plans = {
        (ta, "document"): (100, [12] * 6),  # at risk: December's rush is still to come
        (ta, "meeting"): (10, [2] * 6),  # exceeded
        (ta, "inspection"): (None, [1, 0, 2]),  # no quota, no history anywhere: a straight line
        (tb, "document"): (50, [10, 10, 10, 10, 5, 5]),  # used up
        (tb, "meeting"): (40, [2, 2, 2, 2, 1, 1]),  # on track
        (td, "document"): (30, [3, 3, 3, 3, 2, 2]),  # fast, but not to run out: use is early
        (td, "inspection"): (5, [1]),  # on track
    }
    rng = random.Random(14)
    for unit in extra:
        for category in ("document", "meeting"):
            scale = rng.uniform(1, 12)
            for year in range(YEAR - HISTORY_YEARS, YEAR):
                counts = [round(scale * rng.uniform(0.2, 1.8)) for _m in range(12)]
                rows += _rows(unit, category, year, counts)
            this = [round(scale * rng.uniform(0.5, 2)) for _m in range(6)]
            plans[(unit, category)] = (round(scale * 12 * rng.uniform(0.4, 1.2)), this)
    for (unit, category), (limit, counts) in plans.items():
        rows += _rows(unit, category, YEAR, counts)
        if limit is not None:
            quotas.append(Quota(unit=unit, year=YEAR, category=category, limit=limit))
    MonthlyUsage.objects.bulk_create(rows)
    Quota.objects.bulk_create(quotas)
    return {"ta": ta, "tb": tb, "td": td, "extra": extra}


def _panel_units():
    return sorted(Unit.objects.filter(kind__in=quota_panel.KINDS).values_list("pk", flat=True))


def _same_as_the_slow_way(people, monkeypatch):
    """The panel and every unit's status, kept history against the slow way."""
    ids = _panel_units()
    fast = {(s.unit_id, s.category): s for s in quota_status(year=YEAR, as_of=AS_OF, unit_ids=ids)}
    slow = {
        (s.unit_id, s.category): s for s in slow_quota_status(year=YEAR, as_of=AS_OF, unit_ids=ids)
    }
    assert fast.keys() == slow.keys()
    for key, st in slow.items():
        assert dataclasses.asdict(fast[key]) == dataclasses.asdict(st), key
    panel = quota_panel.city(people["leader"], AS_OF)
    with monkeypatch.context() as m:
        m.setattr(quota_panel, "quota_status", slow_quota_status)
        assert panel == quota_panel.city(people["leader"], AS_OF)
    return panel, slow


@pytest.mark.django_db
def test_the_quota_panel_equals_each_units_status_computed_the_slow_way(
    people, tree, kept, monkeypatch
):
    panel, slow = _same_as_the_slow_way(people, monkeypatch)
    assert len(kept) == 1
    # Not a vacuous comparison: every state and every kind of profile is there, and the planted
    # cases are where they were planted.
    assert {st.state for st in slow.values()} == set(State.values)
    assert {st.profile for st in slow.values()} == {"own", "peers", "linear"}
    ta, tb, td = tree["ta"].pk, tree["tb"].pk, tree["td"].pk
    assert slow[(ta, "document")].state == State.AT_RISK
    assert slow[(ta, "document")].profile == "own"
    assert slow[(tb, "document")].state == State.USED_UP
    assert slow[(td, "document")].state == State.FAST
    counted = sum(cell.value for row in panel.rows for cell in row[1:])
    assert counted == sum(1 for st in slow.values() if st.limit is not None)


@pytest.mark.django_db
def test_the_kept_history_is_read_again_when_the_earlier_years_change(
    people, tree, kept, monkeypatch
):
    _same_as_the_slow_way(people, monkeypatch)
    first = figures.history(YEAR)
    assert figures.history(YEAR) is first  # kept: not read again
    # A document of last December registered late: the rollup rewrites TD01's last year.
    services.record_create(
        Document,
        by=people["office"],
        unit=tree["td"],
        title="补登文件",
        number="TD01〔2025〕12-1",
        issued_on=dt.date(YEAR - 1, 12, 20),
        kind="red_header",
        addressed_levels=["township"],
        assigns_work=True,
        pages=2,
        characters=1000,
    )
    _same_as_the_slow_way(people, monkeypatch)
    second = figures.history(YEAR)
    assert second is not first
    key = (tree["td"].pk, "document")
    assert second.own[key] != first.own[key]
    assert second.last[key] == (0,) * 11 + (1,)
    # Rows deleted and none written (a unit's last records of a year deleted): read again too.
    MonthlyUsage.objects.filter(unit=tree["tb"], year=YEAR - 1, category="meeting").delete()
    _same_as_the_slow_way(people, monkeypatch)
    third = figures.history(YEAR)
    assert third is not second
    assert (tree["tb"].pk, "meeting") not in third.last
    # On PostgreSQL a writer may commit rows with lower ids after another's higher one; when it
    # deleted as many rows as it created, the count and the highest id stay: read again too.
    top = MonthlyUsage.objects.order_by("-pk").values_list("pk", flat=True).first()
    MonthlyUsage.objects.create(
        pk=top + 100, unit=tree["tb"], year=YEAR - 3, month=1, category="inspection", counted=1
    )
    _same_as_the_slow_way(people, monkeypatch)
    fourth = figures.history(YEAR)
    late = MonthlyUsage.objects.filter(unit=tree["tb"], year=YEAR - 2, category="meeting")
    n = late.count()
    late.delete()
    MonthlyUsage.objects.bulk_create(
        MonthlyUsage(
            pk=top + 1 + m,
            unit=tree["tb"],
            year=YEAR - 2,
            month=m + 1,
            category="meeting",
            counted=m + 1,
            total=m + 1,
        )
        for m in range(n)
    )
    _same_as_the_slow_way(people, monkeypatch)
    fifth = figures.history(YEAR)
    assert fifth is not fourth
    assert fifth.own[(tree["tb"].pk, "meeting")] != fourth.own[(tree["tb"].pk, "meeting")]
    # This year's use is read on every call, never kept.
    MonthlyUsage.objects.filter(unit=tree["td"], year=YEAR, month=6, category="document").update(
        counted=22, total=22
    )
    panel, slow = _same_as_the_slow_way(people, monkeypatch)
    assert figures.history(YEAR) is fifth
    assert slow[key].state == State.EXCEEDED


@pytest.mark.django_db
def test_inside_a_transaction_nothing_is_kept(people, tree):
    figures.forget_history()
    ids = _panel_units()
    fast = quota_status(year=YEAR, as_of=AS_OF, unit_ids=ids)
    assert not figures._HISTORY
    slow = slow_quota_status(year=YEAR, as_of=AS_OF, unit_ids=ids)
    by_key = {(s.unit_id, s.category): dataclasses.asdict(s) for s in slow}
    assert {(s.unit_id, s.category): dataclasses.asdict(s) for s in fast} == by_key
