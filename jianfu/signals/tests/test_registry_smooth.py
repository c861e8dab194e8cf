"""Registered counts too smooth: a unit registering exactly 4 documents every month for two years
is found, with its dispersion against its peers'; its twin with honest (Poisson) counts is not,
nor are units whose counts are small; 100 honest units give about the flags the false-discovery
rate allows; the demo's units stay clean (test_demo_patterns runs every rule)."""

import datetime as dt

import numpy as np
import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.core.models import User
from jianfu.registry.models import Category, Document, MonthlyUsage
from jianfu.signals import runner
from jianfu.signals.models import Signal
from jianfu.signals.rules import current_settings, registry_smooth

from . import factories
from . import truth_factories as tf

AS_OF = dt.date(2025, 10, 31)  # January 2024 – October 2025: 22 complete months


def _honest(units, rng) -> None:
    """Every unit's documents: Poisson around its own level, both years."""
    rows = []
    for u in units:
        level = rng.uniform(4, 30)
        for year, months in ((2024, 12), (2025, 10)):
            for m, n in enumerate(rng.poisson(level, months), start=1):
                rows.append(
                    MonthlyUsage(
                        unit=u,
                        year=year,
                        month=m,
                        category=Category.DOCUMENT,
                        total=int(n),
                        counted=int(n),
                    )
                )
    MonthlyUsage.objects.bulk_create(rows)


def _build():
    units = tf.tree()
    peers = units["township"] + units["village"]
    planted, twin, *rest = peers
    _honest(rest, np.random.default_rng(2))
    factories.documents(planted, 2024, [4] * 12)
    factories.documents(planted, 2025, [4] * 10 + [0, 0])
    rng = np.random.default_rng(4)
    factories.documents(twin, 2024, [int(x) for x in rng.poisson(4, 12)])
    factories.documents(twin, 2025, [int(x) for x in rng.poisson(4, 10)] + [0, 0])
    return {"planted": planted, "twin": twin, "peers": rest}


demo = pytest.fixture(scope="module")(tf.module_fixture(_build))


@pytest.fixture
def built(demo, db):
    return demo


def _found(unit=None):
    found = registry_smooth.RULE.evaluate(AS_OF, None, current_settings())
    return [f for f in found if unit is None or f.unit_id == unit.pk]


def test_the_unit_registering_four_documents_every_month_is_found(built):
    found = _found(built["planted"])
    assert len(found) == 1
    f = found[0]
    assert f.subject == "document" and f.period == "2025" and f.severity == 3
    s = f.evidence["smooth"]
    assert s["months"] == 22 and s["mean"] == 4 and s["dispersion"] == 0
    # Honest peers: about Poisson at its size (the reference is never above 1).
    assert 0.8 <= s["reference"] <= 1.0 and s["peer_dispersion"] >= 0.8
    chance = f.evidence["against_chance"]
    assert chance["test"] == "dispersion_low" and chance["expected"] == round(s["reference"], 2)
    assert chance["tested"] >= 10 and chance["q"] <= 0.01
    rows = f.evidence["series"][0]["rows"]
    assert rows[0]["year"] == 2025 and rows[0]["values"][:10] == [4] * 10
    assert "4" in registry_smooth.headline("document", f.evidence)


def test_its_honest_twin_and_the_honest_peers_are_not(built):
    assert [f.unit_id for f in _found()] == [built["planted"].pk]


def test_a_unit_with_a_meeting_a_month_is_not_tested(built):
    unit = built["twin"]
    factories.meetings(unit, 2024, [1] * 12)
    factories.meetings(unit, 2025, [1] * 10 + [0, 0])
    assert not [f for f in _found(unit) if f.subject == "meeting"]


def test_the_runner_raises_it_on_the_unit_asked_for(built):
    planted = built["planted"]
    with clock.frozen(AS_OF):
        runner.run_rules(as_of=AS_OF, group="quota", unit_ids=[planted.pk])
    assert Signal.objects.filter(rule="registry_smooth", unit=planted).count() == 1
    assert not Signal.objects.filter(rule="registry_smooth").exclude(unit=planted).exists()
    assert Document.objects.filter(unit=planted).count() == 88


# --- On arrays ---------------------------------------------------------------------------------


def _flags(values, kinds) -> int:
    lines = registry_smooth.settings_of(current_settings())
    years = np.array([2024] * 12 + [2025] * 10)
    t = registry_smooth.test(values, years, kinds, lines)
    tested = np.flatnonzero(t["tested"])
    from jianfu.monitoring import stats

    return int((stats.benjamini_hochberg(t["p"][tested]) <= lines["fdr"]).sum())


@pytest.mark.django_db
def test_a_hundred_honest_units_give_no_more_flags_than_the_rate_allows():
    """Poisson counts (the least spread honest counts have), 100 units a run, 200 runs: BH at 1%
    flags anything in at most about 1% of the runs."""
    rng = np.random.default_rng(9)
    kinds = ["department"] * 50 + ["county"] * 50
    runs = [_flags(rng.poisson(rng.uniform(3, 40, (100, 1)), (100, 22)), kinds) for _ in range(200)]
    assert sum(runs) <= 6


@pytest.mark.django_db
def test_a_seasonal_profile_spread_exactly_is_judged_against_peers_like_it():
    """The demo spreads a unit's year along a fixed seasonal profile, without noise: smoother
    than Poisson at small counts, but so is every peer of that size — none stands out, while a
    flat series among them does."""
    rng = np.random.default_rng(10)
    season = np.array([0.85, 0.55, 1.10, 1.10, 1.05, 1.10, 0.90, 0.80, 1.00, 0.95, 1.15, 1.45])
    level = rng.uniform(3, 30, (60, 1))
    profile = season * rng.uniform(0.85, 1.15, (60, 12))
    values = np.round(np.concatenate([level * profile, 0.6 * level * profile[:, :10]], axis=1))
    assert _flags(values, ["department"] * 60) == 0
    values[5] = 6
    assert _flags(values, ["department"] * 60) == 1


@pytest.mark.django_db
def test_a_unit_that_began_this_year_to_register_to_a_schedule_is_found_in_the_last_twelve():
    """Last year honest (Poisson around 5), the last twelve months 5 or 6 every month: in the 22
    months together last year's spread dilutes it; the last twelve, one span, find it. Its twin,
    honest both years, is not found."""
    rng = np.random.default_rng(11)
    values = rng.poisson(rng.uniform(3, 30, (80, 1)), (80, 22)).astype(float)
    values[0, :10] = rng.poisson(5, 10)
    values[0, 10:] = 5 + (rng.random(12) < 0.3)
    values[1] = rng.poisson(5, 22)
    lines = registry_smooth.settings_of(current_settings())
    years = np.array([2024] * 12 + [2025] * 10)
    t = registry_smooth.test(values, years, ["department"] * 80, lines)
    assert t["months"][0] == 12  # the span that said most: the last twelve
    assert _flags(values, ["department"] * 80) == 1
    from jianfu.monitoring import stats

    q = stats.benjamini_hochberg(t["p"][t["tested"]])
    assert q[0] <= lines["fdr"] and q[1] > lines["fdr"]


def test_the_signal_page_shows_the_dispersion_and_the_peers(built, client):
    planted = built["planted"]
    with clock.frozen(AS_OF):
        runner.run(as_of=AS_OF, rules=["registry_smooth"])
    s = Signal.objects.get(rule="registry_smooth", unit=planted)
    user = User.objects.get(username="truth-office")
    User.objects.filter(pk=user.pk).update(
        must_change_password=False, password_changed_at=clock.now()
    )
    client.force_login(user)
    with clock.frozen(AS_OF):
        body = client.get(reverse("signal_detail", args=[s.pk])).content.decode()
    assert "登记数量过于平稳" in body
    assert "同类单位的方差与均值之比" in body and "每月登记的数量（全部）" in body
