"""The statistics the registry rules (group "quota") need for counts: numbers in, numbers out, one
array element per unit, so a province of 35,000 units is one call, not 35,000.

Why these tests:
- Registered counts vary more than Poisson (a unit's month depends on its campaigns, its leader's
  habits, a flood): a test that assumes Poisson calls ordinary swings "beyond chance". Each unit's
  own dispersion (variance over mean of its monthly counts, seasonality and each year's level taken
  out) scales its counts, quasi-Poisson style; with little history it is shrunk toward the
  population's, and it is never taken below 1 (a unit smoother than Poisson is another rule's
  business: registry_smooth).
- A rise against last year is tested on BOTH years: last year's count is as noisy as this year's.
  Given the two years' sum, this year's share of it is binomial under "no change" (the conditional
  test for two Poisson rates, Przyborowski & Wilenski 1940); dividing both counts by the dispersion
  makes it the quasi-Poisson version. Units' levels also move from year to year for ordinary
  reasons, which monthly counts cannot show: that variance is taken from the population
  (year_to_year_variance) and added, so a big unit's ordinary 15% is not "beyond chance".
- Shares (out of plan, white-header, remote, video) are records that either are or are not of a
  kind: binomial against a background rate, Fisher's exact test between two years.
- Hundreds of units are tested in one run: Benjamini–Hochberg q-values per rule (and subject) and
  run keep the expected share of false alarms among the flags at the rate set.
- Severity combines how big the effect is with how sure the test is: a large rise on thin evidence
  and a clear but small one are both medium.

scipy is imported inside the functions that use it, and scipy.stats not at all (the discrete
tails below call the functions it calls): importing scipy.stats costs about a second, which every
process that loads the rules (every page), and every rule run, would otherwise pay.
"""

import math

import numpy as np

from jianfu.monitoring.stats import benjamini_hochberg

# How many months of history the population's dispersion is worth when a unit's own is shrunk
# toward it: a unit with one year of months counts for about half, with three for three quarters.
PRIOR_DF = 12
# How many units the year-to-year variance needs before it is estimated (else taken as none).
MIN_UNITS_FOR_YEARS = 20
MIN_SUPPORT_FOR_YEARS = 50
CHI2_1_MEDIAN = 0.4549364


def seasonal_profile(monthly: np.ndarray) -> np.ndarray:
    """The population's month-of-year profile (mean 1) from complete years: monthly has shape
    (units, years, 12). Twelve ones when there is nothing to learn it from."""
    totals = np.asarray(monthly, dtype=float).sum(axis=(0, 1))
    if totals.sum() <= 0:
        return np.ones(12)
    return totals / totals.mean()


def fitted_by_year(monthly: np.ndarray, observed: np.ndarray, profile: np.ndarray) -> np.ndarray:
    """What each observed month would hold if a unit's year were spread along the population's
    profile at that year's own level: each year's total shared out over its observed months.

    Fitting each year's level apart keeps the change between years (what the rules test) out of
    the dispersion; fitting the season keeps the Spring Festival lull out of it."""
    monthly = np.asarray(monthly, dtype=float)
    weights = np.where(observed, profile, 0.0)
    totals = np.where(observed, monthly, 0.0).sum(axis=-1, keepdims=True)
    share = weights.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(share > 0, totals * weights / share, 0.0)


def pearson_dispersion(
    counts: np.ndarray, expected: np.ndarray, params: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pearson's dispersion per unit, Σ(x − μ)²/μ over the cells with μ > 0, divided by the
    degrees of freedom (those cells less the fitted parameters). The last axes of counts and
    expected are flattened into cells; params has one entry per unit. NaN where df ≤ 0."""
    x = np.asarray(counts, dtype=float).reshape(len(params), -1)
    mu = np.asarray(expected, dtype=float).reshape(len(params), -1)
    used = mu > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        chi2 = np.where(used, (x - mu) ** 2 / np.where(used, mu, 1.0), 0.0).sum(axis=1)
    df = used.sum(axis=1) - np.asarray(params)
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.where(df > 0, chi2 / np.maximum(df, 1), np.nan)
    return phi, np.maximum(df, 0)


def shrunk_dispersion(phi: np.ndarray, df: np.ndarray, prior_df: float = PRIOR_DF) -> np.ndarray:
    """Each unit's dispersion, floored at 1 and shrunk toward the population's (the trimmed mean
    of the units with a year's history or more) by how much history it has: a dozen months say
    little about a unit's spread, and one quiet year must not make the next year's swing look
    unusual."""
    phi = np.asarray(phi, dtype=float)
    df = np.asarray(df, dtype=float)
    own = np.where(np.isnan(phi), 1.0, np.maximum(phi, 1.0))
    solid = ~np.isnan(phi) & (df >= prior_df - 1)
    population = max(1.0, _trimmed_mean(own[solid])) if solid.any() else 1.0
    return np.maximum(1.0, (df * own + prior_df * population) / (df + prior_df))


def _trimmed_mean(values: np.ndarray, cut: float = 0.05) -> float:
    """The mean without the top and bottom 5%: Pearson's estimates are skewed (their median is
    below the dispersion), and the few units far out must not set everyone's."""
    v = np.sort(values)
    k = int(len(v) * cut)
    return float(v[k : len(v) - k].mean()) if len(v) > 2 * k else float(v.mean())


def unit_dispersion(
    monthly: np.ndarray, observed: np.ndarray, complete_years: np.ndarray | None = None
) -> np.ndarray:
    """The dispersion of each unit's monthly counts from its own history: monthly (units, years,
    12), observed (years, 12) or the same shape as monthly, True for the months that are over.
    complete_years: which years' months teach the seasonal profile (default: fully observed)."""
    monthly = np.asarray(monthly, dtype=float)
    observed = np.broadcast_to(observed, monthly.shape)
    if complete_years is None:
        complete_years = observed.all(axis=(0, 2))
    profile = seasonal_profile(monthly[:, complete_years, :])
    mu = fitted_by_year(monthly, observed, profile)
    levels = (np.where(observed, monthly, 0).sum(axis=2) > 0).sum(axis=1)
    phi, df = pearson_dispersion(np.where(observed, monthly, 0), mu, levels)
    return shrunk_dispersion(phi, df)


def year_to_year_variance(this, last, phi, *, min_units: int = MIN_UNITS_FOR_YEARS) -> float:
    """τ², how much a unit's level moves from one year to the next beyond the noise of its counts,
    from the whole population: the τ² at which the units' log ratios this year / last year,
    around their median and each divided by its variance (the counts' noise plus 2τ²), have the
    spread of a standard normal — by medians, so that a campaign moving everyone and the few
    units that really rose do not count. Only units with fifty records or more in the two years
    say; 0 when fewer than min_units do.

    Why: a unit's monthly counts share its year's level, so their dispersion cannot see a level
    that moves 10–20% from year to year for ordinary reasons (a new leader, a flood). A big unit's
    counts are precise, and such a move would pass for "beyond chance"; with τ² its variance is
    φ·μ + τ²·μ², as the negative binomial's (see effective_dispersion)."""
    this = np.asarray(this, dtype=float)
    last = np.asarray(last, dtype=float)
    # Only units whose counts are big enough for the log ratio to be near normal: in small ones
    # any misjudged dispersion would pass for a move between years.
    big = this + last >= MIN_SUPPORT_FOR_YEARS
    if big.sum() < min_units:
        return 0.0
    this, last, phi = this[big], last[big], np.broadcast_to(phi, big.shape)[big]
    d = np.log((this + 0.5) / (last + 0.5))
    d = (d - np.median(d)) ** 2
    noise = np.asarray(phi, dtype=float) * (1 / (this + 0.5) + 1 / (last + 0.5))

    def excess(tau2: float) -> float:
        # Standardised, the squared deviations have the median of χ²(1) when τ² is right.
        return float(np.median(d / (noise + 2 * tau2))) - CHI2_1_MEDIAN

    if excess(0.0) <= 0:
        return 0.0
    low, high = 0.0, 1.0
    if excess(high) > 0:
        return high
    for _ in range(40):
        mid = (low + high) / 2
        low, high = (mid, high) if excess(mid) > 0 else (low, mid)
    return (low + high) / 2


def effective_dispersion(phi, tau2: float, this, last) -> np.ndarray:
    """The dispersion that gives the difference of two years its variance when each year's level
    also moves by τ²: φ(μ₁ + μ₀) + τ²(μ₁² + μ₀²) = φ_eff(μ₁ + μ₀), at μ₁ = μ₀ = (this + last)/2."""
    mean = (np.asarray(this, dtype=float) + np.asarray(last, dtype=float)) / 2
    return np.asarray(phi, dtype=float) + tau2 * mean


def rise_p(this, last, phi, ratio=1.0) -> np.ndarray:
    """One-sided p that `this` exceeds `last` by more than chance, both noisy: given their sum,
    this year's part is binomial with probability ratio/(1 + ratio) when the rate per unit of
    exposure has not changed (ratio = this year's exposure over last year's: 1 for the same
    months; documents this year over last when the count is of pages). Counts are divided by the
    dispersion φ first (quasi-Poisson): φ = 2 halves the evidence a count carries.

    P(X ≥ k) for X ~ Bin(n, π) is the regularised incomplete beta I_π(k, n − k + 1), which is
    defined for the scaled, non-integer counts too. A count not above its share of the sum gets
    p = 1 (it is above one half)."""
    this = np.asarray(this, dtype=float)
    last = np.asarray(last, dtype=float)
    phi = np.maximum(np.asarray(phi, dtype=float), 1.0)
    pi = np.asarray(ratio, dtype=float) / (1.0 + np.asarray(ratio, dtype=float))
    from scipy import special

    k, rest = this / phi, last / phi
    k, rest, pi = np.broadcast_arrays(k, rest, pi)
    # Only a count above what the sum's even share would give can be beyond chance: the others
    # get 1 (their p is above one half) and the incomplete beta, the costly part, is spared them.
    above = k > (k + rest) * pi
    p = np.ones(k.shape)
    with np.errstate(invalid="ignore"):
        p[above] = special.betainc(k[above], rest[above] + 1.0, pi[above])
    return np.clip(p, 0.0, 1.0)


def share_rise_p(x1, n1, x0, n0, *, mid: bool = True) -> np.ndarray:
    """Fisher's exact one-sided p that the share x1/n1 is above x0/n0 by more than chance: the
    hypergeometric tail of x1 given both margins (mid=False: the same figure as
    scipy.stats.fisher_exact(..., alternative="greater"), for arrays at once).

    mid=True gives Lancaster's mid-p, P(X > x1) + ½·P(X = x1): conditioning on both margins makes
    Fisher's test conservative at small counts (its size is well below the level set, because
    the tail jumps in steps); the mid-p's size is close to the level on average and it is the
    recognised remedy (Lancaster 1961; Agresti, Categorical Data Analysis, §1.4.5), at no cost
    (Boschloo's unconditional test does the same at a hundred times the time)."""
    x1, n1, x0, n0 = (np.asarray(a, dtype=np.int64) for a in (x1, n1, x0, n0))
    shape = (n1 + n0, x1 + x0, n1)
    p = hypergeom_sf(x1, *shape) + (0.5 if mid else 1.0) * hypergeom_pmf(x1, *shape)
    return np.where((n1 > 0) & (n0 > 0), np.clip(p, 0.0, 1.0), 1.0)


def share_min_p(n1, x_both, n_both, *, mid: bool = True) -> np.ndarray:
    """The smallest p share_rise_p could give with these margins (all the part this year that
    the margins allow). A unit whose smallest p is above the level can never be flagged; leaving
    it out of the Benjamini–Hochberg family is valid because, under the null, the margins carry
    no information about the p (Tarone 1990; Gilbert 2005 for the false-discovery rate)."""
    n1, x_both, n_both = (np.asarray(a, dtype=np.int64) for a in (n1, x_both, n_both))
    top = np.minimum(n1, x_both)
    pmf = hypergeom_pmf(top, np.maximum(n_both, 1), x_both, n1)
    return np.where(x_both > 0, (0.5 if mid else 1.0) * pmf, 1.0)


def share_excess_p(k, n, p0, *, mid: bool = True) -> np.ndarray:
    """One-sided binomial p of at least k records of a kind among n when each is of that kind with
    the background probability p0: P(X ≥ k) = I_p0(k, n − k + 1); mid=True takes off half of
    P(X = k) (Lancaster's mid-p: the exact tail of a discrete count is conservative, most of all
    at the small counts a unit's out-of-plan inspections are)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    p0 = np.clip(np.asarray(p0, dtype=float), 1e-12, 1.0)
    from scipy import special

    with np.errstate(invalid="ignore"):
        p = special.betainc(np.maximum(k, 1e-12), np.maximum(n - k + 1.0, 1e-12), p0)
        if mid:
            p = p - 0.5 * binom_pmf(k, n, p0)
    return np.where(k > 0, np.clip(p, 0.0, 1.0), 1.0)


# --- scipy.stats' discrete distributions without scipy.stats ------------------------------------
#
# Importing scipy.stats takes a second or more (its whole catalogue of distributions loads), more
# than the rule run's own arithmetic with these tails. scipy.stats' hypergeom and binom call the
# Boost functions in scipy.special._ufuncs; these call them alike, with rv_discrete's rules for
# arguments (NaN where they are invalid, 0 outside the support, 1 below it for the tail, the
# value clipped to [0, 1] inside), so the figures are scipy.stats' own to the last bit
# (test_counts checks it over a grid).


def hypergeom_pmf(k, M, n, N) -> np.ndarray:
    """scipy.stats.hypergeom.pmf(k, M, n, N)."""
    from scipy.special import _ufuncs

    return _hypergeom(_ufuncs._hypergeom_pmf, k, M, n, N, tail=False)


def hypergeom_sf(k, M, n, N) -> np.ndarray:
    """scipy.stats.hypergeom.sf(k, M, n, N): P(X > k)."""
    from scipy.special import _ufuncs

    return _hypergeom(_ufuncs._hypergeom_sf, k, M, n, N, tail=True)


def binom_pmf(k, n, p) -> np.ndarray:
    """scipy.stats.binom.pmf(k, n, p)."""
    from scipy.special import _ufuncs

    n, p = np.asarray(n), np.asarray(p)
    valid = (n >= 0) & _whole(n) & (p >= 0) & (p <= 1)
    return _discrete(_ufuncs._binom_pmf, k, (n, p), valid, 0, n, tail=False)


def _hypergeom(ufunc, k, M, n, N, *, tail: bool) -> np.ndarray:
    M, n, N = np.asarray(M), np.asarray(n), np.asarray(N)
    valid = (M > 0) & (n >= 0) & (N >= 0) & (n <= M) & (N <= M)
    valid &= _whole(M) & _whole(n) & _whole(N)
    low, high = np.maximum(N - (M - n), 0), np.minimum(n, N)
    # The Boost functions take (k, n, N, M), as scipy.stats' hypergeom passes them.
    return _discrete(ufunc, k, (n, N, M), valid, low, high, tail=tail)


def _whole(x) -> np.ndarray:
    return x == np.round(x)


def _discrete(fn, k, args, valid, low, high, *, tail: bool) -> np.ndarray:
    """rv_discrete.pmf (tail False) or .sf (tail True) of scipy.stats, fn its _pmf or _sf."""
    k = np.asarray(k)
    if tail:
        inside = (k >= low) & (k < high) & np.isfinite(k)
    else:
        inside = (k >= low) & (k <= high) & (np.floor(k) == k)
    cond = valid & inside
    out = np.zeros(np.shape(cond))
    out[np.broadcast_to(~valid | np.isnan(k), out.shape)] = np.nan
    if tail:
        out[np.broadcast_to(((k < low) | np.isneginf(k)) & valid, out.shape)] = 1.0
    if cond.any():
        out[cond] = np.clip(fn(*(np.broadcast_to(a, cond.shape)[cond] for a in (k, *args))), 0, 1)
    return out


def q_values(p) -> np.ndarray:
    """Benjamini–Hochberg q-values of the p-values of every unit tested in one run."""
    return benjamini_hochberg(p)


def evidence_grade(q: float, fdr: float) -> int:
    """1 when q passes the false-discovery rate set, 2 at a tenth of it, 3 at a hundredth."""
    if q > fdr / 10:
        return 1
    return 2 if q > fdr / 100 else 3


def effect_grade(value: float, floor: float) -> int:
    """1 at the effect's floor, 2 at twice it, 3 at four times it."""
    if floor <= 0:
        return 3
    ratio = value / floor
    return 1 + (ratio >= 2) + (ratio >= 4)


def severity(effect: int, q: float, fdr: float) -> int:
    """Severity (1 low … 3 high) as the rounded-up mean of the effect's grade and the evidence's:
    high needs both a large effect and strong evidence; either alone gives medium."""
    both = (max(1, min(3, effect)) + evidence_grade(q, fdr)) / 2
    return max(1, min(3, math.ceil(both)))


def excess_p(observed, expected, phi) -> np.ndarray:
    """One-sided quasi-Poisson p of a count at least `observed` when chance gives `expected` and
    the counts vary φ times as much as Poisson: both divided by φ, P(X ≥ k) for X ~ Poisson(λ)
    is the regularised lower incomplete gamma P(k, λ), defined for the scaled, non-integer counts
    too. 1 where the count is not above what chance gives."""
    from scipy import special

    k = np.asarray(observed, dtype=float)
    lam = np.asarray(expected, dtype=float)
    phi = np.maximum(np.asarray(phi, dtype=float), 1.0)
    k, lam, phi = np.broadcast_arrays(k, lam, phi)
    p = np.ones(k.shape)
    above = (k > lam) & (lam > 0)
    p[above] = special.gammainc(k[above] / phi[above], lam[above] / phi[above])
    p[(lam <= 0) & (k > 0)] = 0.0
    return np.clip(p, 0.0, 1.0)


def common_ratio(this, base, *, min_support: int = MIN_SUPPORT_FOR_YEARS) -> float:
    """How the population moved: the median of the units' ratios this / base among units with
    min_support records or more in the two (1.0 when fewer than MIN_UNITS_FOR_YEARS have).
    The median, so that the few units that really rose do not move it."""
    this = np.asarray(this, dtype=float)
    base = np.asarray(base, dtype=float)
    big = (this + base >= min_support) & (base > 0)
    if big.sum() < MIN_UNITS_FOR_YEARS:
        return 1.0
    return float(np.exp(np.median(np.log((this[big] + 0.5) / (base[big] + 0.5)))))


def baseline_dispersion(phi, tau2: float, this, base, ratio, base_years) -> np.ndarray:
    """The dispersion that gives the comparison of this year with a baseline of `base_years`
    earlier years (their sum) its variance when each year's level also moves by τ² around the
    common trend: on the log scale, φ/μ₁ + φ/μ_B + τ²(1 + 1/base_years) = φ_eff (1/μ₁ + 1/μ_B),
    with μ₁, μ_B the two parts of the pair's sum under the null (this year's expected share
    ratio/(1 + ratio)). With one baseline year and ratio 1 it is effective_dispersion's φ + τ²μ.
    A two-year baseline halves the baseline's share of the year-to-year term."""
    this = np.asarray(this, dtype=float)
    base = np.asarray(base, dtype=float)
    total = np.maximum(this + base, 1.0)
    pi = np.asarray(ratio, dtype=float) / (1.0 + np.asarray(ratio, dtype=float))
    inv = 1.0 / (pi * total) + 1.0 / ((1.0 - pi) * total)
    return np.asarray(phi, dtype=float) + tau2 * (1.0 + 1.0 / np.asarray(base_years)) / inv
