"""The statistics for counts (rules/counts.py): each test agrees with scipy's reference where
one exists, and holds its false-alarm rate on data drawn at its null — including counts that
vary more than Poisson, as registered counts do."""

import numpy as np
import pytest
from scipy import stats

from jianfu.signals.rules import counts

SEASON = np.array([0.85, 0.55, 1.10, 1.10, 1.05, 1.10, 0.90, 0.80, 1.00, 0.95, 1.15, 1.45])


def overdispersed(rng, mean, phi):
    """Counts with mean `mean` and variance phi × mean (negative binomial; Poisson at phi 1)."""
    mean = np.asarray(mean, dtype=float)
    if phi == 1:
        return rng.poisson(mean)
    return rng.negative_binomial(mean / (phi - 1), 1 / phi)


def history(rng, units, phi, low=0.5, high=8.0):
    """Three years of monthly counts (units × 3 × 12: two years before and this one), each unit
    at its own level along the season, with no change between years."""
    level = rng.uniform(low, high, size=(units, 1, 1))
    return overdispersed(rng, np.broadcast_to(level * SEASON, (units, 3, 12)), phi)


# --- Agreement with scipy ------------------------------------------------------------------------


def test_the_rise_test_at_dispersion_one_is_the_exact_conditional_binomial():
    this, last = np.array([17, 9, 30, 0, 5]), np.array([10, 6, 12, 4, 0])
    p = counts.rise_p(this, last, 1.0)
    expected = [
        stats.binomtest(int(a), int(a + b), 0.5, alternative="greater").pvalue if a else 1.0
        for a, b in zip(this, last, strict=True)
    ]
    assert p == pytest.approx(expected, rel=1e-9)


def test_the_issues_small_rises_are_within_chance():
    """10 → 17 inspections and 6 → 9 raised signals before; chance gives them often."""
    p = counts.rise_p(np.array([17, 9]), np.array([10, 6]), 1.0)
    assert p[0] > 0.1 and p[1] > 0.25


def test_dispersion_weakens_the_evidence_of_a_rise():
    p1, p2 = counts.rise_p(np.array([30, 30]), np.array([12, 12]), np.array([1.0, 2.0]))
    assert p1 < 0.005 and p2 > 0.03


def test_the_rise_test_takes_exposure_into_account():
    """Pages against documents: 288 pages on 48 documents after 240 on 60 is a rise in length,
    240 on 48 after 300 on 60 is none."""
    p = counts.rise_p(np.array([288, 240]), np.array([240, 300]), 1.0, np.array([0.8, 0.8]))
    assert p[0] < 1e-4 and p[1] > 0.4


def test_the_share_test_is_fishers_exact_test():
    rng = np.random.default_rng(3)
    n1, n0 = rng.integers(10, 80, 40), rng.integers(10, 80, 40)
    x1, x0 = rng.binomial(n1, 0.4), rng.binomial(n0, 0.3)
    p = counts.share_rise_p(x1, n1, x0, n0, mid=False)
    mid = counts.share_rise_p(x1, n1, x0, n0)
    for i in range(40):
        table = [[x1[i], n1[i] - x1[i]], [x0[i], n0[i] - x0[i]]]
        assert p[i] == pytest.approx(stats.fisher_exact(table, alternative="greater")[1])
        # Lancaster's mid-p: half the probability of the table observed taken off.
        point = stats.hypergeom.pmf(x1[i], n1[i] + n0[i], x1[i] + x0[i], n1[i])
        assert mid[i] == pytest.approx(p[i] - point / 2)


def test_the_mid_p_share_test_keeps_its_size_at_the_null():
    """At the null (the same share both years) the mid-p's false-alarm rate at 5 % stays about
    5 % (Fisher's own is well below it at these counts), not above it."""
    rng = np.random.default_rng(11)
    n1, n0 = rng.integers(5, 40, 20000), rng.integers(5, 40, 20000)
    share = rng.uniform(0.1, 0.5, 20000)
    p = counts.share_rise_p(rng.binomial(n1, share), n1, rng.binomial(n0, share), n0)
    assert 0.03 < np.mean(p <= 0.05) < 0.06


def test_the_discrete_tails_are_scipy_stats_own_to_the_last_bit():
    """hypergeom_pmf, hypergeom_sf and binom_pmf call the functions scipy.stats calls, without
    importing it: over a grid with every edge (out of the support, invalid shapes, 0-d) they
    give exactly its figures."""
    M, n, N, k = np.meshgrid(
        np.arange(-1, 13), np.arange(-1, 13), np.arange(-1, 13), np.arange(-2, 14), indexing="ij"
    )
    with np.errstate(all="ignore"):
        for mine, ref in (
            (counts.hypergeom_pmf, stats.hypergeom.pmf),
            (counts.hypergeom_sf, stats.hypergeom.sf),
        ):
            assert np.array_equal(mine(k, M, n, N), ref(k, M, n, N), equal_nan=True)
            assert np.array_equal(mine(3, 20, 7, 9), ref(3, 20, 7, 9))
        big = np.array([40, 300, 1200])
        assert np.array_equal(
            counts.hypergeom_sf(big // 3, big * 2, big, big),
            stats.hypergeom.sf(big // 3, big * 2, big, big),
        )
        kk, nn = np.meshgrid(np.arange(-1.0, 30.0, 0.5), np.arange(-1.0, 30.0), indexing="ij")
        for p0 in (0.0, 0.02, 0.3, 1.0, 1.5):
            assert np.array_equal(
                counts.binom_pmf(kk, nn, p0), stats.binom.pmf(kk, nn, p0), equal_nan=True
            )


def test_a_unit_whose_margins_cannot_reach_the_level_is_no_test():
    # Two records of the kind in two years: even both this year is no evidence at 5 %.
    assert counts.share_min_p(10, 2, 20)[()] > 0.05
    assert counts.share_min_p(20, 12, 40)[()] < 0.001


def test_the_excess_test_is_the_binomial_tail():
    k, n, p0 = np.array([3, 1, 10, 0]), np.array([9, 40, 30, 20]), np.array([0.02, 0.02, 0.1, 0.1])
    p = counts.share_excess_p(k, n, p0, mid=False)
    mid = counts.share_excess_p(k, n, p0)
    for i in range(3):
        ref = stats.binomtest(int(k[i]), int(n[i]), float(p0[i]), alternative="greater").pvalue
        assert p[i] == pytest.approx(ref, rel=1e-9)
        point = stats.binom.pmf(int(k[i]), int(n[i]), float(p0[i]))
        assert mid[i] == pytest.approx(ref - point / 2, rel=1e-9)
    assert p[3] == 1.0 and mid[3] == 1.0


def test_q_values_are_benjamini_hochbergs():
    p = np.random.default_rng(1).uniform(size=50) ** 3
    assert counts.q_values(p) == pytest.approx(stats.false_discovery_control(p))


# --- Dispersion ----------------------------------------------------------------------------------


def test_a_units_dispersion_is_recovered_from_its_history_and_floored_at_one():
    rng = np.random.default_rng(11)
    observed = np.ones((2, 12), dtype=bool)
    phi = counts.unit_dispersion(history(rng, 300, 3.0)[:, :2], observed)
    assert 2.4 < np.median(phi) < 3.4
    poisson = counts.unit_dispersion(history(rng, 300, 1.0)[:, :2], observed)
    assert poisson.min() >= 1.0 and np.median(poisson) < 1.3


def test_a_short_history_is_shrunk_toward_the_population():
    phi_raw = np.array([1.0] * 20 + [9.0, 9.0])
    df = np.array([40.0] * 20 + [2.0, 40.0])
    phi = counts.shrunk_dispersion(phi_raw, df)
    # The unit with two months' worth of history is pulled most of the way to the others' 1.
    assert phi[20] < 3 < phi[21]


def test_a_unit_without_history_takes_the_population_dispersion():
    phi = counts.shrunk_dispersion(np.array([2.0, 2.0, 2.0, np.nan]), np.array([20, 20, 20, 0]))
    assert phi[3] == pytest.approx(2.0)


def test_the_year_to_year_variance_is_read_from_the_population():
    """Units whose level moves 20% (CV) from one year to the next, Poisson within the year:
    τ² near 0.04; the same units at a steady level: near 0."""
    rng = np.random.default_rng(21)
    level = rng.uniform(5, 40, size=(400, 1, 1))
    for cv, low, high in ((0.2, 0.025, 0.06), (0.0, 0.0, 0.005)):
        year = rng.gamma(1 / cv**2, cv**2, size=(400, 2, 1)) if cv else np.ones((400, 2, 1))
        x = rng.poisson(level * year * SEASON)
        this, last = x[:, 1, :9].sum(axis=1), x[:, 0, :9].sum(axis=1)
        phi = counts.unit_dispersion(x[:, :1], np.ones((1, 12), dtype=bool))
        assert low <= counts.year_to_year_variance(this, last, phi) <= high


def test_a_big_units_ordinary_year_is_not_beyond_chance_once_years_move():
    """1,000 → 1,150 is far beyond Poisson noise, but not beyond a population whose units move
    by 10% or so from year to year."""
    poisson = counts.rise_p(1150, 1000, 1.0)
    moving = counts.rise_p(1150, 1000, counts.effective_dispersion(1.0, 0.01, 1150, 1000))
    assert poisson < 0.001 and moving > 0.1


# --- False alarms at the null ------------------------------------------------------------------


def _rise_flags(rng, units, phi, *, with_dispersion=True, months=9, fdr=0.05):
    x = history(rng, units, phi)
    this, last = x[:, 2, :months].sum(axis=1), x[:, 1, :months].sum(axis=1)
    disp = counts.unit_dispersion(x[:, :2], np.ones((2, 12), dtype=bool))
    p = counts.rise_p(this, last, disp if with_dispersion else 1.0)
    return p, counts.q_values(p) <= fdr


def test_the_rise_test_holds_its_rate_on_overdispersed_counts():
    """Counts with twice Poisson's variance and no change: about 5% of units below p = 0.05 with
    the units' own dispersion; taking them as Poisson would call twice as many or more."""
    p, _ = _rise_flags(np.random.default_rng(5), 4000, 2.0)
    p_poisson, _ = _rise_flags(np.random.default_rng(5), 4000, 2.0, with_dispersion=False)
    assert np.mean(p < 0.05) < 0.065
    assert np.mean(p_poisson < 0.05) > 0.09


def test_a_hundred_clean_units_raise_about_what_the_false_discovery_rate_allows():
    """At the null, BH at 5% flags any unit at all in about one run in twenty: over 40 runs of
    100 clean units, a handful of flags in all."""
    flags = [_rise_flags(np.random.default_rng(seed), 100, 2.0)[1].sum() for seed in range(40)]
    assert sum(flags) <= 6


def test_the_share_test_holds_its_rate_at_the_null():
    rng = np.random.default_rng(8)
    n1, n0 = rng.integers(10, 80, 4000), rng.integers(10, 80, 4000)
    share = rng.uniform(0.1, 0.5, 4000)
    p = counts.share_rise_p(rng.binomial(n1, share), n1, rng.binomial(n0, share), n0)
    assert np.mean(p < 0.05) <= 0.05  # exact, hence conservative
    assert (counts.q_values(p[:100]) <= 0.05).sum() <= 1


# --- Severity ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("effect", "q", "expected"),
    [(1, 0.04, 1), (3, 0.04, 2), (1, 0.0001, 2), (2, 0.004, 2), (3, 0.004, 3), (2, 0.0001, 3)],
)
def test_severity_needs_both_a_large_effect_and_strong_evidence_to_be_high(effect, q, expected):
    assert counts.severity(effect, q, 0.05) == expected


def test_the_effect_grade_doubles_per_step():
    assert [counts.effect_grade(v, 10) for v in (10, 19, 20, 39, 40, 400)] == [1, 1, 2, 2, 3, 3]
