"""Pacing (时间过半、任务过半): a unit burning its year's quota too fast.

For every unit and category with a quota this year, three conditions, each raising the one signal
of (unit, year, category) to its severity:
- the quota is already exceeded (high), or used up with the year still running (medium);
- over half (a setting) of the quota used within the first five months (a setting) — judged as
  soon as it happens, and standing for the rest of the year (medium) — AND beyond chance: the
  early use is tested against what a unit would use in those months if its year ran exactly at
  its quota along the population's monthly profile (about 37 % of the quota by May, the Spring
  Festival lull included), as a quasi-Poisson count with the unit's own dispersion from its
  earlier years (counts.unit_dispersion), Benjamini–Hochberg across every unit with a quota in
  the run, per category (a false-discovery rate, a setting). Why: the 50 % line alone is no test at
  small quotas — a unit with a quota of 10 that uses 6 by May is ordinary variation (its mean
  pace may be 3), and the planted-city bench measured 9.8 % of clean units flagged that way;
  a unit on pace to exhaust its quota (65 % of it by May) is still found when its counts carry
  the evidence;
- at the unit's own monthly profile of earlier years, the quota runs out before the year ends
  (low; only from the month a setting names, as a projection from a month or two is noise, and
  only when the projection stays over the quota after allowing for chance: one standard deviation
  of a count, √used, taken off what was used — three inspections in a quarter say little).

Reads the quota figures (registry.quotas.figures), which read the monthly rollup: a few grouped
reads for every unit at once.
"""

import datetime as dt
import math

import numpy as np
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef
from jianfu.registry.quotas import figures

from . import counts, reads
from .base import CATEGORY_LABELS, TESTS, Finding, Rule, chance, figure, series, year_period

EARLY_SHARE = "signals.pacing.early_share_pct"
EARLY_MONTHS = "signals.pacing.early_months"
FROM_MONTH = "signals.pacing.projection_from_month"
FDR = "signals.pacing.fdr_pct"

runtime.define(
    SettingDef(
        EARLY_SHARE,
        50,
        _("指标使用过快：前几个月用量预警线（%）"),
        _("前若干个月已用数量超过全年指标的此比例，即预警“指标使用过快”（默认：前 5 个月过半）。"),
        "business",
        1,
        100,
    ),
    SettingDef(
        EARLY_MONTHS,
        5,
        _("指标使用过快：前几个月（月数）"),
        _("与上一项配合使用：在这几个月内用量超过预警线即预警。"),
        "business",
        1,
        11,
    ),
    SettingDef(
        FROM_MONTH,
        3,
        _("预计年内用尽：自几月起预警"),
        _(
            "按单位往年各月的用量分布推算全年用量，预计年底前用尽指标即预警。"
            "年初只有一两个月的数据，推算不稳，自此月起才预警。"
        ),
        "business",
        1,
        12,
    ),
    SettingDef(
        FDR,
        10.0,
        _("指标使用过快：错误发现率（%）"),
        _(
            "前几个月用量过半时，还要检验它是否超出按全年指标均匀使用（按各月常见分布）"
            "时的偶然波动；所有单位一起控制错误发现率（Benjamini–Hochberg 方法）。"
        ),
        "business",
        0.1,
        20,
    ),
)

SETTINGS = (EARLY_SHARE, EARLY_MONTHS, FROM_MONTH, FDR)

TESTS["early_pace"] = _(
    "假设本单位全年恰好按指标、按各月常见分布使用，检验前几个月的用量"
    "（按本单位往年各月的离散程度）是否超出偶然。"
)
SEVERITY = {"exceeded": 3, "used_up": 2, "early": 2, "exhaustion": 1}


def evaluate(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    year = as_of.year
    early_share = settings[EARLY_SHARE] / 100
    early_months = int(settings[EARLY_MONTHS])
    from_month = int(settings[FROM_MONTH])
    fdr = settings[FDR] / 100
    asked = None if unit_ids is None else set(unit_ids)
    findings = []
    # The whole population: the early test's false-discovery control is across every unit.
    statuses = [
        s
        for s in figures.quota_status(year=year, as_of=as_of, unit_ids=None, with_quota_only=True)
        if s.limit is not None
    ]
    early_m = min(as_of.month, early_months)
    tests = _early_tests(statuses, year, early_m)
    for s in statuses:
        if asked is not None and s.unit_id not in asked:
            continue
        early_used = s.ytd(early_m)
        test = tests.get((s.unit_id, s.category))
        conditions = []
        if s.exceeded:
            conditions.append("exceeded")
        elif s.used >= s.limit > 0 and as_of < dt.date(year, 12, 31):
            conditions.append("used_up")
        if early_used > early_share * s.limit and test is not None and test["q"] <= fdr:
            conditions.append("early")
        if (
            0 < s.used < s.limit
            and as_of.month >= from_month
            and s.exhaustion is not None
            and s.exhaustion < dt.date(year, 12, 31)
            and _beyond_chance(s)
        ):
            conditions.append("exhaustion")
        if not conditions:
            continue
        findings.append(
            Finding(
                unit_id=s.unit_id,
                period=year_period(year),
                subject=s.category,
                severity=max(SEVERITY[c] for c in conditions),
                conditions=tuple(conditions),
                evidence=_evidence(s, as_of, early_used, early_months, conditions, test),
            )
        )
    return findings


def _early_tests(statuses, year: int, months: int) -> dict:
    """For every (unit, category) with a quota: the quasi-Poisson p of its use in the first
    `months` months against the quota's pace (limit × the population's profile share of those
    months, from earlier years), and its Benjamini–Hochberg q across all of them."""
    by_category: dict[str, list] = {}
    for s in statuses:
        if s.limit > 0:
            by_category.setdefault(s.category, []).append(s)
    rows = []
    for category, group in by_category.items():
        ids, values = reads.usage_array(
            category=category, years=[year - 1, year - 2], fields=["counted"]
        )
        x = values[..., 0]
        if len(ids) and x.sum() > 0:
            phi_all = counts.unit_dispersion(x, np.ones((1, 12), dtype=bool))
            profile = counts.seasonal_profile(x)
        else:
            phi_all, profile = np.ones(0), np.ones(12)
        share = float(profile[:months].sum() / 12)
        where = {int(u): i for i, u in enumerate(ids)}
        population = float(np.median(phi_all)) if len(phi_all) else 1.0
        for s in group:
            i = where.get(s.unit_id)
            phi = float(phi_all[i]) if i is not None else population
            rows.append((s, s.ytd(months), s.limit * share, phi))
    if not rows:
        return {}
    used = np.array([r[1] for r in rows], dtype=float)
    expected = np.array([r[2] for r in rows], dtype=float)
    phi = np.maximum(np.array([r[3] for r in rows], dtype=float), 1.0)
    p = counts.excess_p(used, expected, phi)
    # Benjamini–Hochberg per subject (category), as every rule of the group does.
    category = np.array([r[0].category for r in rows])
    q = np.ones(len(rows))
    tested = np.zeros(len(rows), dtype=int)
    for c in set(category):
        mine = category == c
        q[mine] = counts.q_values(p[mine])
        tested[mine] = int(mine.sum())
    return {
        (r[0].unit_id, r[0].category): {
            "p": float(p[j]),
            "q": float(q[j]),
            "expected": float(expected[j]),
            "dispersion": float(phi[j]),
            "tested": int(tested[j]),
        }
        for j, r in enumerate(rows)
    }


def _beyond_chance(s: figures.Status) -> bool:
    if s.share_profile <= 0:
        return False
    return (s.used - math.sqrt(s.used)) / s.share_profile > s.limit


def _evidence(s: figures.Status, as_of, early_used, early_months, conditions, test) -> dict:
    this_year = s.monthly[: as_of.month] + [None] * (12 - as_of.month)
    figs = [
        figure("limit", s.limit),
        figure("used", s.used),
        figure("left", s.left),
        figure("share_used", (s.share_used or 0) * 100, "pct"),
        figure("share_year", s.share_year * 100, "pct"),
    ]
    if s.pace is not None:
        figs.append(figure("pace", s.pace, "ratio"))
    figs.append(figure("early_used", early_used))
    if s.limit:
        figs.append(figure("early_share", early_used / s.limit * 100, "pct"))
    figs.append(figure("projected", s.projected))
    if s.exhaustion is not None:
        figs.append(figure("exhaustion", s.exhaustion.isoformat(), "date"))
    out = {
        "conditions": list(conditions),
        "as_of": as_of.isoformat(),
        "early_months": early_months,
        "profile": s.profile,
        "figures": figs,
        "series": [series("counted", [(s.year, this_year), (s.year - 1, s.monthly_last)])],
    }
    if "early" in conditions and test is not None:
        out["against_chance"] = chance(
            "early_pace",
            early_used,
            test["expected"],
            test["p"],
            tested=test["tested"],
            q=test["q"],
            support=early_used,
        )
    return out


def _value(evidence: dict, key: str):
    return next((f["value"] for f in evidence.get("figures", []) if f["key"] == key), None)


def headline(subject: str, evidence: dict) -> str:
    what = CATEGORY_LABELS.get(subject, subject)
    parts = []
    conditions = evidence.get("conditions", [])
    if "exceeded" in conditions:
        parts.append(
            gettext("%(what)s已超出全年指标（已用 %(used)s，指标 %(limit)s）")
            % {"what": what, "used": _value(evidence, "used"), "limit": _value(evidence, "limit")}
        )
    if "used_up" in conditions:
        parts.append(
            gettext("%(what)s已用完全年指标（%(limit)s），而本年尚未结束")
            % {"what": what, "limit": _value(evidence, "limit")}
        )
    if "early" in conditions:
        parts.append(
            gettext("%(what)s前 %(m)s 个月已用全年指标的 %(share)s%%")
            % {
                "what": what,
                "m": evidence.get("early_months"),
                "share": _value(evidence, "early_share"),
            }
        )
    if "exhaustion" in conditions:
        parts.append(
            gettext("%(what)s预计 %(date)s 用尽全年指标")
            % {"what": what, "date": _value(evidence, "exhaustion")}
        )
    return gettext("；").join(parts)


RULE = Rule(
    code="quota_pacing",
    label=_("指标使用过快"),
    sentence=_(
        "硬性指标已超出或年内已用完；"
        "或前 %(early_months)s 个月已用超过全年指标的 %(early_share_pct)s%%，"
        "且多于全年恰好按指标使用时这几个月应有的用量、超出偶然"
        "（所有单位一起控制错误发现率 %(fdr_pct)s%%）；"
        "或自 %(projection_from_month)s 月起，按往年各月用量分布推算（扣除随机波动后），"
        "预计年底前用尽指标。"
    ),
    evaluate=evaluate,
    settings=SETTINGS,
    subjects=CATEGORY_LABELS,
    headline=headline,
)
