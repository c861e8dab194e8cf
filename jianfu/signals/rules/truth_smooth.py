"""Numbers too smooth (数据过于平稳): a sample point whose monthly counts vary far less than
counts of their size can — nearly the same burden every month (20, 21, 20, 19, 20 …).

A reporter who writes what "sounds right" instead of counting gives a regular series; real
counts are at least as variable as Poisson (variance = mean) and usually more. Copies (the same
report again, another point's report) are truth_copies' business: a month whose every answer
equals the month before is left out here, so a copied month is not counted twice.

Per point and count question (not hours, the score, or the number of apps, which is a stock
that changes seldom by nature), over two spans — the months read (up to 36,
rules/truth_common.py), each calendar year about its own mean, and the last twelve about their
one mean (a point that began to write its numbers this year; the twelve straddle a new year, so
they are not split by it); the smaller p of the two, doubled:
- support: at least 12 months reported (a setting) and a mean of at least 3 a month (a setting;
  counts of 0–1 are low-variance by nature);
- the dispersion index about each calendar year's mean, its lower χ² tail against the smaller
  of Poisson and the typical ratio of points of the same kind at the same size, and a floor on
  the effect: the ratio at most a share of that reference (a setting) — rules/dispersion.py;
- the point's questions combined (Simes), Benjamini–Hochberg across the points tested in the run
  at a false-discovery rate (a setting).
One signal per point, for the year of the last closed month. Severity from the effect and the
evidence: low; one step up when the ratio is under half the floor, another when the corrected
p-value is a hundred times below the rate.
"""

import datetime as dt

import numpy as np
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import periods as period_keys
from jianfu.core import runtime
from jianfu.core.runtime import SettingDef
from jianfu.monitoring import stats

from . import dispersion
from . import truth_common as tc
from .base import FIGURES, Finding, Rule, chance, figure
from .dispersion import exact

FDR = "signals.truth.smooth_fdr_pct"
MIN_MONTHS = "signals.truth.smooth_min_months"
MIN_MEAN = "signals.truth.smooth_min_mean"
MAX_RATIO = "signals.truth.smooth_max_ratio_pct"

runtime.define(
    SettingDef(
        FDR,
        1.0,
        _("数据过于平稳：错误发现率（%）"),
        _(
            "按此错误发现率（Benjamini–Hochberg）校正多个样本点同时检验后，"
            "月度数字的波动仍显著小于偶然应有的，才预警。"
        ),
        "business",
        0.01,
        10.0,
    ),
    SettingDef(
        MIN_MONTHS,
        12,
        _("数据过于平稳：最少填报月数"),
        _("样本点至少填报此数个月才检验波动。"),
        "business",
        6,
        36,
    ),
    SettingDef(
        MIN_MEAN,
        3.0,
        _("数据过于平稳：月均数最小值"),
        _("一题的月均数不小于此数才检验（0、1 这样的小数字本来就波动很小）。"),
        "business",
        1.0,
        100.0,
    ),
    SettingDef(
        MAX_RATIO,
        50,
        _("数据过于平稳：方差与均值之比上限（占参照的 %）"),
        _(
            "一题月度数字的方差与均值之比，不超过参照（泊松分布为 1，同类样本点更平稳时取其典型值）"
            "的此比例，才算“波动过小”。"
        ),
        "business",
        1,
        100,
    ),
)
SETTINGS = (FDR, MIN_MONTHS, MIN_MEAN, MAX_RATIO)

METRICS = {
    "mean": _("月均数"),
    "variance": _("方差（扣除年度差异）"),
    "dispersion": _("方差与均值之比"),
    "peer_dispersion": _("同类样本点的方差与均值之比（同等规模，典型值）"),
    "smooth_p": _("波动这么小的偶然概率"),
}
FIGURES.update(
    {
        f"{key}:{metric}": format_lazy(_("{}：{}"), short, label)
        for key, short in tc.SHORT.items()
        for metric, label in METRICS.items()
    }
)
FIGURES.update(
    {
        "truth.smooth_months": _("参与检验的月份"),
        "truth.smooth_q": _("多重检验校正后的 p 值"),
        "truth.smooth_points_tested": _("同时检验的样本点数"),
    }
)

SKIP = {"app_checkins"}  # a stock (apps to check into), the same month after month by nature
SHOWN = 3  # questions shown in the evidence
COPY_MIN = 3  # answers a repeated month must have to be taken for a copy


def tested_keys(data: tc.Data) -> list[str]:
    return [k for k in data.keys if data.types[k] == "int" and k not in SKIP]


def settings_of(settings: dict) -> dict:
    return {
        "fdr": float(settings[FDR]) / 100,
        "min_months": int(settings[MIN_MONTHS]),
        "min_mean": float(settings[MIN_MEAN]),
        "max_ratio": float(settings[MAX_RATIO]) / 100,
    }


def evaluate(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    if tc.nothing_asked(unit_ids):
        return []
    data = tc.load(as_of, settings)
    if data is None:
        return []
    lines = settings_of(settings)
    keys = tested_keys(data)
    if not keys:
        return []
    t = test(data, keys, lines)
    tested = np.flatnonzero(t["tested"])
    if not tested.size:
        return []
    q = np.ones(len(data.point_ids))
    q[tested] = stats.benjamini_hochberg(t["p_point"][tested])
    ask = tc.wanted(unit_ids)
    findings = []
    for p in tested:
        if q[p] <= lines["fdr"] and ask(data.unit_ids[p]):
            findings.append(_finding(data, p, keys, t, float(q[p]), int(tested.size), lines))
    return findings


def independent_months(data: tc.Data, cols: list[int]) -> np.ndarray:
    """(points, months, the questions `cols`) with a month left out (NaN) whose every answer
    repeats the month before: a copied report is one report, and truth_copies' to find. (At
    least three answers: one or two numbers repeated are no copy.)"""
    v = data.values[:, :, cols]  # a copy (fancy indexing)
    a, b = data.values[:, 1:], data.values[:, :-1]
    same = np.all((a == b) | (np.isnan(a) & np.isnan(b)), axis=2)
    copied = same & data.present[:, 1:] & data.present[:, :-1]
    copied &= np.isfinite(a).sum(axis=2) >= COPY_MIN
    v[:, 1:][copied] = np.nan
    return v


NAMES = ("mean", "variance", "ratio", "peer", "reference", "p", "months")


def test(data: tc.Data, keys: list[str], lines: dict) -> dict:
    """Per point and question: the dispersion figures, the peers' reference, the p-value, over
    the span that says most (Bonferroni over the two); per point: the combined p-value and
    whether it was tested."""
    values = independent_months(data, [data.col(k) for k in keys])
    years = np.array([period_keys.parse(m)[1] for m in data.months])
    kinds = np.unique(np.asarray(data.kinds), return_inverse=True)[1].ravel()
    recent = np.zeros(len(data.months), dtype=bool)
    recent[list(data.window_t())] = True
    spans = [
        _span(values, years, kinds, lines, lines["min_months"]),
        # The last twelve about one mean: they straddle a new year (December and the eleven
        # months after it), and split by calendar year the December alone has no spread, so
        # the span held 11 months and never reached the 12 it needs.
        _span(
            values[:, recent],
            np.zeros(int(recent.sum()), dtype=int),
            kinds,
            lines,
            min(lines["min_months"], 12),
        ),
    ]
    out = dispersion.best_span(spans, NAMES)  # (P, K) each
    out["tested"] = np.isfinite(out["p"]).any(axis=1)
    out["p_point"] = dispersion.simes(out["p"])
    return out


def _span(values, years, kinds, lines, min_months) -> dict:
    """The test over one span of months: the whole history read (up to 36 months), or the last
    twelve (a point that began to write its numbers this year)."""
    n_k = values.shape[2]
    every = dispersion.within_years(values, years)  # (P, K) each
    out = {name: np.full(every["d"].shape, np.nan) for name in NAMES}
    for j in range(n_k):
        w = {k: v[:, j] for k, v in every.items()}
        judged = {**w, **dispersion.judge(w, kinds, lines, min_months)}
        for name in NAMES:
            out[name][:, j] = judged[name]
    return out


def _finding(data, p, keys, t, qv, tested, lines) -> Finding:
    order = [j for j in np.argsort(np.nan_to_num(t["p"][p], nan=2.0)) if np.isfinite(t["p"][p, j])]
    shown = [j for j in order if t["p"][p, j] < 1.0][:SHOWN] or order[:1]
    questions = []
    figures = []
    for j in shown:
        key = keys[j]
        q = {
            "key": key,
            "months": int(t["months"][p, j]),
            "mean": round(float(t["mean"][p, j]), 2),
            "variance": round(float(t["variance"][p, j]), 2),
            "dispersion": round(float(t["ratio"][p, j]), 3),
            "peer_dispersion": round(float(t["peer"][p, j]), 3),
            "reference": round(float(t["reference"][p, j]), 3),
            "p": float(t["p"][p, j]),
        }
        questions.append(q)
        figures += [
            figure(f"{key}:mean", q["mean"], "ratio"),
            figure(f"{key}:variance", q["variance"], "ratio"),
            exact(f"{key}:dispersion", q["dispersion"], "ratio"),
            exact(f"{key}:peer_dispersion", q["peer_dispersion"], "ratio"),
            figure(f"{key}:smooth_p", tc.sci(q["p"]), "sci"),
        ]
    best = questions[0]
    pv = float(t["p_point"][p])
    used = [m for m, present in zip(data.months, data.present[p], strict=True) if present]
    figures += [
        figure("truth.smooth_months", len(used), "n"),
        figure("truth.smooth_q", tc.sci(qv), "sci"),
        figure("truth.smooth_points_tested", tested, "n"),
    ]
    strong_effect = best["dispersion"] <= lines["max_ratio"] * best["reference"] / 2
    strong_evidence = qv <= lines["fdr"] / 100
    return Finding(
        unit_id=int(data.unit_ids[p]),
        period=tc.year_of(data.as_of),
        subject="",
        severity=1 + int(strong_effect) + int(strong_evidence),
        conditions=("smooth",),
        evidence={
            "conditions": ["smooth"],
            "as_of": data.as_of.isoformat(),
            "compared": tc.history_range(used),
            "point": int(data.point_ids[p]),
            "reports": [int(x) for x in data.report_ids[p][data.present[p]]],
            "smooth": {"questions": questions, "p_point": pv, "q": qv},
            "against_chance": chance(
                "dispersion_low",
                best["dispersion"],
                best["reference"],
                pv,
                tested=tested,
                q=qv,
                unit="ratio",
                support=best["months"],
            ),
            "figures": figures,
            "series": [tc.point_series(data, p, q["key"]) for q in questions[:2]],
        },
    )


def headline(subject: str, evidence: dict) -> str:
    qs = evidence.get("smooth", {}).get("questions") or [{}]
    q = qs[0]
    return gettext(
        "“%(what)s”月均 %(mean)s，方差仅 %(var)s（方差与均值之比 %(ratio)s，"
        "同类样本点约 %(peer)s），校正后 p = %(q)s"
    ) % {
        "what": tc.label(q.get("key", "")),
        "mean": q.get("mean"),
        "var": q.get("variance"),
        "ratio": q.get("dispersion"),
        "peer": q.get("peer_dispersion"),
        "q": tc.sci(evidence.get("smooth", {}).get("q")),
    }


RULE = Rule(
    code="truth_smooth",
    label=_("数据过于平稳"),
    sentence=_(
        "样本点近 36 个月（另单看近 12 个月）至少 %(smooth_min_months)s 个月填报、"
        "月均至少 %(smooth_min_mean)s 的计数题，"
        "月度数字的方差与均值之比不超过参照（泊松分布的 1，同类样本点更平稳时取其典型值）的 "
        "%(smooth_max_ratio_pct)s%%，且卡方检验显示偶然难以这么平稳，经多个样本点同时检验的校正"
        "（错误发现率 %(smooth_fdr_pct)s%%）后仍显著，即预警。"
    ),
    evaluate=evaluate,
    settings=SETTINGS,
    headline=headline,
    periods=lambda as_of: [tc.year_of(as_of)],
    group="truth",
)
