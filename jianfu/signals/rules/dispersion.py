"""Numbers too smooth (数据过于平稳): what the two under-dispersion rules share (truth_smooth
on sample points' answers, registry_smooth on a unit's registered counts). Plain numpy and
scipy, no data access.

Honest counts vary. Under Poisson — independent events at a steady rate — the variance of
monthly counts equals their mean, and real counts vary more than that (overdispersion: busy and
quiet months). A series whose variance is far below its mean (20, 21, 20, 19, 20 …) has been
written, not counted. The test:

- the dispersion index over the months used: D = Σ (x − mean)² / mean, the mean taken within
  each calendar year, so that a year-on-year change (the campaign cut 40%) is not taken for
  spread; under Poisson D ~ χ² with (months − years) degrees of freedom, and D / df (the
  variance-to-mean ratio) is about 1;
- the lower tail P(χ² ≤ D / reference) says how seldom chance alone is this smooth;
- the reference is the smaller of Poisson (1) and the peers' typical ratio at the unit's size:
  peers that are themselves smooth (a form everyone fills once a week; a registry whose records
  follow a fixed calendar) lower the bar, so only what is smoother than both Poisson and its
  peers is flagged. The peers' ratio grows with the size of the counts (with a fixed seasonal
  profile the variance grows as the mean squared), so it is fitted against the mean: a robust
  straight line of log ratio on log mean over the peers (one refit without the peers more than
  three spreads off the line, so that a few smooth ones do not pull it down). Peers that are
  over-dispersed, as honest ones usually are, are never used to raise the bar above Poisson:
  an honest point with Poisson counts among noisier peers is still honest.
- an effect floor: a question counts only when its ratio is at most a share (a setting) of the
  reference — "far less spread", not a little less;
- a unit's questions (or categories) combined by Simes' test (valid when they move together, as
  a total and its parts do), then Benjamini–Hochberg across the units tested in the run.
"""

import numpy as np
from django.utils.translation import gettext_lazy as _
from scipy import special as sps_special

from .base import TESTS

TESTS["dispersion_low"] = _(
    "方差与均值之比的卡方检验（下尾）：如实计数的月度数字，其方差至少与均值相当（泊松分布），"
    "同类更平稳时与同类比较；数字波动远小于此，偶然出现的概率很小。"
)

MIN_PEERS = 8
FLOOR = 0.01  # the smallest ratio taken into the peers' fit (an exact copy has 0)


def within_years(values: np.ndarray, years: np.ndarray) -> dict[str, np.ndarray]:
    """Per row of `values` (rows × months, or rows × months × questions; NaN where missing): the
    dispersion index D about each calendar year's mean, its degrees of freedom, the months and
    the mean of the years used (a year needs two months and a mean above zero), and the
    variance about the years' means."""
    shape = values.shape[:1] + values.shape[2:]
    d, df, total, n, ss = (np.zeros(shape) for _ in range(5))
    ok = np.isfinite(values)
    filled = np.where(ok, values, 0.0)
    for y in np.unique(years):
        at = years == y
        n_y = ok[:, at].sum(axis=1)
        s_y = filled[:, at].sum(axis=1)
        m_y = s_y / np.maximum(n_y, 1)
        # Σ (x − mean)² = Σ x² − n·mean² (whole counts: no loss of precision worth the name)
        dev2 = np.maximum((filled[:, at] ** 2).sum(axis=1) - n_y * m_y * m_y, 0.0)
        use = (n_y >= 2) & (m_y > 0)
        d += np.where(use, dev2 / np.where(use, m_y, 1), 0)
        df += np.where(use, n_y - 1, 0)
        total += np.where(use, s_y, 0)
        n += np.where(use, n_y, 0)
        ss += np.where(use, dev2, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
        ratio = np.where(df > 0, d / np.maximum(df, 1), np.nan)
        variance = np.where(df > 0, ss / np.maximum(df, 1), np.nan)
    return {"d": d, "df": df, "months": n, "mean": mean, "ratio": ratio, "variance": variance}


def peer_ratio(w: dict, ok: np.ndarray, groups) -> np.ndarray:
    """The peers' typical variance-to-mean ratio at each row's mean (`w` from within_years): a
    robust fit of log ratio on log mean within the row's group (its kind, or an integer code
    for it), over the rows `ok` (enough support); all groups together where a group has fewer
    than MIN_PEERS; NaN where even that is too few. The log of an estimated ratio is biased low
    (E log χ²_df/df < 0, by about 1/df): the fit is put back on the ratio's own scale."""
    ratio, mean = w["ratio"], w["mean"]
    groups = np.asarray(groups)
    codes = groups if groups.dtype.kind in "iu" else np.unique(groups, return_inverse=True)[1]
    codes = codes.ravel()
    out = np.full(ratio.shape, np.nan)
    if not ok.any():
        return out
    x = np.log(mean[ok])
    y = np.log(np.maximum(ratio[ok], FLOOR))
    bias = _bias(w["df"][ok])
    peer_codes = codes[ok]
    pooled: list = []
    for g in np.unique(codes):
        mine = peer_codes == g
        fit = _fit(x[mine], y[mine], bias[mine])
        if fit is None:
            if not pooled:
                pooled.append(_fit(x, y, bias))
            fit = pooled[0]
        if fit is not None:
            rows = codes == g
            out[rows] = _at(fit, mean[rows])
    return out


_BIAS = np.log(np.arange(1, 200) / 2) - sps_special.digamma(np.arange(1, 200) / 2)


def _bias(df: np.ndarray) -> np.ndarray:
    """−E log(χ²_df / df) = log(df/2) − ψ(df/2), for whole df (looked up: df ≤ 199)."""
    return _BIAS[np.clip(df.astype(int), 1, 199) - 1]


def _fit(x: np.ndarray, y: np.ndarray, bias: np.ndarray):
    """The line of log ratio (y) on log mean (x), refitted once without the peers more than
    three spreads (MAD) off it; its ends (never extrapolated past the peers' sizes)."""
    if x.size < MIN_PEERS:
        return None
    slope, icpt = _line(x, y)
    r = y - (icpt + slope * x)
    centre = np.median(r)
    spread = 1.4826 * np.median(np.abs(r - centre))
    keep = np.abs(r - centre) <= 3 * max(spread, 0.05)
    if keep.sum() >= MIN_PEERS // 2 and not keep.all():
        x, y, bias = x[keep], y[keep], bias[keep]
        slope, icpt = _line(x, y)
    return slope, icpt + float(np.median(bias)), float(x.min()), float(x.max())


def _line(x, y) -> tuple[float, float]:
    if x.size < 3 or x.max() - x.min() < 0.2:  # one size only: the median, flat
        return 0.0, float(np.median(y))
    mx, my = x.sum() / x.size, y.sum() / y.size
    xc = x - mx
    slope = float((xc * (y - my)).sum() / (xc * xc).sum())
    return slope, my - slope * mx


def _at(fit, mean: np.ndarray) -> np.ndarray:
    slope, icpt, lo, hi = fit
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.clip(np.log(mean), lo, hi)  # never extrapolated past the peers' sizes
    return np.exp(icpt + slope * x)


def lower_tail(d: np.ndarray, df: np.ndarray, reference: np.ndarray, where=None) -> np.ndarray:
    """P(χ²_df ≤ D / reference): how seldom chance alone gives a series this smooth; 1 outside
    `where` (rows not worth the computation)."""
    out = np.ones(d.shape)
    rows = (df > 0) if where is None else (df > 0) & where
    if rows.any():
        # The χ² cdf, as the regularised lower incomplete gamma (scipy.stats' own, less overhead).
        out[rows] = sps_special.gammainc(df[rows] / 2, d[rows] / reference[rows] / 2)
    return out


def judge(w: dict, kinds, lines: dict, min_months: int) -> dict[str, np.ndarray]:
    """One series per row, from its within-year figures `w` (within_years): tested when it has
    the months, a mean large enough to vary and peers to compare with; p is how seldom chance
    gives so little spread against the smaller of Poisson and the peers' typical ratio, computed
    only where the ratio is far below that reference (NaN: not tested)."""
    ok = (w["months"] >= min_months) & (w["mean"] >= lines["min_mean"])
    peer = peer_ratio(w, ok, kinds)
    ok &= np.isfinite(peer)
    reference = np.minimum(1.0, peer)
    far = w["ratio"] <= lines["max_ratio"] * reference  # far less spread, or no finding
    p = lower_tail(w["d"], w["df"], reference, where=ok & far)
    return {"peer": peer, "reference": reference, "p": np.where(ok, p, np.nan)}


def best_span(spans: list[dict], names) -> dict[str, np.ndarray]:
    """Per cell, the figures of the span of months that says most (the smallest p), its p
    multiplied by the number of spans tested there (Bonferroni); NaN where none was tested."""
    p = np.stack([s["p"] for s in spans])
    m = np.isfinite(p).sum(axis=0)
    best = np.argmin(np.where(np.isfinite(p), p, np.inf), axis=0)
    out = {
        name: np.take_along_axis(np.stack([s[name] for s in spans]), best[None], 0)[0]
        for name in names
    }
    out["p"] = np.where(m > 0, np.minimum(1.0, out["p"] * np.maximum(m, 1)), np.nan)
    return out


def simes(p: np.ndarray) -> np.ndarray:
    """Simes' combination of each row's p-values (NaN: not tested), 1 for a row with none:
    min over k of m · p_(k) / k, m the row's tests. Valid for tests that move together."""
    p = np.where(np.isfinite(p), p, np.inf)
    m = np.isfinite(p).sum(axis=1)
    s = np.sort(p, axis=1)
    k = np.arange(1, p.shape[1] + 1)
    with np.errstate(invalid="ignore"):
        out = np.min(np.where(np.isfinite(s), s * m[:, None] / k, np.inf), axis=1)
    return np.where(m > 0, np.minimum(out, 1.0), 1.0)


def exact(key: str, value: float, unit: str = "ratio") -> dict:
    """A figure kept to three decimals (base.figure keeps one: a ratio of 0.017 is not 0)."""
    return {"key": key, "value": round(float(value), 3), "unit": unit}
