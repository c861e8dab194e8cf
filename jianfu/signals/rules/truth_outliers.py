"""Outliers in sample-point reports (填报数据异常): a month's answer far from what the point itself
usually reports, far from how its peers moved that month, and beyond what chance does to counts.

Against its own history: the modified z-score (Iglewicz & Hoaglin; DHIS2's and the WHO tool's
method) of the month's answer against the point's trailing baseline — up to 24 months before it,
computed only when at least 10 of them were reported (a setting). M = 0.6745·(x − median)/MAD;
when the MAD is 0 the MeanAD fallback 0.7979·(x − median)/MeanAD; a baseline without any spread
judges nothing. Counts vary at least as chance makes them vary, so the spread used is never below
√median (stats.modified_z, counts=True). |M| above the review line (3.5) is worth a look, above
the severe line (5) it is severe. The evidence shows the band median ± line·spread (the bounds
DHIS2 shows) and the lowest and highest the point reported in the baseline.

Against its peers: how far the month moved from the point's own median (log of the ratio, so a
big street office and a small enterprise compare), set against the same ratio of the points of
its kind in the same month — in its county when there are enough of them, else in its city, else
everywhere. A county-wide campaign month, the year-end rush or the Spring Festival lull moves all
of them together and is no outlier; a point that alone jumps is. Comparing levels instead would
flag every big point every month.

Beyond chance: small counts jump by themselves (a village with one inspection a month has six in
some month about once in 300 months), and a point's counts vary more than Poisson (busy and quiet
months: on the planted-city bench the points' counts are negative binomial, shape 3–10). The
count must be one that chance gives seldom under the point's own dispersion (chance_p): a
negative binomial around the point's mean for the baseline moved as its peers moved that month,
its dispersion α (variance μ + αμ²) the baseline's own (without its months more than five
robust spreads off its median: an earlier outlier is not the point's usual spread), shrunk
toward the question's typical α as if a year of months of a typical point were added (an
estimate from 10–24 months alone is unsure, and one too low makes ordinary months look
unlikely); two-sided. And every judgement of
the window (2,000 points × 12 months × 12 answers is 288,000 at province size) is one family:
Benjamini–Hochberg at a false-discovery rate (a setting, 1%). Measured on the planted-city bench
(8 city and 2 province seeds): the former Poisson line at 0.01% per answer flagged 188 of 3,984
clean points in a year (4.7%), most of them ordinary busy months of overdispersed points, and
missed planted months whose peers' z fell short of the line (14 of 24 strong found); with the
point's dispersion and the correction, 20 of 3,984 clean points (0.5%) and 18 of 24 strong.
The moderate planted month (statistical forms at three times the median) is within what an
overdispersed point does by chance once in a few thousand months: at 288,000 judgements a
year no honest test finds it.

An answer is an outlier when all three say so: history past the review line, the peers' z in the
same direction and past half of it (the level the chance test uses already moved as the peers
did, so a month the whole county moved is not unlikely), and chance; with too few peers, history
and chance. One signal per point and month lists every such answer. Severity:
low past the review line, medium past the severe line on both. Questions tested: the counts (not
hours, which follow the meetings and are checked for consistency, not the 1–5 score, and not the
number of apps, which moves in steps of one and is a step change, not an outlier, when it does).
"""

import datetime as dt
import warnings

import numpy as np
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from scipy import special as sps_special

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef
from jianfu.monitoring import stats

from . import truth_common as tc
from .base import Finding, Rule, figure

REVIEW = "signals.truth.outlier_review_z"
SEVERE = "signals.truth.outlier_severe_z"
MIN_PRESENT = "signals.truth.outlier_min_baseline"
MIN_PEERS = "signals.truth.outlier_min_peers"
CHANCE = "signals.truth.outlier_fdr_pct"  # was outlier_chance_pct, a per-answer line

runtime.define(
    SettingDef(
        REVIEW,
        3.5,
        _("填报异常值：需核实的修正 z 值"),
        _(
            "某月填报与本样本点历史（最近 24 个月）的修正 z 值（中位数与绝对中位差）"
            "绝对值超过此数，且与同类样本点当月的变化相比也超过此数，即预警核实。"
        ),
        "business",
        2.0,
        20.0,
    ),
    SettingDef(
        SEVERE,
        5.0,
        _("填报异常值：严重异常的修正 z 值"),
        _("两项修正 z 值绝对值都超过此数为严重异常（中度预警）。"),
        "business",
        2.0,
        50.0,
    ),
    SettingDef(
        MIN_PRESENT,
        10,
        _("填报异常值：历史基线最少月份"),
        _("最近 24 个月中至少有此数个月的填报，才与本样本点历史比较。"),
        "business",
        6,
        24,
    ),
    SettingDef(
        MIN_PEERS,
        5,
        _("填报异常值：同类比较最少样本点数"),
        _("同县同类样本点达到此数在县内比较，否则在全市同类中比较；仍不足则只与本点历史比较。"),
        "business",
        3,
        100,
    ),
    SettingDef(
        CHANCE,
        1.0,
        _("填报异常值：错误发现率（%）"),
        _(
            "小数字的偶然起伏很大（平时 1 次督查，某月 6 次并不稀奇），样本点自身的数字也比泊松"
            "分布起伏更大：按本点平常水平（及同类样本点当月的变化）和本点自身的波动（负二项分布）"
            "估计偶然出现这样的数值的概率，经所有样本点、月份和题目同时检验的校正"
            "（Benjamini–Hochberg）后仍低于此错误发现率，才算异常。"
        ),
        "business",
        0.0001,
        5.0,
    ),
)
SETTINGS = (REVIEW, SEVERE, MIN_PRESENT, MIN_PEERS, CHANCE)
SKIP = {"app_checkins"}
SHOWN = 3  # answers detailed in the evidence (the strongest first; all are in conditions)


def tested_keys(data: tc.Data) -> list[str]:
    return [k for k in data.keys if data.types[k] == "int" and k not in SKIP]


def evaluate(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    if tc.nothing_asked(unit_ids):
        return []
    data = tc.load(as_of, settings)
    if data is None:
        return []
    review, severe = float(settings[REVIEW]), float(settings[SEVERE])
    min_present, min_peers = int(settings[MIN_PRESENT]), int(settings[MIN_PEERS])
    fdr = float(settings[CHANCE]) / 100
    keys = tested_keys(data)
    cols = [data.col(k) for k in keys]
    ask = tc.wanted(unit_ids)
    groups = _peer_groups(data, min_peers)
    # First pass: every judgement of the window (point × month × question with a baseline) and
    # its chance under the point's own dispersion; the false-discovery correction runs over all
    # of them together, then the history and peer lines say which are worth a signal.
    months = []
    for t in data.window_t():
        x = data.values[:, t, cols]  # (P, K)
        base = data.values[:, max(0, t - tc.BASELINE) : t, :][:, :, cols]  # (P, B, K)
        enough = (~np.isnan(base)).sum(axis=1) >= min_present
        z, median, mad, meanad, _method = stats.modified_z(x, base, axis=1, counts=True)
        z = np.where(enough, z, np.nan)
        low, high = stats.bounds(median, mad, meanad, review, counts=True)
        peer_z, ratio, peer_ratio = _peer_z(x, median, enough, groups)
        hist_out = np.abs(z) > review
        # The peers: the month's move is the point's alone (same direction, and past the line
        # when PEER_LINE is set to it; the chance test already moves the level as the peers did).
        peer_ok = np.isnan(peer_z) | (
            (np.abs(peer_z) > PEER_LINE * review) & (np.sign(peer_z) == np.sign(z))
        )
        candidate = hist_out & peer_ok & ~np.isnan(x)
        # Only the candidates' chance is computed; the others count in the correction with p = 1
        # (raising p-values only makes BH keep fewer: the rate still holds).
        p_chance = chance_p(x, base, peer_ratio, median, mad, where=candidate)
        tested = enough & ~np.isnan(x)
        months.append((t, x, base, z, median, low, high, peer_z, ratio, peer_ratio, candidate))
        months[-1] = (*months[-1], p_chance, tested)
    all_p = np.concatenate([m[-2][m[-1]] for m in months]) if months else np.array([])
    q_line = _bh_line(all_p, fdr)
    findings = []
    for t, x, base, z, median, low, high, peer_z, ratio, peer_ratio, cand, p_ch, tested in months:
        flagged = cand & tested & (p_ch <= q_line)
        for p in np.flatnonzero(flagged.any(axis=1)):
            if not ask(data.unit_ids[p]):
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                lo_hist = np.nanmin(base[p], axis=0)
                hi_hist = np.nanmax(base[p], axis=0)
            rows = []
            for j in np.flatnonzero(flagged[p]):
                strength = (
                    np.abs(z[p, j])
                    if np.isnan(peer_z[p, j])
                    else min(abs(z[p, j]), abs(peer_z[p, j]))
                )
                rows.append((float(strength), j))
            rows.sort(reverse=True)
            findings.append(
                _finding(
                    data,
                    p,
                    t,
                    keys,
                    rows,
                    severe,
                    x=x,
                    z=z,
                    median=median,
                    low=low,
                    high=high,
                    lo_hist=lo_hist,
                    hi_hist=hi_hist,
                    peer_z=peer_z,
                    ratio=ratio,
                    peer_ratio=peer_ratio,
                )
            )
    return findings


PEER_LINE = 0.5  # share of the review line the peers' z must pass
TRIM = 5.0  # robust spreads beyond which a baseline month is not one of the usual ones
PRIOR_DF = 12  # a point's dispersion shrunk toward its question's typical one, as if by a year


def chance_p(x, base, peer_ratio, median=None, mad=None, where=None) -> np.ndarray:
    """(P, K): the two-sided chance of a count at least as far from the point's usual level as
    x, on its side, under a negative binomial with the point's own dispersion.

    The level: the baseline's mean, moved as the point's peers moved that month (the season, a
    county-wide campaign). The dispersion α (variance = μ + α μ²): the baseline's excess of
    variance over its mean, over the mean squared (method of moments), shrunk toward the
    question's median α over the points as if PRIOR_DF months of a typical point were added to
    the point's own (a point's 10–24 months alone are an unsure estimate, and an estimate too low
    would make every ordinary month look unlikely); never below Poisson (α ≥ 0)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        # The usual months: the baseline without its own far months (an earlier outlier, a
        # campaign month) more than TRIM robust spreads from its median — one of them would
        # make the point's spread, and every later month's chance, look large.
        if median is None:  # (the rule passes the baseline's, computed for the z-score)
            median = np.nanmedian(base, axis=1)
            mad = np.nanmedian(np.abs(base - median[:, None]), axis=1)
        med, mad = median[:, None], mad[:, None]
        spread = np.maximum(np.maximum(1.4826 * mad, np.sqrt(np.maximum(med, 0))), 1.0)
        base = np.where(np.abs(base - med) > TRIM * spread, np.nan, base)
        n = (~np.isnan(base)).sum(axis=1)
        level = np.nanmean(base, axis=1)
        var = np.nanvar(base, axis=1, ddof=1)
        own = np.where(level > 0, (var - level) / np.maximum(level, 1e-9) ** 2, np.nan)
        own = np.clip(own, 0.0, None)
        pooled = np.nanmedian(np.where(n >= 6, own, np.nan), axis=0)  # (K,)
    pooled = np.where(np.isfinite(pooled), pooled, 0.0)
    df = np.maximum(n - 1, 0)
    alpha = np.where(
        np.isfinite(own), (df * np.nan_to_num(own) + PRIOR_DF * pooled) / (df + PRIOR_DF), pooled
    )
    shift = np.where(np.isnan(peer_ratio), 1.0, np.exp(np.nan_to_num(peer_ratio)))
    mu = np.maximum(0.1, (np.nan_to_num(level) + 1) * shift - 1)
    if where is None:
        return nb_two_sided(np.nan_to_num(x), mu, alpha)
    out = np.ones(x.shape)
    out[where] = nb_two_sided(np.nan_to_num(x[where]), mu[where], alpha[where])
    return out


def nb_two_sided(x: np.ndarray, mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """2 × P(X ≥ x) above the mean, 2 × P(X ≤ x) below it (at most 1), X negative binomial with
    mean mu and variance mu + alpha·mu² (alpha ≥ 1e-4: Poisson in the limit)."""
    k = np.round(x)
    a = np.maximum(alpha, 1e-4)
    r = 1 / a
    prob = r / (r + mu)  # scipy's success probability
    above = k >= mu
    # P(X ≤ k) = I_prob(r, k + 1); P(X ≥ k) = 1 − P(X ≤ k − 1) = I_{1−prob}(k, r)
    upper = np.where(k > 0, sps_special.betainc(np.maximum(k, 1), r, 1 - prob), 1.0)
    lower = sps_special.betainc(r, np.maximum(k, 0) + 1, prob)
    return np.minimum(1.0, 2 * np.where(above, upper, lower))


def _bh_line(p: np.ndarray, rate: float) -> float:
    """The largest p-value Benjamini–Hochberg keeps at `rate` among `p` (−1: none)."""
    if not p.size:
        return -1.0
    s = np.sort(p)
    ok = s <= rate * np.arange(1, s.size + 1) / s.size
    return float(s[np.flatnonzero(ok)[-1]]) if ok.any() else -1.0


def _peer_groups(data: tc.Data, min_peers: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The peer groups (same kind in the point's county when there are enough, else in its city,
    else everywhere) as a padded matrix of point indices (−1 pads), and for each point its group
    and its place in it."""
    kinds = np.array(data.kinds)
    groups: dict[tuple, np.ndarray] = {}
    chosen = []
    for p in range(len(kinds)):
        for level, ids in (("county", data.county_ids), ("region", data.region_ids), ("all", None)):
            key = (level, kinds[p], None if ids is None else int(ids[p]))
            if key not in groups:
                mask = kinds == kinds[p]
                if ids is not None:
                    mask &= ids == ids[p]
                groups[key] = np.flatnonzero(mask)
            if len(groups[key]) >= min_peers or level == "all":
                chosen.append(key)
                break
    used = list(dict.fromkeys(chosen))
    index = {key: g for g, key in enumerate(used)}
    width = max(len(groups[key]) for key in used)
    members = np.full((len(used), width), -1)
    for g, key in enumerate(used):
        members[g, : len(groups[key])] = groups[key]
    group_of = np.array([index[key] for key in chosen])
    place = np.array([int(np.searchsorted(groups[key], p)) for p, key in enumerate(chosen)])
    return members, group_of, place


def _peer_z(x, median, enough, groups):
    """Modified z of each point's log ratio to its own median among its peers' (same month), all
    groups at once."""
    members, group_of, place = groups
    with np.errstate(all="ignore"):
        ratio = np.log1p(x) - np.log1p(median)
    ratio = np.where(enough, ratio, np.nan)
    block = np.where((members >= 0)[..., None], ratio[np.maximum(members, 0)], np.nan)
    z, med = stats.modified_z_within(block, axis=1)  # (G, S, K), (G, K)
    counts = (~np.isnan(block)).sum(axis=1)  # (G, K)
    ok = counts[group_of] >= 3
    peer_z = np.where(ok, z[group_of, place], np.nan)
    peer_ratio = np.where(ok, med[group_of], np.nan)
    return peer_z, ratio, peer_ratio


def _finding(data, p, t, keys, rows, severe, **a) -> Finding:
    figures = []
    severity = 1
    for strength, j in rows[:SHOWN]:
        key = keys[j]
        unit = "h" if data.types[key] == "hours" else "n"
        figures += [
            figure(f"{key}:value", tc.plain(a["x"][p, j]), unit),
            figure(f"{key}:median", tc.plain(a["median"][p, j]), unit),
            figure(f"{key}:low", tc.plain(max(0.0, a["low"][p, j])), unit),
            figure(f"{key}:high", tc.plain(a["high"][p, j]), unit),
            figure(f"{key}:min", tc.plain(a["lo_hist"][j]), unit),
            figure(f"{key}:max", tc.plain(a["hi_hist"][j]), unit),
            figure(f"{key}:z", round(float(a["z"][p, j]), 2), "ratio"),
        ]
        if not np.isnan(a["peer_z"][p, j]):
            figures += [
                figure(f"{key}:peer_ratio", round(float(np.exp(a["ratio"][p, j])), 2), "ratio"),
                figure(
                    f"{key}:peer_median_ratio",
                    round(float(np.exp(a["peer_ratio"][p, j])), 2),
                    "ratio",
                ),
                figure(f"{key}:peer_z", round(float(a["peer_z"][p, j]), 2), "ratio"),
            ]
        if strength > severe:
            severity = 2
    month = data.months[t]
    first = keys[rows[0][1]]
    return Finding(
        unit_id=int(data.unit_ids[p]),
        period=month,
        subject="",
        severity=severity,
        conditions=tuple(keys[j] for _, j in rows),
        evidence={
            "conditions": [keys[j] for _, j in rows],
            "as_of": data.as_of.isoformat(),
            "compared": f"{data.months[max(0, t - tc.BASELINE)]}..{data.months[t - 1]}",
            "report": int(data.report_ids[p, t]),
            "reports": [int(data.report_ids[p, t])],
            "point": int(data.point_ids[p]),
            "figures": figures,
            "series": [tc.point_series(data, p, keys[j]) for _, j in rows[:2]],
            "first": first,
        },
    )


def headline(subject: str, evidence: dict) -> str:
    v = {f["key"]: f["value"] for f in evidence.get("figures", [])}
    first = evidence.get("first", "")
    n = len(evidence.get("conditions", []))
    text = gettext("%(q)s 填报 %(x)s，历史中位数 %(m)s，修正 z 值 %(z)s") % {
        "q": tc.label(first),
        "x": v.get(f"{first}:value"),
        "m": v.get(f"{first}:median"),
        "z": v.get(f"{first}:z"),
    }
    if n > 1:
        text += gettext("；共 %(n)s 项异常") % {"n": n}
    return text


RULE = Rule(
    code="truth_outliers",
    label=_("填报数据异常"),
    sentence=_(
        "样本点某月填报与本点最近 24 个月（至少 %(outlier_min_baseline)s 个月）的修正 z 值"
        "绝对值超过 %(outlier_review_z)s，且与同类样本点（同县不少于 %(outlier_min_peers)s 个，"
        "否则全市）当月的变化相比方向相同且超过其一半，"
        "且按本点自身的波动（负二项分布）偶然出现的概率经多重检验校正后仍显著"
        "（错误发现率 %(outlier_fdr_pct)s%%）；"
        "两项都超过 %(outlier_severe_z)s 为严重。"
    ),
    evaluate=evaluate,
    settings=SETTINGS,
    headline=headline,
    periods=tc.window,
    group="truth",
    ongoing=True,
)
