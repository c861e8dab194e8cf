"""First digits against Benford: run only on pooled series that suit it, never on narrow or small
ones; a pool of genuine magnitudes passes, a pool of made-up ones is found with MAD, Excess MAD
and N."""

import datetime as dt

import numpy as np
import pytest

from jianfu.core import clock
from jianfu.core.models import User
from jianfu.monitoring import stats
from jianfu.monitoring.models import Report, ReportForm, SamplePoint
from jianfu.signals.rules import current_settings, truth_benford
from jianfu.signals.rules import truth_common as tc

from . import truth_factories as tf

MONTHS = [f"{y}-{m:02d}" for y in (2023, 2024, 2025) for m in range(1, 13)][:32]


@pytest.fixture
def county(db):
    units = tf.tree()
    county = units["county"][0]
    under = [
        u
        for kind in ("township", "village", "school", "enterprise")
        for u in units[kind]
        if u.path.startswith(county.path)
    ]
    form = ReportForm.objects.get(code="burden", version=1)
    reporter = User.objects.create(username="benford-reporter")
    points = SamplePoint.objects.bulk_create(
        [SamplePoint(unit=u, county=county, kind=u.kind, since=dt.date(2023, 1, 1)) for u in under]
    )
    county.points = list(SamplePoint.objects.filter(county=county))
    county.form, county.reporter = form, reporter
    assert len(points) >= 10
    return county


def fill(county, values):
    """docs_total for every point and month, from `values` in order."""
    now = clock.now()
    it = iter(values)
    Report.objects.bulk_create(
        [
            Report(
                point=p,
                period=m,
                form=county.form,
                values={"docs_total": int(next(it))},
                reporter=county.reporter,
                first_submitted_at=now,
                submitted_at=now,
            )
            for p in county.points
            for m in MONTHS
        ]
    )
    return len(county.points) * len(MONTHS)


def evaluate(min_n=300):
    tc.clear_cache()
    settings = {**current_settings(), truth_benford.MIN_N: min_n}
    return truth_benford.evaluate(tf.AS_OF, None, settings)


def test_genuine_magnitudes_over_three_orders_pass(county):
    rng = np.random.default_rng(1)
    n = len(county.points) * len(MONTHS)
    genuine = np.round(10 ** rng.uniform(1, 4, n))
    fill(county, genuine)
    assert n >= 300 and evaluate() == []
    # At this size genuine data can cross Nigrini's line by chance; the check asks how often.
    b = stats.benford(genuine)
    assert stats.benford_mad_p(b["mad"], n) > 0.01


def test_made_up_magnitudes_are_found(county):
    rng = np.random.default_rng(2)
    n = len(county.points) * len(MONTHS)
    # First digits picked evenly from 1 to 9, magnitudes over three orders: a fabricator's.
    made_up = rng.integers(1, 10, n) * 10 ** rng.integers(0, 3, n) + rng.integers(0, 10, n) * (
        10 ** rng.integers(0, 3, n) // 10
    )
    fill(county, made_up)
    found = evaluate()
    assert [(f.unit_id, f.subject) for f in found] == [(county.pk, "docs_total")]
    b = found[0].evidence["benford"]
    assert b["n"] == n and b["band"] == "nonconformity" and b["mad"] > 0.015
    assert b["excess_mad"] == pytest.approx(b["mad"] - 1 / np.sqrt(21.27 * n))
    assert b["orders"] >= 2 and b["q"] <= 0.01
    fig = tf.figures(found[0])
    assert fig["truth.benford_n"] == n and "%" in fig["truth.first.1"]
    assert found[0].severity == 1 and found[0].period == "2025"


def test_a_narrow_series_is_never_tested(county):
    rng = np.random.default_rng(3)
    n = len(county.points) * len(MONTHS)
    fill(county, rng.poisson(30, n) + 1)  # one village's documents: 15 to 45
    ok, facts = truth_benford.suits(
        Report.objects.values_list("values__docs_total", flat=True), 300, 2.0
    )
    assert not ok and facts["orders"] < 2
    assert evaluate() == []


def test_a_small_pool_is_never_tested(county):
    rng = np.random.default_rng(2)
    n = len(county.points) * len(MONTHS)
    fill(county, rng.integers(1, 10, n) * 10 ** rng.integers(0, 3, n))
    assert n < 500 and evaluate(min_n=500) == []


def test_nigrini_cut_offs_and_the_size_effect():
    assert stats.conformity(0.005) == "close" and stats.conformity(0.016) == "nonconformity"
    benford = np.round(10 ** np.random.default_rng(4).uniform(0, 4, 20000))
    assert stats.benford(benford)["band"] in ("close", "acceptable")
    # Perfect Benford data pass the nonconformity line about a third of the time at N = 300.
    assert 0.2 < stats.benford_mad_p(0.015, 300) < 0.5
    assert stats.benford_mad_p(0.015, 1000) < 0.01
