"""Copied reports (照抄照搬) and straight-lining (同一数字填到底).

Percent match. Two reports match on an answer when both gave the same number; the percent match is
the share of the numeric answers both gave that are equal (Kuriakose & Robbins) — leaving out the
answers a zero decides (no meeting: no hours, no video meeting; no documents: none from the
county), which agree by necessity and would count one fact four times. Three checks:
- previous: a point's report against its own report of the month before (copy-forward);
- peer: the reports of two points for the same month (copied from one another), across the
  whole scope — three points in three counties sending one report, a different one each month,
  are as much a copy as two in one county (see "Across the scope" below);
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
- peer: for each question, the share of the other points of the pair's class (kind, and size
  within the kind: thirds, where a kind has enough points) across the whole scope that gave the
  same value that month — a 0 or a 1 in a quiet February is common, 87 documents are not, and
  two small points agree on their zeros far more often than a kind's points at large — shrunk
  toward the rate at which two points of these classes agree on that question (so a scope of a
  few points, where the copies themselves make their value look common, falls back on the
  rate). Without the size classes, clean scopes with sizes spread as the demo's drew several
  chance pairs at a family-wise rate that allows at most one in two (the tests check it). A
  total is compared by what it holds beyond its parts (documents less those from the city,
  county and township): when the parts agree, the total agrees far more often than its own
  spread says, and counting it whole counted one fact twice (honest pairs across a province
  were flagged that way);
- the number of matching answers is then a sum of independent chances (Poisson-binomial), which
  gives the probability of at least the observed matches, and so the percent-match line the pair
  had to pass. A pair is flagged when that probability is below a family-wise error rate (1%, a
  setting) divided by the number of pairs tested in the run (Bonferroni): with thousands of pairs
  tested a month, one chance coincidence a year would already be too many.
Measured on the clean demo points (bench/truth_checks.py prints it): see its report.

Across the scope (peer). Every pair of points of the same county is judged, as before; across
counties a full comparison would judge every pair of points in every month (2,000 points: two
million pairs a month), so candidates are found first by banded keys (LSH): the answers are
dealt into four bands and the reports of a month bucketed by each band's values; reports sharing
a bucket are a candidate pair. A pair differing in fewer answers than there are bands shares a
band (pigeonhole), so every copy with up to three answers changed is a candidate, wherever its
points are; the candidates are then judged as above. The correction still counts every pair a
full comparison tests, not the candidates: the error rate is split (weighted Bonferroni), half
over the pairs within counties, half over the pairs across counties — so copying within a
county is found as surely as before, and the family-wise rate over all pairs stays the setting.
The points linked by flagged pairs in a month are one group (three points sending one report are
one finding, not three pairs): a group within one county is raised on the county; a group across
counties on the lowest unit above all their counties (the city, or the province), which is seen
by whoever sees all its points and by no county contact of one county alone. A group copying
month after month is one signal whose months grow (Rule.ongoing, signals/ongoing.py).
Measured on a province of 2,000 points with planted groups (bench/truth_copies.py prints it).

Straight-lining has no such model: a run of 5 (a setting) identical answers of 3 or more is rare
in honest reports; ones and twos are not (a point with one meeting, one video meeting, one
inspection, one day of it honestly writes 1, 1, 1, 1), nor zeros. The evidence shows the run.

One signal per point and month (previous, straight_line) or per unit and month (peer: the groups
of points raised on that unit, each named under "groups", every point under "points", the pairs
that link each group under "pairs" — the strongest first, one fewer than its points — and how
many pairs were flagged in all under "pairs_flagged").
Severity: medium for a report identical in every answer, low otherwise.
"""

import datetime as dt
import os
from dataclasses import dataclass

import numpy as np
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.models import Unit
from jianfu.core.runtime import SettingDef
from jianfu.monitoring.models import SamplePoint

from . import base
from . import truth_common as tc
from .base import FIGURES, TESTS, Finding, Rule, figure

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
        "truth.peer_groups": _("相互抄报的样本点组数"),
        "truth.peer_counties": _("涉及的县（市、区）"),
        "truth.run": _("连续填同一数字的题数"),
        "truth.run_value": _("所填数字"),
        "truth.run_from": _("起始题目"),
    }
)
TESTS["copy_pairs"] = _(
    "两份填报相同答案的个数与各题偶然相同的概率（由全部样本点同月填报估计）比较，"
    "算出诚实填报偶然达到这么多相同答案的概率（泊松二项分布），按比较的填报对数校正。"
)
FIGURES.update(
    {
        f"truth.pair.{i}": format_lazy(_("第 {n} 对（相同答案 / 比较答案，偶然概率）"), n=i + 1)
        for i in range(PAIRS_SHOWN)
    }
)


def evaluate(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    if tc.nothing_asked(unit_ids, counties=True) and not _above_points(unit_ids):
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


def _above_points(unit_ids: list[int] | None) -> bool:
    """Whether a city or the province above some point was asked for (a group across counties
    is raised there)."""
    if unit_ids is None:
        return True
    paths = list(
        Unit.objects.filter(pk__in=unit_ids[:2000], kind__in=("province", "city")).values_list(
            "path", flat=True
        )
    )
    return any(SamplePoint.objects.filter(county__path__startswith=path).exists() for path in paths)


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

# Banded keys (LSH): the answers are dealt into BANDS bands and reports are bucketed, month by
# month, by each band's tuple; two reports sharing a bucket are a candidate pair. A pair that
# differs in fewer answers than BANDS shares at least one band unchanged (pigeonhole), so every
# copy with up to BANDS − 1 answers changed is a candidate, wherever its points are.
BANDS = 4
# A bucket larger than this (hundreds of reports sharing a band, say all zeros) links each of
# its reports to its first one instead of to every other: the same groups, linearly many pairs.
STAR = 64
# The error rate's share spent on pairs of points of the same county (every such pair is judged,
# as before); the rest on pairs across counties (weighted Bonferroni: the family-wise rate over
# all pairs stays the setting).
WITHIN_SHARE = 0.5
# Size classes within a kind (thirds), each of at least STRATUM points (see _peer_classes).
SIZE_CLASSES = 3
STRATUM = 40
# How many points' worth the agreement rate of two kinds weighs against the share of points
# giving a value (see chances()).
PRIOR = 10


@dataclass
class Peers:
    """What a peer comparison over the whole scope needs: the reports judged, the class of each
    point (its kind and size, _peer_classes; "kind" below), the counts the chances come from and
    how many pairs a full comparison tests."""

    x: np.ndarray  # (P, W, K) the months judged
    rest: np.ndarray  # (P, W, K) the same, each whole less its parts (what it holds beyond them)
    present: np.ndarray  # (P, W) a report with some numeric answer
    kind_idx: np.ndarray  # (P,) the point's class
    rates: np.ndarray  # (kinds, kinds, K)
    shares: np.ndarray  # (kinds × P × W, K): other points of the kind giving the value
    totals: np.ndarray  # (kinds, W, K): points of the kind that answered
    county_idx: np.ndarray  # (P,)
    within: int  # pairs of the same county, over the months
    across: int  # pairs of different counties, over the months


def _peer_rates(x: np.ndarray, kind_idx: np.ndarray, n_kinds: int):
    """Counted, not compared, over every point of the scope in every month judged (per month and
    answer, how many points of each kind gave each value):
    - rates (kinds, kinds, K): how often two points of these kinds agree on each answer in the
      same month (Σ count_a · count_b over the values, or Σ C(count_a, 2));
    - shares (kinds × P × W, K): for each answer of each report, how many other points of each
      kind gave the same value that month (out of totals (kinds, W, K), the points of the kind
      that answered): what chances() turns into the chance a point of that kind matches it."""
    n_p, n_w, n_k = x.shape
    ok = ~np.isnan(x)
    p_idx, w_idx, k_idx = np.nonzero(ok)
    _, value = _unique(x[ok])
    n_v = int(value.max()) + 1 if value.size else 1
    cell = (w_idx * n_k + k_idx).astype(np.int64)
    codes, inverse = _unique(cell * n_v + value)
    kind = kind_idx[p_idx]
    counts = np.bincount(inverse * n_kinds + kind, minlength=codes.size * n_kinds)
    counts = counts.reshape(codes.size, n_kinds).astype(float)
    # Per (month, answer): how many points of each kind answered.
    totals = np.bincount(cell * n_kinds + kind, minlength=n_w * n_k * n_kinds)
    totals = totals.reshape(n_w * n_k, n_kinds).astype(float)
    answer_of = codes // n_v % n_k
    agree = np.zeros((n_kinds, n_kinds, n_k))
    pairs = np.zeros((n_kinds, n_kinds, n_k))
    cell_answer = np.arange(n_w * n_k) % n_k
    for a in range(n_kinds):
        for b in range(a, n_kinds):
            if a == b:
                same = counts[:, a] * (counts[:, a] - 1) / 2
                total = totals[:, a] * (totals[:, a] - 1) / 2
            else:
                same = counts[:, a] * counts[:, b]
                total = totals[:, a] * totals[:, b]
            agree[a, b] = agree[b, a] = np.bincount(answer_of, same, minlength=n_k)
            pairs[a, b] = pairs[b, a] = np.bincount(cell_answer, total, minlength=n_k)
    own = np.zeros((p_idx.size, n_kinds))
    own[np.arange(p_idx.size), kind] = 1  # a report is no other point's
    # Single precision: these are counts of points, and the (pairs × answers) arithmetic on
    # them is what the peer check spends its time on.
    shares = np.zeros((n_kinds, n_p, n_w, n_k), dtype=np.float32)
    shares[:, p_idx, w_idx, k_idx] = (counts[inverse] - own).T
    shares = shares.reshape(n_kinds * n_p * n_w, n_k)
    totals = totals.T.reshape(n_kinds, n_w, n_k).astype(np.float32)
    return agree / np.maximum(pairs, 1), shares, totals


def _unique(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(a, return_inverse=True) for a 1-d array: the inverse found by searching the
    sorted values, several times faster than np.unique's own (an argsort of all of `a`)."""
    values = np.unique(a)
    return values, np.searchsorted(values, a)


def _beyond_parts(data: tc.Data, x: np.ndarray) -> np.ndarray:
    """Each whole (documents, meetings, inspections) less its parts: a total is mostly the sum
    of its parts, so when the parts agree the total agrees far more often than its own spread
    says; what it holds beyond them is the fact it adds. Compared and counted in its place."""
    rest = x.copy()
    for whole, parts in dependents(data):
        named = [k for k in parts if data.types.get(data.keys[k]) == "int"]
        if named:
            rest[..., whole] = x[..., whole] - np.nansum(x[..., named], axis=-1)
    return rest


def _peer_classes(kinds: list[str], x: np.ndarray) -> tuple[np.ndarray, int]:
    """Each point's class for the chance model: its kind, and within a kind with enough points
    its size (thirds by the sum of its answers, month by month on average). Two small points
    match on their zeros and ones far more often than the kind's points at large do — answers
    are not independent, a small point is small on all of them — so the shares a value is
    judged by are counted among points of like size. A kind with fewer than STRATUM points a
    third keeps one class (a few points say little, and copies would weigh in their own)."""
    load = np.nanmean(np.nansum(x, axis=2), axis=1)
    load = np.where(np.isnan(load), 0, load)
    out = np.zeros(len(kinds), dtype=np.int64)
    n = 0
    names = np.array(kinds)
    for kind in sorted(set(kinds)):
        members = np.flatnonzero(names == kind)
        strata = max(1, min(SIZE_CLASSES, members.size // STRATUM))
        rank = np.argsort(np.argsort(load[members], kind="stable"), kind="stable")
        out[members] = n + rank * strata // members.size
        n += strata
    return out, n


def _peer_setup(data: tc.Data, window) -> Peers:
    x = data.values[:, window] + 0.0  # + 0.0: no negative zeros in the keys
    present = ~np.isnan(x).all(axis=2)
    kind_idx, n_kinds = _peer_classes(data.kinds, x)
    _, county_idx = np.unique(data.county_ids, return_inverse=True)
    n = present.sum(axis=0).astype(np.int64)  # (W,) reports a month
    all_pairs = int((n * (n - 1) // 2).sum())
    per_county = np.zeros((county_idx.max() + 1, x.shape[1]), dtype=np.int64)
    np.add.at(per_county, county_idx, present.astype(np.int64))
    within = int((per_county * (per_county - 1) // 2).sum())
    rest = _beyond_parts(data, x)
    rates, shares, totals = _peer_rates(rest, kind_idx, n_kinds)
    return Peers(
        x=x,
        rest=rest,
        present=present,
        kind_idx=kind_idx,
        rates=rates,
        shares=shares,
        totals=totals,
        county_idx=county_idx,
        within=within,
        across=all_pairs - within,
    )


def bands(rates: np.ndarray, n_bands: int = BANDS) -> list[np.ndarray]:
    """The answers dealt into bands, the most telling (least often equal by chance) first and in
    turn (snake order), so each band holds a like share of telling answers and its buckets stay
    small."""
    overall = rates.mean(axis=(0, 1))
    order = np.argsort(overall, kind="stable")
    n_bands = max(1, min(n_bands, order.size))
    out: list[list[int]] = [[] for _ in range(n_bands)]
    for i, k in enumerate(order):
        lap, pos = divmod(i, n_bands)
        out[pos if lap % 2 == 0 else n_bands - 1 - pos].append(int(k))
    return [np.array(sorted(b)) for b in out if b]


def _bucket_pairs(keys: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of ids sharing a key: every pair within a bucket of up to STAR, each member with the
    first beyond that."""
    order = np.argsort(keys, kind="stable")
    keys, ids = keys[order], ids[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, keys.size])
    size = np.repeat(sizes, sizes)
    rank = np.arange(keys.size) - np.repeat(starts, sizes)
    later = np.where(size <= STAR, size - 1 - rank, np.where(rank == 0, size - 1, 0))
    first = np.repeat(np.arange(keys.size), later)
    offset = np.arange(first.size) - np.repeat(np.cumsum(later) - later, later)
    return ids[first], ids[first + 1 + offset]


def candidates(peers: Peers) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a, b, w) with a < b: the pairs of points judged in month w — every pair of the same
    county, and every pair of any counties sharing a band's answers that month."""
    x, present = peers.x, peers.present
    n_p, n_w, _ = x.shape
    bits = np.where(np.isnan(x), -1.0, x).view(np.int64)
    p_idx, w_idx = np.nonzero(present)
    flat = p_idx * n_w + w_idx
    found = []
    for band in bands(peers.rates):
        h = np.full(p_idx.shape, w_idx, dtype=np.int64)
        for k in band:
            h = h * np.int64(1_000_003) + bits[p_idx, w_idx, k]  # wraps: a hash, collisions only
        found.append(_bucket_pairs(h, flat))  # add candidates, each judged on its answers
    for county in range(peers.county_idx.max() + 1):
        members = np.flatnonzero(peers.county_idx == county)
        i, j = np.triu_indices(members.size, 1)
        a = np.repeat(members[i], n_w)
        b = np.repeat(members[j], n_w)
        w = np.tile(np.arange(n_w), i.size)
        both = present[a, w] & present[b, w]
        found.append((a[both] * n_w + w[both], b[both] * n_w + w[both]))
    fa = np.concatenate([f[0] for f in found])
    fb = np.concatenate([f[1] for f in found])
    lo, hi = np.minimum(fa, fb), np.maximum(fa, fb)
    w = lo % n_w
    code = np.sort((w * n_p + lo // n_w) * n_p + hi // n_w)
    code = code[np.r_[True, code[1:] != code[:-1]]]  # each pair once
    b = code % n_p
    a = code // n_p % n_p
    return a, b, code // n_p // n_p


def chances(peers: Peers, a, b, w, eq) -> np.ndarray:
    """(pairs, K): the chance each answer of b matches a's by chance, and the other way round,
    the larger of the two. Among the other points of b's kind (neither a nor b), the share that
    gave a's value that month — high for a 0 or a 1 in a quiet February, low for 87 documents —
    shrunk toward the rate at which points of the two kinds agree on that answer (PRIOR points'
    worth): a scope of a few points says little about one value, and there the copies themselves
    would make their value look common. Never nothing: a value only the pair gave keeps the
    chance one more point would."""
    n, n_k = eq.shape
    pair, k = np.divmod(np.arange(n * n_k), n_k)
    return chances_at(peers, a[pair], b[pair], w[pair], k, eq.ravel()).reshape(n, n_k)


def chances_at(peers: Peers, a, b, w, k, eq) -> np.ndarray:
    """chances() of single answers: answer k[i] of the pair (a[i], b[i]) in month w[i], eq[i]
    whether they agree on it. Element by element, so the chances of a few answers of many pairs
    cost what those answers do."""
    n_p, n_w = peers.present.shape
    n_k = peers.shares.shape[1]
    shares = peers.shares.ravel()
    ka, kb = peers.kind_idx[a], peers.kind_idx[b]
    same = (ka == kb).astype(np.float32)
    prior = (PRIOR * peers.rates[ka, kb, k]).astype(np.float32)
    eq = np.asarray(eq, dtype=np.float32)

    def one_way(p, kq):
        rows = (kq * n_p + p) * n_w + w
        count = shares[rows * n_k + k] - eq  # less q itself
        n = np.maximum(peers.totals[kq, w, k] - same - 1, 0) + PRIOR  # less p and q
        return np.maximum(np.maximum(count, 0) + prior, 0.5) / n

    return np.maximum(one_way(a, kb), one_way(b, ka))


def judge(peers: Peers, deps, alpha: float) -> dict:
    """The candidate pairs judged by chance: those whose matches chance alone reaches less often
    than their level (the error rate's share for their class over the pairs of that class a full
    comparison tests)."""
    a, b, w = candidates(peers)
    same = peers.county_idx[a] == peers.county_idx[b]
    level = np.where(
        same,
        alpha * WITHIN_SHARE / max(peers.within, 1),
        alpha * (1 - WITHIN_SHARE) / max(peers.across, 1),
    )
    # Rows of the (point × month, answer) tables: np.take of whole rows is several times
    # faster than indexing the (point, month, answer) arrays by two index arrays.
    n_w, n_k = peers.x.shape[1:]
    ra, rb = a * n_w + w, b * n_w + w
    x, rest = peers.x.reshape(-1, n_k), peers.rest.reshape(-1, n_k)
    _, both = _equal(np.take(x, ra, axis=0), np.take(x, rb, axis=0), deps)
    eq = (np.take(rest, ra, axis=0) == np.take(rest, rb, axis=0)) & both
    # The chance of at least these matches is at least the chance of these very answers
    # matching: a pair whose matched answers are that likely cannot pass, and needs no tail.
    # Only the answers a pair agrees on count here (a fifth of them): their chances first, every
    # answer's for the few pairs left (most candidates, every pair of a county among them, agree
    # on a few zeros and go here).
    pair, k = np.nonzero(eq)
    logs = np.zeros(eq.shape, dtype=np.float32)
    logs[pair, k] = np.log(np.minimum(chances_at(peers, a[pair], b[pair], w[pair], k, True), 1))
    floor = logs.sum(axis=1)  # chances are never 0
    answered = both.sum(axis=1)
    keep = np.flatnonzero((floor < np.log(level)) & (answered > 0))
    probs = chances(peers, a[keep], b[keep], w[keep], eq[keep])
    matches = eq[keep].sum(axis=1)
    tails = _tails(probs.astype(float), both[keep])
    chance, line = _verdict(matches, answered[keep], tails, level[keep][:, None])
    hit = chance < level[keep]
    pick = keep[hit]
    expected = np.where(both[pick], probs[hit], 0).astype(float).sum(axis=1)
    return {
        "a": a[pick],
        "b": b[pick],
        "w": w[pick],
        "same": same[pick],
        "matches": matches[hit],
        "answered": answered[pick],
        "chance": chance[hit],
        "line": line[hit],
        "level": level[pick],
        "expected": expected,
        "candidates": int(a.size),
    }


Group = tuple[list[int], list[int], int]


def _groups(a: np.ndarray, b: np.ndarray, chance: np.ndarray) -> list[Group]:
    """The connected groups of points the pairs link (points copying one report are one group,
    however many pairs they make): (points, the pairs that link them — the strongest first, one
    fewer than the points, as a spanning tree — and how many pairs were flagged among them)."""
    parent: dict[int, int] = {}

    def root(p: int) -> int:
        parent.setdefault(p, p)
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    linking = []
    for i in np.argsort(chance, kind="stable").tolist():
        ra, rb = root(int(a[i])), root(int(b[i]))
        if ra != rb:
            parent[ra] = rb
            linking.append(i)
    members: dict[int, list[int]] = {}
    for p in parent:
        members.setdefault(root(p), []).append(p)
    tree: dict[int, list[int]] = {}
    for i in linking:
        tree.setdefault(root(int(a[i])), []).append(i)
    flagged = np.bincount(
        np.searchsorted(sorted(members), [root(int(x)) for x in a]), minlength=len(members)
    )
    return [(sorted(members[r]), tree[r], int(flagged[n])) for n, r in enumerate(sorted(members))]


def _common_units(county_sets: set[frozenset]) -> dict[frozenset, int]:
    """For each set of counties, the lowest unit above them all (a county alone is its own): a
    signal on it is seen by whoever sees all their points, and by no county contact of one of
    them alone. One query for the counties' paths, one for the units above."""
    counties = {c for s in county_sets for c in s}
    paths = dict(Unit.objects.filter(pk__in=counties).values_list("pk", "path"))
    step = Unit.steplen
    wanted = {}
    for s in county_sets:
        prefix = os.path.commonprefix([paths[c] for c in s if c in paths])
        wanted[s] = prefix[: len(prefix) // step * step]
    ids = dict(Unit.objects.filter(path__in=set(wanted.values())).values_list("path", "pk"))
    return {s: ids[p] for s, p in wanted.items() if p in ids}


def _peers(data: tc.Data, window, alpha, ask) -> list[Finding]:
    """Copies between points, across the whole scope: every pair of the same county and every
    pair sharing a band of answers, judged by chance; each group of points linked in a month is
    one finding, raised on its county or, across counties, on the lowest unit above them."""
    peers = _peer_setup(data, window)
    if not peers.within + peers.across:
        return []
    hits = judge(peers, dependents(data), alpha)
    by_month: dict[int, list[int]] = {}
    for i, w in enumerate(hits["w"].tolist()):
        by_month.setdefault(w, []).append(i)
    found: dict[tuple[int, frozenset], list[tuple[list[int], np.ndarray, int]]] = {}
    county_sets = set()
    for w, rows in by_month.items():
        rows = np.array(rows)
        for group, linking, flagged in _groups(
            hits["a"][rows], hits["b"][rows], hits["chance"][rows]
        ):
            counties = frozenset(int(data.county_ids[p]) for p in group)
            county_sets.add(counties)
            found.setdefault((w, counties), []).append((group, rows[linking], flagged))
    units = _common_units({s for s in county_sets if len(s) > 1})
    by_unit: dict[tuple[int, int], list] = {}
    for (w, counties), groups in found.items():
        unit = next(iter(counties)) if len(counties) == 1 else units.get(counties)
        if unit is None or not ask(unit):
            continue
        by_unit.setdefault((unit, w), []).extend(groups)
    return [
        _peer_finding(data, peers, hits, unit, int(window[w]), groups)
        for (unit, w), groups in sorted(by_unit.items())
    ]


def _pair(data: tc.Data, hits: dict, i: int, t: int) -> dict:
    a, b = int(hits["a"][i]), int(hits["b"][i])
    return {
        "a": int(data.point_ids[a]),
        "b": int(data.point_ids[b]),
        "a_name": data.names[a],
        "b_name": data.names[b],
        "reports": [int(data.report_ids[a, t]), int(data.report_ids[b, t])],
        "matches": int(hits["matches"][i]),
        "answered": int(hits["answered"][i]),
        "chance": float(hits["chance"][i]),
        "line": int(hits["line"][i]),
        "level": float(hits["level"][i]),
        "same_county": bool(hits["same"][i]),
        "expected": round(float(hits["expected"][i]), 2),
    }


def _peer_finding(data: tc.Data, peers: Peers, hits: dict, unit: int, t: int, groups) -> Finding:
    pairs = [_pair(data, hits, int(i), t) for _group, rows, _n in groups for i in rows]
    pairs.sort(key=lambda x: (x["chance"], -x["matches"]))
    flagged = sum(n for _group, _rows, n in groups)
    point_groups = sorted(sorted(int(data.point_ids[p]) for p in g) for g, _rows, _n in groups)
    points = sorted(p for g in point_groups for p in g)
    counties = sorted({int(data.county_ids[p]) for g, _rows, _n in groups for p in g})
    across = len(counties) > 1 or not all(x["same_county"] for x in pairs)
    tested = peers.across if across else peers.within
    level = max(x["level"] for x in pairs)
    identical = any(x["matches"] == x["answered"] for x in pairs)
    best = pairs[0]
    figures = [
        figure("truth.peer_pairs", flagged, "n"),
        figure("truth.peer_points", len(points), "n"),
        figure("truth.peer_groups", len(point_groups), "n"),
        figure("truth.peer_counties", len(counties), "n"),
        figure("truth.alpha", tc.sci(level), "sci"),
        figure("truth.pairs_tested", tested, "n"),
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
    conditions = ["peer", "across_counties"] if across else ["peer"]
    return Finding(
        unit_id=unit,
        period=data.months[t],
        subject="peer",
        severity=2 if identical else 1,
        conditions=tuple(conditions),
        evidence={
            "conditions": conditions,
            "as_of": data.as_of.isoformat(),
            "points": points,
            "groups": point_groups,
            "counties": counties,
            "pairs": pairs,
            "pairs_flagged": flagged,
            "reports": sorted({r for x in pairs for r in x["reports"]}),
            "figures": figures,
            "against_chance": base.chance(
                "copy_pairs",
                best["matches"],
                best["expected"],
                best["chance"],
                tested=tested,
                unit="n",
                support=best["answered"],
            ),
        },
    )


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
        counties = len(evidence.get("counties", []))
        if counties > 1:
            text = gettext(
                "%(k)s 对样本点当月填报相同或几乎相同（%(n)s 个样本点，分属 %(c)s 个县），"
                "如 %(a)s 与 %(b)s：%(m)s / %(t)s"
            )
        else:
            text = gettext(
                "%(k)s 对样本点当月填报相同或几乎相同（%(n)s 个样本点），"
                "如 %(a)s 与 %(b)s：%(m)s / %(t)s"
            )
        return text % {
            "c": counties,
            "k": evidence.get("pairs_flagged", len(pairs)),
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
        "同一样本点与上月、或任意两个样本点（同县或跨县）同月的填报相同答案过多：按各题偶然相同的概率"
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
