"""Copied reports (照抄照搬) and straight-lining (同一数字填到底).

Percent match. Two reports match on an answer when both gave the same number; the percent match is
the share of the numeric answers both gave that are equal (Kuriakose & Robbins) — leaving out the
answers a zero decides (no meeting: no hours, no video meeting; no documents: none from the
county), which agree by necessity and would count one fact four times. Three checks:
- previous: a point's report against its own report of the month before (copy-forward);
- peer: the reports of two points of the same county for the same month (copied from one
  another), raised on the county, naming the pairs;
- straight_line: one report giving the same non-zero number to many questions in a row (the
  longest run, in the form's order; zeros do not count, a quiet month honestly answers 0 to a
  whole block).

Why not a fixed line (the 85% of Kuriakose & Robbins). Pew showed how much the chance of a high
match depends on the number of questions, the answer ranges and how alike the reporters are: a
small enterprise's "0 meetings, 0 hours, 0 inspections" matches month after month honestly, a
township's 87 documents seldom repeat. So the line is calibrated on the data, per answer, by what
chance alone would match:
- previous: for each question, how often the point's report agreed with the month before over
  its history (pairs identical in every answer left out, so copying does not teach the check that
  copying is normal), shrunk toward the same rate over the points of its kind. Month to month, not
  any two months: slowly moving answers (the apps, the hours, the score) make consecutive honest
  reports agree more often, and a null of random months flagged clean points;
- peer: for each question, the rate at which two points of the same kinds agree in the same month,
  over all such pairs city- or province-wide;
- the number of matching answers is then a sum of independent chances (Poisson-binomial), which
  gives the probability of at least the observed matches, and so the percent-match line the pair
  had to pass. A pair is flagged when that probability is below a family-wise error rate (1%, a
  setting) divided by the number of pairs tested in the run (Bonferroni): with thousands of pairs
  tested a month, one chance coincidence a year would already be too many.
Measured on the clean demo points (bench/truth_checks.py prints it): see its report.

Straight-lining has no such model: a run of 5 (a setting) identical answers of 3 or more is rare
in honest reports; ones and twos are not (a point with one meeting, one video meeting, one
inspection, one day of it honestly writes 1, 1, 1, 1), nor zeros. The evidence shows the run.

One signal per point and month (previous, straight_line) or per county and month (peer).
Severity: medium for a report identical in every answer, low otherwise.
"""

import datetime as dt

import numpy as np
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef

from . import truth_common as tc
from .base import FIGURES, Finding, Rule, figure

ALPHA = "signals.truth.copy_alpha_pct"
RUN = "signals.truth.straight_run"

runtime.define(
    SettingDef(
        ALPHA,
        1.0,
        _("照抄照搬：误报率上限（%）"),
        _(
            "两份填报相同答案的个数，按各题偶然相同的概率（由数据估计）算出偶然达到的概率，"
            "低于此比例除以本次比较的填报对数（Bonferroni 校正）才预警。"
        ),
        "business",
        0.01,
        10.0,
    ),
    SettingDef(
        RUN,
        5,
        _("同一数字填到底：连续相同非零答案个数"),
        _("一份填报中按题目顺序连续这么多题填同一个非零数字，即预警。"),
        "business",
        3,
        20,
    ),
)
SETTINGS = (ALPHA, RUN)

SUBJECTS = {
    "previous": _("照抄上月填报"),
    "peer": _("样本点之间相互抄报"),
    "straight_line": _("同一数字填到底"),
}
PAIRS_SHOWN = 8
MIN_RUN_VALUE = 3  # runs of 1s and 2s happen honestly
SHRINK = 30  # pairs of months: the weight of the kind's rate against the point's own

FIGURES.update(
    {
        "truth.matches": _("相同的答案（个）"),
        "truth.compared_answers": _("两份都填了的数字答案（个）"),
        "truth.match_pct": _("相同比例"),
        "truth.chance": _("诚实填报偶然达到的概率"),
        "truth.line": _("校准后的预警线（相同答案个数）"),
        "truth.line_pct": _("校准后的预警线（相同比例）"),
        "truth.alpha": _("单对检验的显著性水平（已按比较对数校正）"),
        "truth.pairs_tested": _("本次比较的填报对数"),
        "truth.previous_month": _("比较的上月"),
        "truth.identical": _("所有答案完全相同"),
        "truth.peer_pairs": _("相同或几乎相同的样本点对数"),
        "truth.peer_points": _("涉及的样本点"),
        "truth.run": _("连续填同一数字的题数"),
        "truth.run_value": _("所填数字"),
        "truth.run_from": _("起始题目"),
    }
)
FIGURES.update(
    {
        f"truth.pair.{i}": format_lazy(_("第 {n} 对（相同答案 / 比较答案，偶然概率）"), n=i + 1)
        for i in range(PAIRS_SHOWN)
    }
)


def evaluate(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    if tc.nothing_asked(unit_ids, counties=True):
        return []
    data = tc.load(as_of, settings)
    if data is None:
        return []
    alpha = float(settings[ALPHA]) / 100
    ask = tc.wanted(unit_ids)
    window = np.array(list(data.window_t()))
    findings = _previous(data, window, alpha, ask)
    findings += _peers(data, window, alpha, ask)
    findings += _straight(data, window, int(settings[RUN]), ask)
    return findings


# --- Matching ------------------------------------------------------------------------------------


# Answers a zero decides: no meeting means no hours, no video meeting, no county meeting.
IMPLIED = {
    "meetings_total": ("meetings_hours",),
    "inspections_total": ("inspection_days",),
}


def dependents(data: tc.Data) -> list[tuple[int, list[int]]]:
    """(whole, [its parts]) by column: the forms' part_of, plus hours and days."""
    parts: dict[str, set[str]] = {}
    for questions in data.forms.values():
        for q in questions:
            if q.get("part_of") and q["key"] in data.keys and q["part_of"] in data.keys:
                parts.setdefault(q["part_of"], set()).add(q["key"])
    for whole, extra in IMPLIED.items():
        if whole in data.keys:
            parts.setdefault(whole, set()).update(k for k in extra if k in data.keys)
    return [(data.col(w), sorted(data.col(k) for k in ks)) for w, ks in parts.items()]


def _equal(a, b, deps=()):
    """(equal, compared) for arrays of answers (questions on the last axis). Compared: both
    answered, and not decided by a whole both answered 0 (when neither had a meeting, their
    zero hours agree by necessity, not by copying: only the zero meetings count)."""
    both = ~np.isnan(a) & ~np.isnan(b)
    for whole, parts in deps:
        decided = (a[..., whole] == 0) & (b[..., whole] == 0)
        for k in parts:
            both[..., k] &= ~decided
    return (a == b) & both, both


def _tails(probs: np.ndarray, both: np.ndarray) -> np.ndarray:
    """For each pair (row), P(at least m matches) for m = 0 … K, the questions not answered by
    both left out (probability 0)."""
    probs = np.where(both, np.clip(probs, 0, 1), 0.0)
    n, k = probs.shape
    dist = np.zeros((n, k + 1))
    dist[:, 0] = 1
    for j in range(k):
        p = probs[:, j : j + 1]
        shifted = np.zeros_like(dist)
        shifted[:, 1:] = dist[:, :-1]
        dist = dist * (1 - p) + shifted * p
    return np.clip(np.cumsum(dist[:, ::-1], axis=1)[:, ::-1], 0, 1)


def _verdict(matches, answered, tails, alpha_pair):
    """(chance of at least the matches, the calibrated line in matches) per pair."""
    rows = np.arange(len(matches))
    chance = tails[rows, matches]
    passing = tails < alpha_pair
    line = np.where(passing.any(axis=1), passing.argmax(axis=1), answered + 1)
    return chance, line


# --- Copy-forward -------------------------------------------------------------------------------


def _own_rates(data: tc.Data) -> np.ndarray:
    """(P, K): how often a point's report agrees on each answer with its report of the month
    before, over its whole history, pairs identical in every answer left out, shrunk toward the
    same rate of its kind (SHRINK pairs' worth). Month to month, not any two months: the number of
    apps, the hours a week, the burden score move slowly, and consecutive honest reports agree
    more often than months a year apart."""
    v = data.values
    n_p, n_t, n_k = v.shape
    eq, both = _equal(v[:, 1:], v[:, :-1], dependents(data))
    identical = (eq | ~both).all(axis=2) & both.any(axis=2)
    keep = both & ~identical[:, :, None]
    agree = (eq & keep).sum(axis=1).astype(float)
    pairs = keep.sum(axis=1).astype(float)
    kinds = np.array(data.kinds)
    kind_rate = np.zeros((n_p, n_k))
    for kind in set(data.kinds):
        mask = kinds == kind
        total = pairs[mask].sum(axis=0)
        kind_rate[mask] = np.where(total > 0, agree[mask].sum(axis=0) / np.maximum(total, 1), 0)
    return (agree + SHRINK * kind_rate) / (pairs + SHRINK)


def _previous(data: tc.Data, window, alpha, ask) -> list[Finding]:
    v = data.values
    cur, prev = v[:, window], v[:, window - 1]
    eq, both = _equal(cur, prev, dependents(data))
    answered = both.sum(axis=2)
    tested = answered > 0
    n_pairs = int(tested.sum())
    if not n_pairs:
        return []
    alpha_pair = alpha / n_pairs
    rates = _own_rates(data)
    p_idx, w_idx = np.nonzero(tested)
    probs = rates[p_idx]
    tails = _tails(probs, both[p_idx, w_idx])
    matches = eq[p_idx, w_idx].sum(axis=1)
    chance, line = _verdict(matches, answered[p_idx, w_idx], tails, alpha_pair)
    findings = []
    for i in np.flatnonzero(chance < alpha_pair):
        p, w = int(p_idx[i]), int(w_idx[i])
        if not ask(data.unit_ids[p]):
            continue
        t = int(window[w])
        m, n = int(matches[i]), int(answered[p, w])
        identical = m == n
        figures = [
            figure("truth.previous_month", data.months[t - 1], "sci"),
            figure("truth.matches", m, "n"),
            figure("truth.compared_answers", n, "n"),
            figure("truth.match_pct", m / n * 100, "pct"),
            figure("truth.chance", tc.sci(float(chance[i])), "sci"),
            figure("truth.line", int(line[i]), "n"),
            figure("truth.line_pct", min(100.0, line[i] / n * 100), "pct"),
            figure("truth.alpha", tc.sci(alpha_pair), "sci"),
            figure("truth.pairs_tested", n_pairs, "n"),
        ]
        differing = [data.keys[k] for k in np.flatnonzero(both[p, w] & ~eq[p, w])]
        findings.append(
            Finding(
                unit_id=int(data.unit_ids[p]),
                period=data.months[t],
                subject="previous",
                severity=2 if identical else 1,
                conditions=("identical",) if identical else ("near",),
                evidence={
                    "conditions": ["identical" if identical else "near"],
                    "as_of": data.as_of.isoformat(),
                    "compared": f"{data.months[t - 1]}..{data.months[t]}",
                    "point": int(data.point_ids[p]),
                    "reports": [int(data.report_ids[p, t - 1]), int(data.report_ids[p, t])],
                    "matches": m,
                    "answered": n,
                    "chance": float(chance[i]),
                    "line": int(line[i]),
                    "differing": differing,
                    "figures": figures,
                    "series": [
                        tc.point_series(data, p, key)
                        for key in ("docs_total", "forms_filled")
                        if key in data.keys
                    ],
                },
            )
        )
    return findings


# --- Across points ------------------------------------------------------------------------------


def _peer_rates(data: tc.Data, window) -> dict[tuple[str, str], np.ndarray]:
    """{(kind, kind): (K,) the rate at which two points of these kinds agree in the same month},
    from every pair of points in every month judged."""
    kinds = sorted(set(data.kinds))
    kind_of = np.array(data.kinds)
    n_k = data.values.shape[2]
    agree = {(a, b): np.zeros(n_k) for a in kinds for b in kinds if a <= b}
    pairs = {key: np.zeros(n_k) for key in agree}
    for t in window:
        for j in range(n_k):
            col = data.values[:, t, j]
            counts = {}
            for kind in kinds:
                vals = col[(kind_of == kind) & ~np.isnan(col)]
                counts[kind] = dict(zip(*np.unique(vals, return_counts=True), strict=True))
            for a, b in agree:
                ca, cb = counts[a], counts[b]
                na, nb = sum(ca.values()), sum(cb.values())
                if a == b:
                    same = sum(c * (c - 1) for c in ca.values()) / 2
                    total = na * (na - 1) / 2
                else:
                    same = sum(c * cb.get(v, 0) for v, c in ca.items())
                    total = na * nb
                agree[(a, b)][j] += same
                pairs[(a, b)][j] += total
    return {key: agree[key] / np.maximum(pairs[key], 1) for key in agree}


def _peers(data: tc.Data, window, alpha, ask) -> list[Finding]:
    by_county: dict[int, list[int]] = {}
    for p, c in enumerate(data.county_ids):
        by_county.setdefault(int(c), []).append(p)
    a_idx, b_idx = [], []
    for members in by_county.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                a_idx.append(a)
                b_idx.append(b)
    if not a_idx:
        return []
    a_idx, b_idx = np.array(a_idx), np.array(b_idx)
    rates = _peer_rates(data, window)
    deps = dependents(data)
    kinds = data.kinds
    probs = np.array(
        [rates[tuple(sorted((kinds[a], kinds[b])))] for a, b in zip(a_idx, b_idx, strict=True)]
    )
    rows = []
    for t in window:
        eq, both = _equal(data.values[a_idx, t], data.values[b_idx, t], deps)
        answered = both.sum(axis=1)
        rows.append((t, eq, both, answered))
    n_pairs = int(sum((r[3] > 0).sum() for r in rows))
    if not n_pairs:
        return []
    alpha_pair = alpha / n_pairs
    found: dict[tuple[int, int], list] = {}
    for t, eq, both, answered in rows:
        tested = np.flatnonzero(answered > 0)
        if not tested.size:
            continue
        tails = _tails(probs[tested], both[tested])
        matches = eq[tested].sum(axis=1)
        chance, line = _verdict(matches, answered[tested], tails, alpha_pair)
        for i in np.flatnonzero(chance < alpha_pair):
            pair = tested[i]
            a, b = int(a_idx[pair]), int(b_idx[pair])
            county = int(data.county_ids[a])
            found.setdefault((county, int(t)), []).append(
                {
                    "a": int(data.point_ids[a]),
                    "b": int(data.point_ids[b]),
                    "a_name": data.names[a],
                    "b_name": data.names[b],
                    "reports": [int(data.report_ids[a, t]), int(data.report_ids[b, t])],
                    "matches": int(matches[i]),
                    "answered": int(answered[pair]),
                    "chance": float(chance[i]),
                    "line": int(line[i]),
                }
            )
    findings = []
    for (county, t), pairs in sorted(found.items()):
        if not ask(county):
            continue
        pairs.sort(key=lambda x: (x["chance"], -x["matches"]))
        points = sorted({x["a"] for x in pairs} | {x["b"] for x in pairs})
        identical = any(x["matches"] == x["answered"] for x in pairs)
        figures = [
            figure("truth.peer_pairs", len(pairs), "n"),
            figure("truth.peer_points", len(points), "n"),
            figure("truth.alpha", tc.sci(alpha_pair), "sci"),
            figure("truth.pairs_tested", n_pairs, "n"),
        ]
        for i, x in enumerate(pairs[:PAIRS_SHOWN]):
            figures.append(
                figure(
                    f"truth.pair.{i}",
                    f"{x['a_name']} ↔ {x['b_name']}：{x['matches']} / {x['answered']}，"
                    f"{tc.sci(x['chance'])}",
                    "sci",
                )
            )
        findings.append(
            Finding(
                unit_id=county,
                period=data.months[t],
                subject="peer",
                severity=2 if identical else 1,
                conditions=("peer",),
                evidence={
                    "conditions": ["peer"],
                    "as_of": data.as_of.isoformat(),
                    "points": points,
                    "pairs": pairs,
                    "reports": sorted({r for x in pairs for r in x["reports"]}),
                    "figures": figures,
                },
            )
        )
    return findings


# --- Straight-lining ----------------------------------------------------------------------------


def _straight(data: tc.Data, window, run_min: int, ask) -> list[Finding]:
    v = data.values[:, window]  # (P, W, K) in the form's order
    nonzero = ~np.isnan(v) & (v >= MIN_RUN_VALUE)
    same = np.zeros(v.shape, dtype=bool)
    same[..., 1:] = (v[..., 1:] == v[..., :-1]) & nonzero[..., 1:] & nonzero[..., :-1]
    # Run lengths along the questions.
    run = np.zeros(v.shape, dtype=np.int32)
    run[..., 0] = nonzero[..., 0]
    for k in range(1, v.shape[2]):
        run[..., k] = np.where(same[..., k], run[..., k - 1] + 1, nonzero[..., k].astype(np.int32))
    longest = run.max(axis=2)
    findings = []
    for p, w in zip(*np.nonzero(longest >= run_min), strict=True):
        if not ask(data.unit_ids[p]):
            continue
        t = int(window[w])
        end = int(run[p, w].argmax())
        length = int(longest[p, w])
        start = end - length + 1
        value = tc.plain(v[p, w, end])
        findings.append(
            Finding(
                unit_id=int(data.unit_ids[p]),
                period=data.months[t],
                subject="straight_line",
                severity=1,
                conditions=("straight_line",),
                evidence={
                    "conditions": ["straight_line"],
                    "as_of": data.as_of.isoformat(),
                    "point": int(data.point_ids[p]),
                    "reports": [int(data.report_ids[p, t])],
                    "run": length,
                    "value": value,
                    "keys": data.keys[start : end + 1],
                    "figures": [
                        figure("truth.run", length, "n"),
                        figure("truth.run_value", value, "n"),
                        figure("truth.run_from", tc.label(data.keys[start]), "sci"),
                    ]
                    + [
                        figure(f"{k}:value", tc.plain(v[p, w, data.col(k)]), "n")
                        for k in data.keys[start : end + 1]
                    ],
                },
            )
        )
    return findings


def headline(subject: str, evidence: dict) -> str:
    if subject == "previous":
        return gettext(
            "与上月填报 %(n)s 个数字答案中 %(m)s 个相同（%(pct)s%%），偶然概率 %(p)s"
        ) % {
            "n": evidence.get("answered"),
            "m": evidence.get("matches"),
            "pct": round(evidence.get("matches", 0) / max(evidence.get("answered", 1), 1) * 100),
            "p": tc.sci(evidence.get("chance")),
        }
    if subject == "peer":
        pairs = evidence.get("pairs", [])
        best = pairs[0] if pairs else {}
        return gettext(
            "%(k)s 对样本点当月填报相同或几乎相同（%(n)s 个样本点），"
            "如 %(a)s 与 %(b)s：%(m)s / %(t)s"
        ) % {
            "k": len(pairs),
            "n": len(evidence.get("points", [])),
            "a": best.get("a_name", ""),
            "b": best.get("b_name", ""),
            "m": best.get("matches", ""),
            "t": best.get("answered", ""),
        }
    if subject == "straight_line":
        return gettext("连续 %(n)s 题都填 %(v)s") % {
            "n": evidence.get("run"),
            "v": evidence.get("value"),
        }
    return ""


RULE = Rule(
    code="truth_copies",
    label=_("照抄照搬"),
    sentence=_(
        "同一样本点与上月、或同县两个样本点同月的填报相同答案过多：按各题偶然相同的概率"
        "（由数据估计）算出的偶然概率低于 %(copy_alpha_pct)s%% 除以比较对数即预警；"
        "一份填报连续 %(straight_run)s 题填同一个非零数字也预警。"
    ),
    evaluate=evaluate,
    settings=SETTINGS,
    subjects=SUBJECTS,
    headline=headline,
    periods=tc.window,
    group="truth",
    ongoing=True,
)
