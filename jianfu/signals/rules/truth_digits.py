"""Digit preference and heaping (数字偏好、逢五逢十) in one point's reports over its history.

A reporter who estimates instead of counting writes 20, 25, 30. Judged with a proper test and
enough data, never by a raw share:
- over the point's last 36 months, the counts that have at least two significant digits (10 and
  above) of every count question (not hours, which are given to the half hour by design, nor the
  1–5 score, nor the number of apps, the same few month after month); at least 50 of them (five
  expected per digit), or the point is not tested at all;
- each independent value once per report: a part equal to its whole (all 12 documents of the
  month came from the county: docs_county = docs_total = 12) is one number written twice, not
  two estimates — counted twice, one heaped total would weigh double and an honest point whose
  documents all come from one level would double its digits. The part is left out where it
  equals its whole, by the report's own form version (part_of);
- χ² (df 9) of their last digits against the digits the point's own values imply once smoothed.
  Not against uniform: honest counts in the tens crowd at their low end (a village fills in 12
  forms a month more often than 19), so their last digits lean to 0, 1, 2 — against uniform, a
  quarter of the clean demo points "fail". The smoothing (a Gaussian kernel, bandwidth at least
  2.5) flattens heaps at 0 and 5 and keeps the slope (monitoring.stats.smoothed_digit_shares);
- the 0/5 heaping index, Whipple-style: 500 × the share of values ≥ 8 ending in 0 or 5 (100 none,
  500 only 0 and 5; Whipple's bands: above 125 rough, above 175 very rough), with a one-sided
  binomial test against one in five (each multiple of 5 has its two neighbours on either side, so
  a slope cancels);
- the point's p-value is the smaller of the two, doubled (two tests); across the points tested in
  one run, Benjamini–Hochberg controls the false discoveries at a rate (1%, a setting).

One signal per point, for the year of the last closed month, the months used in the evidence.
Severity: low, medium when the adjusted p-value is a hundred times below the rate.
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

FDR = "signals.truth.digits_fdr_pct"

runtime.define(
    SettingDef(
        FDR,
        1.0,
        _("数字偏好：错误发现率（%）"),
        _(
            "对每个样本点近 36 个月两位数以上的填报做末位数字卡方检验和逢五逢十检验，"
            "按此错误发现率（Benjamini–Hochberg）校正多个样本点同时检验后仍显著的才预警。"
            "不足 50 个两位数以上数值的样本点不检验。"
        ),
        "business",
        0.01,
        10.0,
    ),
)
SETTINGS = (FDR,)

FIGURES.update(
    {
        "truth.digits_n": _("参与检验的数值（≥ 10）"),
        "truth.chi2": _("末位数字卡方值（自由度 9）"),
        "truth.chi2_p": _("卡方检验 p 值"),
        "truth.heaping_index": _("逢五逢十指数（100 为无偏好，500 为全是 0、5 结尾）"),
        "truth.heaping_n": _("参与逢五逢十检验的数值（≥ 8）"),
        "truth.heaping_p": _("逢五逢十检验 p 值"),
        "truth.q": _("多重检验校正后的 p 值"),
        "truth.points_tested": _("同时检验的样本点数"),
    }
)
FIGURES.update(
    {f"truth.digit.{d}": format_lazy(_("末位为 {d} 的数值（实际 / 期望）"), d=d) for d in range(10)}
)


SKIP = {"app_checkins"}  # the same few apps month after month: not independent values


def tested_keys(data: tc.Data) -> list[str]:
    return [k for k in data.keys if data.types[k] == "int" and k not in SKIP]


def independent_values(data: tc.Data, cols: list[int]) -> np.ndarray:
    """The answers of the tested columns, (questions, points, months), with a part left out
    (NaN) wherever it equals its whole in that report's form version: the same number written
    twice is one value. Compared against the answers as given, so a chain of equal parts keeps
    its topmost whole."""
    out = np.moveaxis(data.values[:, :, cols], 2, 0).copy()
    pos = {c: i for i, c in enumerate(cols)}
    for form_id, questions in data.forms.items():
        in_form = data.form_ids == form_id
        if not in_form.any():
            continue
        for q in questions:
            whole = q.get("part_of")
            if not whole or q["key"] not in data.keys or whole not in data.keys:
                continue
            part_c, whole_c = data.col(q["key"]), data.col(whole)
            if part_c not in pos or whole_c not in pos:
                continue  # the whole is not tested: the part is the only time it is counted
            same = in_form & (data.values[:, :, part_c] == data.values[:, :, whole_c])
            out[pos[part_c]][same] = np.nan
    return out


def evaluate(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    if tc.nothing_asked(unit_ids):
        return []
    data = tc.load(as_of, settings)
    if data is None:
        return []
    fdr = float(settings[FDR]) / 100
    cols = [data.col(k) for k in tested_keys(data)]
    results, pvalues, index = [], [], []
    tested = stats.digit_tests(list(independent_values(data, cols)))
    for p, r in enumerate(tested):
        tests = [x for x in (r["p"], r["heaping_p"]) if x is not None]
        if not tests:
            continue  # too few values: not tested
        results.append(r)
        pvalues.append(min(1.0, min(tests) * len(tests)))
        index.append(p)
    if not results:
        return []
    q = stats.benjamini_hochberg(pvalues)
    ask = tc.wanted(unit_ids)
    findings = []
    for r, pv, qv, p in zip(results, pvalues, q, index, strict=True):
        if qv > fdr or not ask(data.unit_ids[p]):
            continue
        findings.append(_finding(data, p, r, pv, float(qv), len(results), fdr, cols))
    return findings


def _finding(data, p, r, pv, qv, tested, fdr, cols) -> Finding:
    figures = [
        figure("truth.digits_n", r["n"], "n"),
        figure("truth.chi2", round(r["chi2"], 1) if r["chi2"] is not None else None, "ratio"),
        figure("truth.chi2_p", tc.sci(r["p"]) if r["p"] is not None else "—", "sci"),
        figure("truth.heaping_index", round(r["heaping_index"] or 0, 0), "ratio"),
        figure("truth.heaping_n", r["heaping_n"], "n"),
        figure(
            "truth.heaping_p",
            tc.sci(r["heaping_p"]) if r["heaping_p"] is not None else "—",
            "sci",
        ),
        figure("truth.q", tc.sci(qv), "sci"),
        figure("truth.points_tested", tested, "n"),
    ]
    expected = r["expected"] or [None] * 10
    for d in range(10):
        e = "—" if expected[d] is None else f"{expected[d]:.1f}"
        figures.append(figure(f"truth.digit.{d}", f"{r['counts'][d]} / {e}", "sci"))
    # The questions with the most answers ending in 0 or 5, as monthly series.
    round_share = []
    for c in cols:
        v = data.values[p, :, c]
        v = v[np.isfinite(v) & (v >= 10)]
        if v.size:
            round_share.append((float((v % 5 == 0).mean()), int(v.size), data.keys[c]))
    round_share.sort(reverse=True)
    used = [m for m, present in zip(data.months, data.present[p], strict=True) if present]
    return Finding(
        unit_id=int(data.unit_ids[p]),
        period=tc.year_of(data.as_of),
        subject="",
        severity=2 if qv <= fdr / 100 else 1,
        conditions=("digits",),
        evidence={
            "conditions": ["digits"],
            "as_of": data.as_of.isoformat(),
            "compared": tc.history_range(used),
            "point": int(data.point_ids[p]),
            "reports": [int(x) for x in data.report_ids[p][data.present[p]]],
            "digits": {
                "observed": r["counts"],
                "expected": r["expected"],
                "chi2": r["chi2"],
                "p": r["p"],
                "heaping_index": r["heaping_index"],
                "heaping_p": r["heaping_p"],
                "p_point": pv,
                "q": qv,
            },
            "figures": figures,
            "series": [tc.point_series(data, p, key) for _, n, key in round_share[:2] if n],
        },
    )


def headline(subject: str, evidence: dict) -> str:
    d = evidence.get("digits", {})
    obs = d.get("observed") or [0] * 10
    n = sum(obs) or 1
    return gettext(
        "两位数以上的填报中 %(share)s%% 以 0 或 5 结尾，逢五逢十指数 %(w)s，校正后 p = %(q)s"
    ) % {
        "share": round((obs[0] + obs[5]) / n * 100),
        "w": round(d.get("heaping_index") or 0),
        "q": tc.sci(d.get("q")),
    }


RULE = Rule(
    code="truth_digits",
    label=_("数字偏好（逢五逢十）"),
    sentence=_(
        "样本点近 36 个月两位数以上的填报（至少 50 个）做末位数字卡方检验（与本点数据平滑后的"
        "期望比较）和逢五逢十检验，经多个样本点同时检验的校正（错误发现率 %(digits_fdr_pct)s%%）"
        "后仍显著即预警。"
    ),
    evaluate=evaluate,
    settings=SETTINGS,
    headline=headline,
    periods=lambda as_of: [tc.year_of(as_of)],
    group="truth",
)
