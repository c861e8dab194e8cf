"""Inspections outside the approved annual plan (计划外督查检查考核), as a share beyond background.

One or two inspections outside the plan in a year happen in most units (an accident, a flood, a
task from above) and are a fact, shown on every inspection's row in the registry (the 计划外
badge), not a signal. A unit that runs a good part of its inspections outside the plan is told
apart from that background by a test, per unit and year (through the as-of month):
- the background is the share of out-of-plan inspections in every other unit together (leave the
  unit itself out, so that one heavy user does not raise its own bar), with a prior worth
  BACKGROUND_WEIGHT inspections at BACKGROUND_PRIOR: a small city with no other out-of-plan
  inspection then still has a background of about one in a few hundred, not zero; the units far
  beyond a first such background are left out of the second (see _background: the units under
  suspicion must not set the bar they are judged by);
- the test is the binomial's mid-p (counts.share_excess_p): the exact tail of a small discrete
  count is conservative;
- a one-sided binomial test: at least this many out of plan among the unit's inspections when
  each is out of plan with the background probability (one background for every unit: where
  clean units differ a lot in their own rates, the ones with a high rate are what it finds);
- Benjamini–Hochberg across every unit with at least the minimum count of inspections (the whole
  population, even when the runner asks for a few units);
- at least a minimum number out of plan and a minimum share of the unit's inspections (settings),
  so that one or two never raise a signal and a big unit's few are not a finding either.
Severity combines the effect (the share at its minimum low, twice it medium, four times it high)
with the evidence (see counts.severity). The evidence names the inspections.
"""

import calendar
import datetime as dt

import numpy as np
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef
from jianfu.registry.kinds import INSPECTION
from jianfu.registry.models import Category

from . import counts, reads
from .base import (
    FIGURES,
    TESTS,
    Finding,
    Rule,
    chance,
    figure,
    records,
    series,
    share,
    year_period,
)

MIN_COUNT = "signals.plan.min_count"
MIN_SHARE = "signals.plan.min_share"
FDR = "signals.plan.fdr_pct"

# The background before the population says otherwise: 2% of inspections out of plan, worth as
# much as fifty inspections of evidence.
BACKGROUND_PRIOR = 0.02
BACKGROUND_WEIGHT = 50

runtime.define(
    SettingDef(
        MIN_COUNT,
        3,
        _("计划外督查检查考核：最少项数"),
        _(
            "本年计划外的督查检查考核至少有这么多项，且其占比超出全体单位的一般水平，才预警；"
            "一两项计划外的只在督查检查考核登记中标明，不预警。"
        ),
        "business",
        1,
        1000,
    ),
    SettingDef(
        MIN_SHARE,
        5,
        _("计划外督查检查考核：最低占比（%）"),
        _(
            "计划外的占本单位本年全部督查检查考核的比例达到此数才预警；"
            "达到两倍、四倍，且统计证据也强时，预警级别相应提高。"
        ),
        "business",
        1,
        100,
    ),
    SettingDef(
        FDR,
        10.0,
        _("计划外督查检查考核：错误发现率（%）"),
        _(
            "同一次运行中对所有单位逐一检验，预警中纯属偶然的比例预计不超过此数"
            "（Benjamini–Hochberg 方法）。数值越小，预警越少、越可靠。"
        ),
        "business",
        0.1,
        20,
    ),
)

SETTINGS = (MIN_COUNT, MIN_SHARE, FDR)

TESTS["out_of_plan_binomial"] = _(
    "按全体其他单位计划外督查检查考核的一般占比，检验本单位计划外的项数是否多得超出偶然。"
)
FIGURES["inspections"] = _("督查检查考核（本年）")
FIGURES["out_of_plan_share"] = _("计划外占比")
FIGURES["background_share"] = _("全体单位计划外的一般占比")


# Units this far out against the first background (p below it, mid-p binomial) are left out of
# the second: they are what the test looks for, not the background.
OUTLIER_P = 0.001


def _background(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Each unit's background: the out-of-plan share of every other unit together, with the
    prior, in two passes — the second without the units whose own share is far beyond the
    first (p < OUTLIER_P). Why: the pooled share is a mean, and one unit running a third of
    forty inspections outside the plan lifts a small city's background from 2 % to 4 %, which
    halves the evidence against every other unit — a robust estimate of what clean units do
    must not be set by the units under suspicion."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)

    def others(keep: np.ndarray) -> np.ndarray:
        kk, nn = np.where(keep, k, 0.0), np.where(keep, n, 0.0)
        return (kk.sum() - kk + BACKGROUND_PRIOR * BACKGROUND_WEIGHT) / (
            nn.sum() - nn + BACKGROUND_WEIGHT
        )

    first = others(np.ones(len(k), dtype=bool))
    far = (n > 0) & (counts.share_excess_p(k, n, first) < OUTLIER_P)
    return others(~far)


def evaluate(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    year, month = as_of.year, as_of.month
    # Last year too, only to share the category's one read with the other rules of the run.
    ids, values = reads.usage_array(
        category=Category.INSPECTION, years=[year, year - 1], fields=["total", "out_of_plan"]
    )
    if not len(ids):
        return []
    monthly = values[:, 0, :, 1]
    n = values[:, 0, :month, 0].sum(axis=1)
    k = monthly[:, :month].sum(axis=1)
    background = _background(k, n)
    tested = n >= settings[MIN_COUNT]
    if not tested.any():
        return []
    p = np.ones(len(ids))
    q = np.ones(len(ids))
    p[tested] = counts.share_excess_p(k[tested], n[tested], background[tested])
    q[tested] = counts.q_values(p[tested])
    fdr = settings[FDR] / 100
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(n > 0, k / np.maximum(n, 1) * 100, 0.0)
    hit = tested & (k >= settings[MIN_COUNT]) & (pct >= settings[MIN_SHARE]) & (q <= fdr)
    asked = None if unit_ids is None else set(unit_ids)
    found = [int(i) for i in np.flatnonzero(hit) if asked is None or int(ids[i]) in asked]
    if not found:
        return []
    inspections = reads.record_ids(
        INSPECTION.model,
        INSPECTION.date_field,
        unit_ids=[int(ids[i]) for i in found],
        start=dt.date(year, 1, 1),
        end=dt.date(year, month, calendar.monthrange(year, month)[1]),
        condition=Q(in_plan=False),
    )
    findings = []
    for i in found:
        unit_id, out, total = int(ids[i]), int(k[i]), int(n[i])
        record_ids, counted = inspections.get(unit_id, ([], out))
        findings.append(
            Finding(
                unit_id=unit_id,
                period=year_period(year),
                subject="",
                severity=counts.severity(
                    counts.effect_grade(float(pct[i]), settings[MIN_SHARE]), float(q[i]), fdr
                ),
                conditions=("out_of_plan",),
                evidence={
                    "conditions": ["out_of_plan"],
                    "as_of": as_of.isoformat(),
                    "figures": [
                        figure("out_of_plan", out),
                        figure("inspections", total),
                        figure("out_of_plan_share", share(out, total), "pct"),
                        figure("background_share", float(background[i]) * 100, "pct"),
                    ],
                    "series": [series("out_of_plan", [(year, monthly[i].tolist())], month)],
                    "records": records(INSPECTION.model._meta.label_lower, record_ids, counted),
                    "against_chance": chance(
                        "out_of_plan_binomial",
                        out,
                        total * float(background[i]),
                        float(p[i]),
                        tested=int(tested.sum()),
                        q=float(q[i]),
                        support=total,
                    ),
                },
            )
        )
    return findings


def headline(subject: str, evidence: dict) -> str:
    v = {f["key"]: f["value"] for f in evidence.get("figures", [])}
    if "inspections" in v:
        return gettext(
            "本年 %(total)s 项督查检查考核中 %(n)s 项未列入年度计划（%(share)s%%，"
            "一般水平 %(background)s%%）"
        ) % {
            "total": v["inspections"],
            "n": v.get("out_of_plan"),
            "share": v.get("out_of_plan_share"),
            "background": v.get("background_share"),
        }
    return gettext("本年有 %(n)s 项督查检查考核未列入年度计划") % {"n": v.get("out_of_plan", 0)}


RULE = Rule(
    code="inspection_plan",
    label=_("计划外督查检查考核"),
    sentence=_(
        "本年计划外的督查检查考核至少 %(min_count)s 项、"
        "占本单位全部督查检查考核的 %(min_share)s%% 以上，"
        "且这一比例高于全体其他单位的一般水平、超出偶然"
        "（所有单位一起控制错误发现率 %(fdr_pct)s%%）；"
        "一两项计划外的只在登记中标明，不预警。"
    ),
    evaluate=evaluate,
    settings=SETTINGS,
    headline=headline,
)
