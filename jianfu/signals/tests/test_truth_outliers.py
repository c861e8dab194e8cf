"""Outliers in sample-point reports: the planted point's inflated months are found with their
evidence (value, baseline, modified z, bounds, peers), clean points raise nothing, and the
statistics behave as the research note says (MAD, the MeanAD fallback, no spread: no verdict)."""

import numpy as np
import pytest

from jianfu.core import clock
from jianfu.core import periods as period_keys
from jianfu.core.models import Unit
from jianfu.demo import monitoring as demo_data
from jianfu.monitoring import stats
from jianfu.signals import runner
from jianfu.signals.models import Signal
from jianfu.signals.rules import truth_outliers

from . import truth_factories as tf

PLANTED = {
    (0, "township", 0): "copy_forward",
    (0, "village", 0): "heaping",
    (0, "village", 1): "outliers",
}

demo = pytest.fixture(scope="module")(
    tf.module_fixture(lambda: tf.build(point_patterns=PLANTED, county_patterns={1: "copy_peer"}))
)


@pytest.fixture
def built(demo, db):
    return demo


def test_the_planted_outlier_months_are_found_with_their_evidence(built):
    unit = built.unit("outliers")
    found = {f.period: f for f in tf.evaluate(truth_outliers.RULE) if f.unit_id == unit.pk}
    inflated = {period_keys.shift("2025-08", -back) for back in demo_data.OUTLIER_MONTHS}
    assert inflated <= set(found)
    for period in inflated:
        f = found[period]
        report = tf.report_of(unit, period)
        assert f.evidence["reports"] == [report.pk] and f.evidence["report"] == report.pk
        fig = tf.figures(f)
        key = f.evidence["first"]
        assert fig[f"{key}:value"] == report.values[key]
        assert abs(fig[f"{key}:z"]) > 3.5
        assert fig[f"{key}:value"] > fig[f"{key}:high"] >= fig[f"{key}:median"]
        assert f"{key}:peer_z" in fig and abs(fig[f"{key}:peer_z"]) > 3.5
        assert fig[f"{key}:min"] <= fig[f"{key}:median"] <= fig[f"{key}:max"]
        assert f.severity in (1, 2)
        series = f.evidence["series"][0]
        assert series["key"] == f"q:{key}" and [r["year"] for r in series["rows"]] == [
            2025,
            2024,
            2023,
        ]
        assert truth_outliers.headline("", f.evidence)


def test_clean_points_raise_no_outlier(built):
    clean = {u.pk for u in built.clean()}
    assert not [f for f in tf.evaluate(truth_outliers.RULE) if f.unit_id in clean]


def test_the_runner_raises_them_as_signals_for_the_months_judged(built):
    unit = built.unit("outliers")
    with clock.frozen(tf.AS_OF):
        runner.run(as_of=tf.AS_OF, rules=["truth_outliers"], unit_ids=[unit.pk])
    signals = Signal.objects.filter(rule="truth_outliers", unit=unit)
    found = {f.period for f in tf.evaluate(truth_outliers.RULE) if f.unit_id == unit.pk}
    months = [m["period"] for s in signals for m in s.evidence["months"]]
    # Every month found is in one signal; neighbouring months share one (an ongoing finding).
    assert len(found) >= 3 and sorted(months) == sorted(found)
    assert signals.count() < len(found)
    assert set(months) <= set(truth_outliers.RULE.periods(tf.AS_OF))
    assert truth_outliers.RULE.periods(tf.AS_OF)[-1] == "2025-08"
    assert len(truth_outliers.RULE.periods(tf.AS_OF)) == 12


def test_a_run_for_other_units_reads_nothing(built, django_assert_max_num_queries):
    department = Unit.objects.filter(kind="department").first()
    with django_assert_max_num_queries(2):
        assert tf.evaluate(truth_outliers.RULE, unit_ids=[department.pk]) == []


def test_too_short_a_baseline_judges_nothing(built):
    """Fewer than 10 months of history before a month: that month is not judged."""
    unit = built.unit("outliers")
    point = unit.sample_point
    from jianfu.monitoring.models import Report

    Report.objects.filter(point=point, period__lt="2024-06").delete()
    # 2024-06 … 2024-08 is all the baseline 2024-09 … 2025-03 have (fewer than 10 months).
    found = {f.period for f in tf.evaluate(truth_outliers.RULE) if f.unit_id == unit.pk}
    assert "2025-03" not in found and "2025-02" not in found
    assert "2025-06" in found  # 2024-06 … 2025-05: 12 months


# --- The statistics -----------------------------------------------------------------------------


def test_modified_z_as_iglewicz_and_hoaglin():
    baseline = [10, 12, 11, 13, 9, 10, 12, 11, 10, 14]
    median = np.median(baseline)
    mad = np.median(np.abs(np.array(baseline) - median))
    assert stats.modified_z_one(30, baseline) == pytest.approx(0.6745 * (30 - median) / mad)


def test_the_meanad_fallback_when_more_than_half_are_equal():
    baseline = [5, 5, 5, 5, 5, 5, 6, 7, 5, 9]
    m, median, mad, meanad, method = stats.modified_z(np.array([15.0]), np.array([baseline]))
    assert mad[0] == 0 and method[0] == 2
    assert m[0] == pytest.approx(0.7979 * (15 - 5) / meanad[0])


def test_no_spread_no_verdict():
    m, *_rest, method = stats.modified_z(np.array([50.0]), np.array([[7.0] * 12]))
    assert m[0] == 0 and method[0] == 0


def test_counts_vary_at_least_as_chance_makes_them():
    # A village that never had a city document gets three: not five standard deviations.
    m, *_ = stats.modified_z(np.array([3.0]), np.array([[0.0] * 11 + [1.0]]), counts=True)
    assert m[0] == pytest.approx(3.0)
    assert stats.poisson_tail(7, 1.0) < 1e-3 < stats.poisson_tail(4, 1.0)


def test_bounds_as_dhis2_shows_them():
    low, high = stats.bounds(np.array([20.0]), np.array([3.0]), np.array([4.0]), 3.5)
    assert low[0] == pytest.approx(20 - 3.5 * 3 / 0.6745)
    assert high[0] == pytest.approx(20 + 3.5 * 3 / 0.6745)


def test_the_chance_is_the_negative_binomial_tail_on_its_side():
    from scipy import stats as sps

    x, mu, alpha = np.array([30.0, 1.0]), np.array([4.0, 8.0]), np.array([0.3, 0.2])
    p = truth_outliers.nb_two_sided(x, mu, alpha)
    r = 1 / alpha
    assert p[0] == pytest.approx(2 * sps.nbinom.sf(29, r[0], r[0] / (r[0] + mu[0])))
    assert p[1] == pytest.approx(2 * sps.nbinom.cdf(1, r[1], r[1] / (r[1] + mu[1])))


def test_overdispersed_clean_points_give_about_the_flags_the_rate_allows():
    """A thousand clean points, 24 months of baseline and the month judged, negative binomial
    (shape 3–10, as real counts): under Poisson chance alone about 1 in 2,000 months past
    p = 0.01% would be hundreds of flags in a province's year; under the point's own
    dispersion and Benjamini–Hochberg at 1% over the judgements, hardly any."""
    rng = np.random.default_rng(5)
    runs = []
    for _ in range(20):
        mu = rng.uniform(2, 30, (1000, 1))
        k = rng.uniform(3, 10, (1000, 1))
        draws = rng.negative_binomial(k, k / (k + mu), (1000, 25)).astype(float)
        base, x = draws[:, None, :24].transpose(0, 2, 1), draws[:, 24:]
        p = truth_outliers.chance_p(x, base, np.full(x.shape, np.nan))
        level = base.mean(axis=1)[:, 0]
        poisson = np.array([stats.poisson_tail(a, m) for a, m in zip(x[:, 0], level, strict=True)])
        runs.append(
            (
                int((p <= truth_outliers._bh_line(p.ravel(), 0.01)).sum()),
                int((poisson < 1e-4).sum()),
            )
        )
    assert sum(r[0] for r in runs) <= 2  # BH at 1% under the complete null: ≤ 1% of runs
    assert sum(r[1] for r in runs) > 5 * sum(r[0] for r in runs) + 5
