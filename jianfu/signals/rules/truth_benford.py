"""First digits against Benford's law (首位数字分布) — only where a series suits it.

Benford's law describes magnitudes that span several orders, come from many sources and have no
built-in minimum or maximum. What one village reports does not: 12 to 40 documents a month, a
1–5 score, a handful of meetings. So the check runs only on pooled series that can follow it:
- pooled over every sample point of a county and the last 36 months, per question, for the
  magnitudes that range widely between a street office and a small enterprise: documents
  received, statistical forms filled, trace demands (docs_total, forms_filled, trace_demands);
- and only when the pool has at least 500 positive values (first-digit MAD passes Nigrini's
  nonconformity line 33% of the time for perfectly Benford data at N = 300, 7% at 500), spans at
  least two orders of magnitude (the 99th percentile a hundred times the 1st), has its bulk spread
  wide enough (the robust standard deviation of log10 values, IQR/1.349, at least 0.5: log-normal
  data conform closely from there, and fail Nigrini's line at 0.3 — a county's points, from street
  office to small enterprise, typically spread 0.3–0.5, so most pools are not tested, which is the
  honest answer) and is skewed to the right (mean above median).
Never on: one point's series (too few values, one narrow range), hours (bounded by the week, given
to the half hour), the burden score (1–5), counts of meetings, inspections or apps (small, narrow),
parts against their whole (the same numbers twice). A pool that fails a condition is not tested;
with the demo city's four points per county none is, nor (too narrow) most of the province's.

The test: Nigrini's mean absolute deviation of the nine first-digit shares from Benford's
log10(1 + 1/d), his cut-offs (0.006 close, 0.012 acceptable, 0.015 marginal, above that
nonconformity), the MAD expected of genuine data of that size E(MAD) ≈ 1/√(21.27·N) and the Excess
MAD (MAD − E(MAD)), reported with N. A signal needs both: nonconformity by Nigrini's line, and a
MAD that Benford data of that size would seldom reach (multinomial draws), after
Benjamini–Hochberg over the pools tested in the run at a false-discovery rate (1%, a setting).
Research on fabricated data found Benford at best on a par with chance, so this is the weakest of
the checks: low severity, a prompt to look at the county's reports, never a verdict.
"""

import datetime as dt

import numpy as np
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef
from jianfu.monitoring import stats

from . import truth_common as tc
from .base import FIGURES, Finding, Rule, figure

MIN_N = "signals.truth.benford_min_n"
MIN_ORDERS = "signals.truth.benford_min_orders"
FDR = "signals.truth.benford_fdr_pct"

runtime.define(
    SettingDef(
        MIN_N,
        500,
        _("首位数字检验：最少数值个数"),
        _("县内全部样本点近 36 个月同一题的正数不少于此数才检验（少于 500 时误报太多）。"),
        "business",
        300,
        100000,
    ),
    SettingDef(
        MIN_ORDERS,
        2.0,
        _("首位数字检验：最少跨越的数量级"),
        _("数值的第 99 百分位数与第 1 百分位数之比至少为 10 的此次方才检验。"),
        "business",
        1.0,
        6.0,
    ),
    SettingDef(
        FDR,
        1.0,
        _("首位数字检验：错误发现率（%）"),
        _("多个县、多道题同时检验，按此错误发现率（Benjamini–Hochberg）校正后仍显著才预警。"),
        "business",
        0.01,
        10.0,
    ),
)
SETTINGS = (MIN_N, MIN_ORDERS, FDR)
FIELDS = ("docs_total", "forms_filled", "trace_demands")
# The spread of log10(values) (robust: IQR / 1.349) below which even genuine data miss Benford:
# log-normal data conform closely (MAD ≈ 0.0015) from 0.5 up, and fail Nigrini's nonconformity
# line at 0.3 (MAD ≈ 0.022). Computed here from 200,000 draws per spread.
MIN_LOG_SPREAD = 0.5

FIGURES.update(
    {
        "truth.benford_n": _("参与检验的数值（N）"),
        "truth.orders": _("跨越的数量级"),
        "truth.log_spread": _("对数离散程度（稳健标准差）"),
        "truth.mean": _("平均数"),
        "truth.median": _("中位数"),
        "truth.mad": _("首位数字平均绝对偏差（MAD）"),
        "truth.expected_mad": _("同样规模真实数据的期望 MAD"),
        "truth.excess_mad": _("超额 MAD"),
        "truth.benford_band": _("Nigrini 符合程度"),
        "truth.benford_p": _("符合本福特定律的数据偶然达到此偏差的概率"),
        "truth.pools_tested": _("同时检验的数据组"),
    }
)
FIGURES.update(
    {
        f"truth.first.{d}": format_lazy(_("首位为 {d} 的比例（实际 / 本福特）"), d=d)
        for d in range(1, 10)
    }
)
BANDS = {
    "close": _("高度符合"),
    "acceptable": _("可接受"),
    "marginal": _("勉强符合"),
    "nonconformity": _("不符合"),
}


def suits(values, min_n: int, min_orders: float) -> tuple[bool, dict]:
    """Whether a pooled series suits Benford, and the facts that decided it."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    logs = np.log10(v) if v.size else v
    spread = float(np.subtract(*np.quantile(logs, [0.75, 0.25])) / 1.349) if v.size > 1 else 0.0
    facts = {
        "n": int(v.size),
        "orders": stats.orders_of_magnitude(v),
        "log_spread": spread,
        "mean": float(v.mean()) if v.size else None,
        "median": float(np.median(v)) if v.size else None,
    }
    ok = (
        facts["n"] >= min_n
        and facts["orders"] >= min_orders
        and spread >= MIN_LOG_SPREAD
        and facts["mean"] is not None
        and facts["mean"] > facts["median"]
    )
    return ok, facts


def evaluate(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    if tc.nothing_asked(unit_ids, counties=True):
        return []
    data = tc.load(as_of, settings)
    if data is None:
        return []
    min_n, min_orders = int(settings[MIN_N]), float(settings[MIN_ORDERS])
    fdr = float(settings[FDR]) / 100
    pools = []
    for county in sorted(set(int(c) for c in data.county_ids)):
        members = data.county_ids == county
        for key in FIELDS:
            if key not in data.keys:
                continue
            values = data.values[members, :, data.col(key)].ravel()
            ok, facts = suits(values, min_n, min_orders)
            if not ok:
                continue
            result = stats.benford(values)
            result["p"] = stats.benford_mad_p(result["mad"], result["n"], seed=county)
            pools.append((county, key, facts, result, int(members.sum())))
    if not pools:
        return []
    q = stats.benjamini_hochberg([r["p"] for _, _, _, r, _ in pools])
    ask = tc.wanted(unit_ids)
    findings = []
    for (county, key, facts, r, points), qv in zip(pools, q, strict=True):
        if r["band"] != "nonconformity" or qv > fdr or not ask(county):
            continue
        findings.append(_finding(data, county, key, facts, r, float(qv), len(pools), points))
    return findings


def _finding(data, county, key, facts, r, qv, tested, points) -> Finding:
    figures = [
        figure("truth.benford_n", r["n"], "n"),
        figure("truth.orders", round(facts["orders"], 2), "ratio"),
        figure("truth.log_spread", round(facts["log_spread"], 2), "ratio"),
        figure("truth.mean", round(facts["mean"], 1), "n"),
        figure("truth.median", tc.plain(facts["median"]), "n"),
        figure("truth.mad", round(r["mad"], 4), "sci"),
        figure("truth.expected_mad", round(r["expected_mad"], 4), "sci"),
        figure("truth.excess_mad", round(r["excess_mad"], 4), "sci"),
        figure("truth.benford_band", str(BANDS[r["band"]]), "sci"),
        figure("truth.benford_p", tc.sci(r["p"]), "sci"),
        figure("truth.q", tc.sci(qv), "sci"),
        figure("truth.pools_tested", tested, "n"),
    ]
    for d in range(1, 10):
        figures.append(
            figure(
                f"truth.first.{d}",
                f"{r['observed'][d - 1] * 100:.1f}% / {r['expected'][d - 1] * 100:.1f}%",
                "sci",
            )
        )
    return Finding(
        unit_id=county,
        period=tc.year_of(data.as_of),
        subject=key,
        severity=1,
        conditions=("nonconformity",),
        evidence={
            "conditions": ["nonconformity"],
            "as_of": data.as_of.isoformat(),
            "compared": tc.history_range(data.months),
            "question": key,
            "points": points,
            "benford": {**{k: v for k, v in r.items()}, "q": qv, **facts},
            "figures": figures,
        },
    )


def headline(subject: str, evidence: dict) -> str:
    b = evidence.get("benford", {})
    return gettext(
        "全县样本点“%(q)s”首位数字与本福特定律不符：MAD %(mad)s（期望 %(e)s，N = %(n)s）"
    ) % {
        "q": tc.label(subject),
        "mad": round(b.get("mad") or 0, 4),
        "e": round(b.get("expected_mad") or 0, 4),
        "n": b.get("n"),
    }


RULE = Rule(
    code="truth_benford",
    label=_("首位数字分布（本福特定律）"),
    sentence=_(
        "县内全部样本点近 36 个月的收文总数、填报报表数、留痕要求数，各自不少于 "
        "%(benford_min_n)s 个正数、跨越至少 %(benford_min_orders)s 个数量级且右偏时，"
        "检验首位数字：平均绝对偏差超过 Nigrini 的不符合线（0.015），且经多组同时检验的校正"
        "（错误发现率 %(benford_fdr_pct)s%%）后仍显著，即提示核实。"
    ),
    evaluate=evaluate,
    settings=SETTINGS,
    subjects={k: tc.SHORT[k] for k in FIELDS},
    headline=headline,
    periods=lambda as_of: [tc.year_of(as_of)],
    group="truth",
)
