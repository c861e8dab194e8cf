"""The plain statistics behind the truthfulness checks of sample-point reports. No Django here:
numbers in, numbers out, so every figure the signal page shows can be checked by hand.

- Modified z (Iglewicz & Hoaglin; DHIS2 since 2.41, the WHO data-quality tool):
  M = 0.6745·(x − median)/MAD, MAD = median|x − median|; when MAD = 0 (more than half the
  baseline equal, common for small counts) the WHO tool's fallback M = 0.7979·(x − median)/MeanAD;
  0 when both are 0 (a baseline without spread cannot call anything an outlier). Bounds as DHIS2
  shows them: median ± t·MAD/0.6745 (or t·MeanAD/0.7979).
- Terminal digits: χ² (df 9) of the last digits, only on values with at least two significant
  digits (10 and above) and only with n ≥ 50 (five expected per cell), against the digits the
  reporter's own values imply once smoothed (honest counts in the tens are not uniform in their
  last digit: see smoothed_digit_shares); a Whipple-style 0/5 index, 500 × share ending in 0 or 5
  (100 = no preference, 500 = only 0 and 5), with a binomial test.
- Benjamini–Hochberg adjusted p-values for many points tested at once.
- Benford's first digit with Nigrini's MAD cut-offs, E(MAD) ≈ 1/√(21.27·N) and Excess MAD.
- Poisson-binomial tails: the chance of at least m matches among answers that each match with
  their own probability (what the copied-report check calibrates its line with).

numpy does the arithmetic. The χ² and binomial tails are computed here (the regularised incomplete
gamma and beta functions, Numerical Recipes' series and continued fractions; they agree with
scipy's to 1e-12): importing scipy.stats alone takes two seconds, longer than all the checks.
"""

import math
import warnings

import numpy as np

K_MAD = 0.6745  # Φ⁻¹(0.75): MAD/0.6745 estimates σ for normal data
K_MEANAD = 0.7979  # √(2/π): MeanAD/0.7979 estimates σ for normal data

# Nigrini (2012) first-digit MAD cut-offs: close, acceptable, marginal; above: nonconformity.
NIGRINI_FIRST = (0.006, 0.012, 0.015)
BENFORD_C = 21.27  # E(MAD) ≈ 1/√(C·N) for the first digit (Barney & Schulzke 2016)
BENFORD_P = np.log10(1 + 1 / np.arange(1, 10))


# --- Modified z ---------------------------------------------------------------------------------


def nanmedian(a, axis: int):
    """The median along an axis, NaN left out (NaN where all are): numpy's nanmedian, by sorting
    (NaN sorts last) instead of its per-row fallback, which is a hundred times slower on the
    small groups these checks use."""
    a = np.asarray(a, dtype=float)
    srt = np.sort(a, axis=axis)
    n = np.sum(~np.isnan(a), axis=axis, keepdims=True)
    lo = np.take_along_axis(srt, np.maximum((n - 1) // 2, 0), axis=axis)
    hi = np.take_along_axis(srt, np.maximum(n // 2, 0), axis=axis)
    out = np.where(n > 0, (lo + hi) / 2, np.nan)
    return np.squeeze(out, axis=axis)


def modified_z(x, baseline, axis: int = -1, *, counts: bool = False, floor: float = 0.0):
    """Modified z of `x` against `baseline` (NaN = missing), vectorised: `baseline` has one more
    axis than `x` (the periods), at `axis`. Returns (m, median, mad, meanad, method) where method
    is 1 for MAD, 2 for the MeanAD fallback, 0 when neither has spread (then m = 0).

    counts: the answers are counts, which vary at least as chance makes them vary (Poisson,
    σ = √mean): the spread used is never below √median (and never below 1), so a village that
    usually gets no city document is not an outlier for getting three. Method 3 says the floor
    was used. floor: a fixed least spread instead (1 on the Anscombe scale, see anscombe())."""
    x = np.asarray(x, dtype=float)
    baseline = np.asarray(baseline, dtype=float)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices give NaN
        median = nanmedian(baseline, axis=axis)
        dev = np.abs(baseline - np.expand_dims(median, axis))
        mad = nanmedian(dev, axis=axis)
        meanad = np.nanmean(dev, axis=axis)
        spread = np.where(mad > 0, mad / K_MAD, np.where(meanad > 0, meanad / K_MEANAD, 0.0))
        method = np.where(mad > 0, 1, np.where(meanad > 0, 2, 0))
        least = np.sqrt(np.maximum(median, 1.0)) if counts else floor
        method = np.where(spread < least, 3, method)
        spread = np.maximum(spread, least)
        m = np.where(spread > 0, (x - median) / spread, 0.0)
    m = np.where(np.isnan(x) | np.isnan(median), np.nan, m)
    return m, median, mad, meanad, method


def spread_of(median, mad, meanad, *, counts: bool = False, floor: float = 0.0):
    """The σ estimate behind a modified z: MAD/0.6745, else MeanAD/0.7979 (else 0), floored at
    √median for counts, or at `floor`."""
    median, mad, meanad = (np.asarray(a, dtype=float) for a in (median, mad, meanad))
    with np.errstate(all="ignore"):
        spread = np.where(mad > 0, mad / K_MAD, np.where(meanad > 0, meanad / K_MEANAD, 0.0))
        least = np.sqrt(np.maximum(median, 1.0)) if counts else floor
    return np.maximum(spread, least)


def anscombe(x):
    """2·√(x + 3/8): counts on the scale where chance (Poisson) spreads them by 1 whatever their
    size, and where their long right tail is gone. A village's 1 → 7 inspections and a township's
    60 → 90 documents are then judged alike."""
    with np.errstate(invalid="ignore"):
        return 2 * np.sqrt(np.asarray(x, dtype=float) + 0.375)


def modified_z_within(values, axis: int = 0):
    """Modified z of each value against all the values along `axis` (itself included): how far
    each point stands from its peers. Returns (m, median)."""
    values = np.asarray(values, dtype=float)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        median = nanmedian(values, axis=axis)
        diff = values - np.expand_dims(median, axis)
        mad = nanmedian(np.abs(diff), axis=axis)
        meanad = np.nanmean(np.abs(diff), axis=axis)
        mad_e, meanad_e = np.expand_dims(mad, axis), np.expand_dims(meanad, axis)
        m = np.where(
            mad_e > 0,
            K_MAD * diff / mad_e,
            np.where(meanad_e > 0, K_MEANAD * diff / meanad_e, 0.0),
        )
    return np.where(np.isnan(values), np.nan, m), median


def bounds(median, mad, meanad, threshold: float, *, counts: bool = False, floor: float = 0.0):
    """The (low, high) band outside which |M| > threshold, as DHIS2 shows it:
    median ± threshold·MAD/0.6745 (or the fallback's, or the floor's, spread)."""
    spread = spread_of(median, mad, meanad, counts=counts, floor=floor)
    median = np.asarray(median, dtype=float)
    return median - threshold * spread, median + threshold * spread


def modified_z_one(x: float, baseline: list[float]) -> float:
    """The scalar version (for tests and for reading a figure by hand)."""
    m, *_ = modified_z(np.array([x]), np.array([baseline]))
    return float(m[0])


# --- Terminal digits ----------------------------------------------------------------------------

MIN_DIGIT_VALUE = 10  # two significant digits at least: a one-digit count has no "last" digit
MIN_DIGIT_N = 50  # five expected per cell of ten


def terminal_digits(values, expected=None) -> dict:
    """Last-digit counts of the whole numbers ≥ 10 among `values`, the χ² test (df 9) against
    `expected` (ten shares; uniform when not given) and the 0/5 index. `tested` is False (and no
    p-value is given) when n < 50."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    v = v[(v >= MIN_DIGIT_VALUE) & (v == np.floor(v))]
    n = int(v.size)
    counts = np.bincount((v % 10).astype(int), minlength=10) if n else np.zeros(10, int)
    out = {
        "n": n,
        "counts": [int(c) for c in counts],
        "expected": None,
        "whipple": 500 * (counts[0] + counts[5]) / n if n else None,
        "chi2": None,
        "p": None,
        "tested": n >= MIN_DIGIT_N,
    }
    if n >= MIN_DIGIT_N:
        shares = np.full(10, 0.1) if expected is None else np.asarray(expected, dtype=float)
        exp = np.maximum(shares / shares.sum() * n, 1e-9)
        chi2 = float(((counts - exp) ** 2 / exp).sum())
        out.update(expected=[round(float(e), 2) for e in exp], chi2=chi2, p=chi2_sf(chi2, 9))
    return out


SMOOTH_BANDWIDTH = 2.5  # wide enough to flatten a heap at a multiple of 5


def smoothed_digit_shares(values) -> np.ndarray | None:
    """The last-digit shares (of the whole numbers ≥ 10) that a smooth version of `values`
    implies: a Gaussian kernel (bandwidth the larger of 2.5 and Silverman's) over the values,
    read at every whole number ≥ 10. Counts in the tens crowd at the low end (12 forms a month is
    likelier than 19), so the last digits of honest counts are not uniform; heaps at 0 and 5 are
    smeared by the kernel and stand out against this."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x) & (x >= 0)]
    if x.size < 2 or x.max() < MIN_DIGIT_VALUE:
        return None
    h = max(SMOOTH_BANDWIDTH, 1.06 * float(x.std()) * x.size**-0.2)
    reach = int(np.ceil(4 * h))
    # Whole numbers: a histogram convolved with the kernel is the kernel density at each.
    hist = np.bincount(np.round(x).astype(int) + reach, minlength=int(x.max()) + 2 * reach + 1)
    offsets = np.arange(-reach, reach + 1)
    density = np.convolve(hist, np.exp(-0.5 * (offsets / h) ** 2), mode="same")
    grid = np.arange(density.size) - reach
    keep = grid >= MIN_DIGIT_VALUE
    density, grid = density[keep], grid[keep]
    if density.sum() <= 0:
        return None
    return np.bincount(grid % 10, weights=density, minlength=10) / density.sum()


def digit_test(fields: list) -> dict:
    """The terminal-digit test of one reporter over several questions (a list of arrays, one per
    question); see digit_tests."""
    return digit_tests([np.asarray(f, dtype=float)[None, :] for f in fields])[0]


def digit_tests(fields: list) -> list[dict]:
    """The terminal-digit test of many reporters at once. `fields` is a list of arrays
    (reporters × periods), one per question. Per reporter: the last digits of the whole numbers
    ≥ 10 summed over the questions, against the expected counts, each question's from its own
    smoothed values (smoothed_digit_shares, computed here for every reporter at once by a
    Fourier-domain Gaussian, each reporter with its own bandwidth); χ² (df 9) when n ≥ 50. Plus
    the 0/5 heaping index (Whipple-style) over the values ≥ 8, so each multiple of 5 from 10 up has
    its two neighbours on either side: under a smooth distribution a fifth of them end in 0 or 5
    (linear trends cancel around the multiple), and a one-sided binomial test says whether more
    do (n ≥ 50)."""
    n_rep = fields[0].shape[0] if fields else 0
    observed = np.zeros((n_rep, 10))
    expected = np.zeros((n_rep, 10))
    heaped = np.zeros(n_rep, dtype=int)
    near = np.zeros(n_rep, dtype=int)
    for values in fields:
        v = np.asarray(values, dtype=float)
        ok = np.isfinite(v) & (v >= 0) & (v == np.floor(np.where(np.isfinite(v), v, 0)))
        big = ok & (v >= MIN_DIGIT_VALUE)
        digit = np.where(big, np.nan_to_num(v) % 10, -1).astype(int)
        for d in range(10):
            observed[:, d] += (digit == d).sum(axis=1)
        around = ok & (v >= MIN_DIGIT_VALUE - 2)
        near += around.sum(axis=1)
        heaped += (around & (np.nan_to_num(v) % 5 == 0)).sum(axis=1)
        expected += _smoothed_shares(v, ok) * big.sum(axis=1, keepdims=True)
    # Every reporter's χ² at once (each row summed as its own 10 values would be), and the
    # arrays as Python numbers: the loop below only assembles each reporter's dict.
    exp = np.maximum(expected, 1e-9)
    chi2s = (((observed - exp) ** 2 / exp).sum(axis=1)).tolist()
    totals = observed.sum(axis=1).tolist()
    observed, exp, heaped, near = observed.tolist(), exp.tolist(), heaped.tolist(), near.tolist()
    out = []
    for r in range(n_rep):
        n = int(totals[r])
        row = {
            "n": n,
            "counts": [int(c) for c in observed[r]],
            "expected": None,
            "whipple": 500 * (observed[r][0] + observed[r][5]) / n if n else None,
            "chi2": None,
            "p": None,
            "tested": n >= MIN_DIGIT_N,
            "heaping_n": near[r],
            "heaping_index": 500 * heaped[r] / near[r] if near[r] else None,
            "heaping_p": binomial_sf(heaped[r], near[r], 0.2) if near[r] >= MIN_DIGIT_N else None,
        }
        if n >= MIN_DIGIT_N:
            chi2 = chi2s[r]
            row.update(expected=[round(e, 2) for e in exp[r]], chi2=chi2, p=chi2_sf(chi2, 9))
        out.append(row)
    return out


def _fast_len(n: int) -> int:
    """The smallest 2^a·3^b·5^c ≥ n (a length the FFT handles fast)."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            p = p35
            while p < n:
                p *= 2
            best = min(best, p)
            p35 *= 3
        p5 *= 5
    return best


def _smoothed_shares(v: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """smoothed_digit_shares for every row of `v` (reporters × periods) at once; uniform for a
    row with fewer than two values or none of 10 and more."""
    n_rep = v.shape[0]
    shares = np.full((n_rep, 10), 0.1)
    x = np.where(ok, v, np.nan)
    count = ok.sum(axis=1)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        std = np.nanstd(x, axis=1)
        top = np.nanmax(x, axis=1)
    usable = (count >= 2) & (np.nan_to_num(top, nan=-1) >= MIN_DIGIT_VALUE)
    if not usable.any():
        return shares
    h = np.maximum(SMOOTH_BANDWIDTH, 1.06 * np.nan_to_num(std) * np.maximum(count, 1) ** -0.2)
    reach = int(np.ceil(4 * h[usable].max()))
    size = _fast_len(int(np.nanmax(top[usable])) + 2 * reach + 1)
    rows = np.flatnonzero(usable)
    rr, cc = np.nonzero(ok[rows])
    cell = rr * size + v[rows][rr, cc].astype(int) + reach
    hist = np.bincount(cell, minlength=rows.size * size).reshape(rows.size, size).astype(float)
    offsets = np.arange(size)
    dist = np.minimum(offsets, size - offsets)  # circular distance
    kernel = np.exp(-0.5 * (dist[None, :] / h[rows][:, None]) ** 2)
    density = np.fft.irfft(np.fft.rfft(hist, axis=1) * np.fft.rfft(kernel, axis=1), n=size, axis=1)
    grid = offsets - reach
    keep = grid >= MIN_DIGIT_VALUE
    onehot = np.zeros((size, 10))
    onehot[np.flatnonzero(keep), grid[keep] % 10] = 1
    sums = np.clip(density, 0, None) @ onehot
    total = sums.sum(axis=1, keepdims=True)
    shares[rows] = np.where(total > 0, sums / np.where(total > 0, total, 1), 0.1)
    return shares


def poisson_tail(x: float, mean: float) -> float:
    """The chance of a count at least as far from `mean` as x, on its side: P(X ≥ x) above the
    mean, P(X ≤ x) below it, X ~ Poisson(mean)."""
    k = int(round(x))
    if mean <= 0:
        return 1.0 if k <= 0 else 0.0
    if k >= mean:
        return 1.0 if k <= 0 else 1 - _gammaincc(k, mean)  # P(X ≥ k) = P(k, mean)
    return _gammaincc(k + 1, mean)  # P(X ≤ k) = Q(k + 1, mean)


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p) = I_p(k, n − k + 1), the regularised incomplete beta."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return _betainc(k, n - k + 1, p)


def _betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta I_x(a, b) (Numerical Recipes' continued fraction)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return front * _betacf(a, b, x) / a
    return 1 - front * _betacf(b, a, 1 - x) / b


def _betacf(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (tiny if abs(d) < tiny else d)
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (tiny if abs(d) < tiny else d)
        c = 1 + aa / c
        c = tiny if abs(c) < tiny else c
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (tiny if abs(d) < tiny else d)
        c = 1 + aa / c
        c = tiny if abs(c) < tiny else c
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return h


def chi2_sf(x: float, df: int) -> float:
    """P(χ²_df ≥ x) = Q(df/2, x/2)."""
    return _gammaincc(df / 2, x / 2)


def _gammaincc(a: float, x: float) -> float:
    """The regularised upper incomplete gamma Q(a, x) (Numerical Recipes: series below a + 1,
    continued fraction above)."""
    if x <= 0:
        return 1.0
    gln = math.lgamma(a)
    if x < a + 1:
        term = total = 1 / a
        ap = a
        for _ in range(1000):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(0.0, 1 - total * math.exp(-x + a * math.log(x) - gln))
    b, c, d = x + 1 - a, 1 / 1e-300, 1 / (x + 1 - a)
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return math.exp(-x + a * math.log(x) - gln) * h


def benjamini_hochberg(pvalues) -> np.ndarray:
    """BH-adjusted p-values (q-values), in the order given: reject where q ≤ the FDR wanted."""
    p = np.nan_to_num(np.asarray(pvalues, dtype=float), nan=1.0)  # untested: nothing to reject
    n = p.size
    if n == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(q, 1.0)
    return out


# --- Benford ------------------------------------------------------------------------------------


def first_digits(values) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if not v.size:
        return np.zeros(0, int)
    return (v / 10 ** np.floor(np.log10(v))).astype(int).clip(1, 9)


def orders_of_magnitude(values, low_q: float = 0.01, high_q: float = 0.99) -> float:
    """log10 of the ratio of the 99th to the 1st percentile of the positive values: how many
    orders of magnitude a series spans, robust to a stray extreme."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size < 2:
        return 0.0
    lo, hi = np.quantile(v, [low_q, high_q])
    return float(np.log10(hi / lo)) if lo > 0 else 0.0


def benford(values) -> dict:
    """First-digit distribution against Benford: N, observed shares, MAD, E(MAD), Excess MAD and
    Nigrini's conformity band ("close", "acceptable", "marginal", "nonconformity")."""
    d = first_digits(values)
    n = int(d.size)
    observed = np.bincount(d, minlength=10)[1:] / n if n else np.zeros(9)
    mad = float(np.abs(observed - BENFORD_P).mean()) if n else None
    expected_mad = 1 / math.sqrt(BENFORD_C * n) if n else None
    return {
        "n": n,
        "observed": [round(float(x), 4) for x in observed],
        "expected": [round(float(x), 4) for x in BENFORD_P],
        "mad": mad,
        "expected_mad": expected_mad,
        "excess_mad": mad - expected_mad if n else None,
        "band": conformity(mad) if n else None,
    }


def conformity(mad: float) -> str:
    close, acceptable, marginal = NIGRINI_FIRST
    if mad <= close:
        return "close"
    if mad <= acceptable:
        return "acceptable"
    if mad <= marginal:
        return "marginal"
    return "nonconformity"


def benford_mad_p(mad: float, n: int, draws: int = 2000, seed: int = 0) -> float:
    """The chance that genuinely Benford data of size n show a MAD at least this large
    (multinomial draws): Nigrini's cut-offs are for large N, and at N = 500 perfect data pass
    the nonconformity line 7% of the time."""
    rng = np.random.default_rng(seed)
    sims = rng.multinomial(n, BENFORD_P / BENFORD_P.sum(), size=draws) / n
    sim_mad = np.abs(sims - BENFORD_P).mean(axis=1)
    return float((np.sum(sim_mad >= mad) + 1) / (draws + 1))


# --- Matches ------------------------------------------------------------------------------------


def poisson_binomial_tail(probs) -> np.ndarray:
    """tail[m] = P(at least m of the independent events happen), m = 0 … len(probs)."""
    dist = np.zeros(len(probs) + 1)
    dist[0] = 1.0
    for p in probs:
        p = min(max(float(p), 0.0), 1.0)
        dist[1:] = dist[1:] * (1 - p) + dist[:-1] * p
        dist[0] *= 1 - p
    return np.clip(np.cumsum(dist[::-1])[::-1], 0.0, 1.0)


def longest_run(values, *, skip_zero: bool = True) -> tuple[int, float | None]:
    """The longest run of one value in a row (the length and the value); zeros do not count
    when skip_zero (a quiet month answers 0 to a whole block of questions honestly)."""
    best, best_value, run, last = 0, None, 0, None
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)) or (skip_zero and v == 0):
            run, last = 0, None
            continue
        run = run + 1 if v == last else 1
        last = v
        if run > best:
            best, best_value = run, v
    return best, best_value
