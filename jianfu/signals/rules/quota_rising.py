"""Rising (不降反升): a category up against the same months last year, beyond chance.

Year to date (the complete months of this year, see base.compared_months) against the same months
last year, in what counts against the quota; a unit with nothing registered last year has no
baseline and is not compared. Three things must hold:
- the rise is big enough to matter: a minimum increase in records and a minimum percentage (both
  settings), so that one document becoming two does not cry wolf;
- it is beyond chance: both years' counts are noisy, and registered counts vary more than Poisson.
  The baseline is the same months of the two earlier years together where the unit registered
  in both (a level from two years has half the noise of one: Var(log baseline) falls from
  φ/μ + τ² to φ/2μ + τ²/2), else last year alone. Given this year's and the baseline's sum,
  this year's part is binomial under the null (the conditional test for two rates), and the
  null is that the unit moved as the population did — the common trend (the median of the
  units' ratios, so that the units that rose do not set it; e.g. the burden-reduction policy's
  yearly fall) — rather than "no change", which is not what a clean unit does when everyone
  falls. Counts are scaled by the unit's own dispersion (counts.unit_dispersion: its 24 monthly
  counts of the two earlier years, the season taken out, shrunk toward the population's),
  widened by how much units' levels move from one year to the next (counts.year_to_year_variance,
  learnt from the two earlier years, so that this year's rises, real or planted, cannot inflate
  the allowance meant to judge them; see counts.baseline_dispersion). 10 → 17 inspections or
  6 → 9 is ordinary variation;
- the test survives false-discovery control: Benjamini–Hochberg across every unit tested for the
  category in the run (the whole population, even when the runner asks for a few units), and
  only units whose two years together hold a minimum number of records (a setting) are tested.
Severity combines the effect (past the percentage low, twice it medium, four times it high) with
the evidence (q at the rate set, a tenth of it, a hundredth): see counts.severity.
"""

import datetime as dt

import numpy as np
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef
from jianfu.registry.models import Category

from . import counts, reads
from .base import (
    CATEGORY_LABELS,
    FIGURES,
    TESTS,
    Finding,
    Rule,
    chance,
    compared_months,
    figure,
    month_range,
    series,
    year_period,
    year_periods_when_compared,
)

MIN_CHANGE = "signals.rising.min_change"
MIN_PCT = "signals.rising.min_pct"
MIN_SUPPORT = "signals.rising.min_support"
FDR = "signals.rising.fdr_pct"

runtime.define(
    SettingDef(
        MIN_CHANGE,
        3,
        _("不降反升：最少增加件数"),
        _("本年累计比上年同期至少多出这么多件才预警，避免“1 件变 2 件”之类的小数字误报。"),
        "business",
        1,
        1000,
    ),
    SettingDef(
        MIN_PCT,
        10,
        _("不降反升：最低增幅（%）"),
        _(
            "本年累计比上年同期增幅达到此比例才预警；增幅达到两倍、四倍，"
            "且统计证据也强时，预警级别相应提高。"
        ),
        "business",
        1,
        1000,
    ),
    SettingDef(
        MIN_SUPPORT,
        10,
        _("不降反升：参与检验的最少件数"),
        _("本年累计与上年同期合计不少于此数才做检验；件数太少时，任何增减都可能只是偶然。"),
        "business",
        1,
        1000,
    ),
    SettingDef(
        FDR,
        10.0,
        _("不降反升：错误发现率（%）"),
        _(
            "同一次运行中对所有单位逐一检验，预警中纯属偶然的比例预计不超过此数"
            "（Benjamini–Hochberg 方法）。数值越小，预警越少、越可靠。"
        ),
        "business",
        0.1,
        20,
    ),
)

SETTINGS = (MIN_CHANGE, MIN_PCT, MIN_SUPPORT, FDR)

TESTS["rise_quasi_poisson"] = _(
    "把本年与上年同期的件数都看作有随机波动（按本单位上年各月数据的离散程度，"
    "加上全体单位年度间的一般波动），检验本年多出的部分是否超出偶然。"
)
FIGURES["dispersion"] = _("随机波动系数（方差/均值）")
FIGURES["year_spread"] = _("各单位年度间的一般波动")


def evaluate(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    months = compared_months(as_of)
    if not months:
        return []
    asked = None if unit_ids is None else set(unit_ids)
    arrays = {c: _arrays(as_of.year, months, c) for c in Category.values}
    tau2 = _pooled_year_variance([a for a in arrays.values() if a is not None], settings)
    findings = []
    for category, a in arrays.items():
        if a is not None:
            findings += _category(as_of, months, category, asked, settings, a, tau2)
    return findings


def _arrays(year: int, months: int, category: str):
    """The category's monthly counts of this year and the two before, every unit's dispersion
    from the two earlier years, and the year-to-date sums; None when nothing is registered."""
    ids, values = reads.usage_array(
        category=category, years=[year, year - 1, year - 2], fields=["counted"]
    )
    if not len(ids):
        return None
    x = values[..., 0]
    # The dispersion from the two earlier years' months (24 months say more about a unit's spread
    # than 12): this year's hold the rise being tested, and a rise packed into one month would
    # pass for dispersion.
    phi = counts.unit_dispersion(x[:, 1:], np.ones((1, 12), dtype=bool))
    this, last, before = (x[:, k, :months].sum(axis=1) for k in range(3))
    return ids, x, phi, this, last, before


def _pooled_year_variance(arrays, settings) -> float | None:
    """τ² from the two earlier years of every category together: the units' levels move from
    year to year for the same ordinary reasons whatever they register, and a city has only a few
    dozen units per category big enough to say (the median-based estimate from thirty units is
    off by half its size either way; from ninety, much less). No planted or real rise of this
    year enters it. None when there are too few units with both years (the rule then learns it
    from this year against last, per category)."""
    last, before, phi = [], [], []
    for _ids, x, ph, _this, la, be in arrays:
        both = (x[:, 2].sum(axis=1) > 0) & (x[:, 1].sum(axis=1) > 0)
        both &= la + be >= settings[MIN_SUPPORT]
        last.append(la[both])
        before.append(be[both])
        phi.append(ph[both])
    if not last or sum(len(v) for v in last) < counts.MIN_UNITS_FOR_YEARS:
        return None
    return counts.year_to_year_variance(
        np.concatenate(last), np.concatenate(before), np.concatenate(phi)
    )


def _category(as_of, months, category, asked, settings, arrays, tau2) -> list[Finding]:
    year = as_of.year
    ids, x, phi, this, last, before = arrays
    # The baseline: last year and the year before together where the unit registered in both
    # (its level from two years is less noisy than from one), else last year alone.
    two = (x[:, 2].sum(axis=1) > 0) & (x[:, 1].sum(axis=1) > 0)
    base = np.where(two, last + before, last)
    base_years = np.where(two, 2, 1)
    # No baseline without a record last year; too few records to tell anything from chance.
    tested = (x[:, 1].sum(axis=1) > 0) & (this + last >= settings[MIN_SUPPORT])
    if not tested.any():
        return []
    # The null: the unit moved as the population did (the common trend, e.g. the burden-reduction
    # policy's yearly fall), estimated by medians so that the units that rose do not set it.
    trend = counts.common_ratio(this[tested], last[tested])
    trend_before = counts.common_ratio(last[tested & two], before[tested & two])
    ratio = np.where(two, trend / (1.0 + 1.0 / trend_before), trend)
    # How much levels move between years, from the two earlier years of every category (see
    # _pooled_year_variance); this year against last only when there is no such history.
    if tau2 is None:
        tau2 = counts.year_to_year_variance(this[tested], last[tested], phi[tested])
    phi = counts.baseline_dispersion(phi, tau2, this, base, ratio, base_years)
    p = counts.rise_p(this[tested], base[tested], phi[tested], ratio[tested])
    q = np.ones(len(ids))
    q[tested] = counts.q_values(p)
    pvalues = np.ones(len(ids))
    pvalues[tested] = p
    expected = (this + base) * ratio / (1.0 + ratio)
    change = this - last
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(last > 0, change / np.maximum(last, 1) * 100, np.inf)
    fdr = settings[FDR] / 100
    hit = tested & (q <= fdr) & (change >= settings[MIN_CHANGE]) & (pct >= settings[MIN_PCT])
    out = []
    for i in np.flatnonzero(hit):
        unit_id = int(ids[i])
        if asked is not None and unit_id not in asked:
            continue
        ytd, ytd_last = int(this[i]), int(last[i])
        has_pct = ytd_last > 0
        effect = (
            counts.effect_grade(float(pct[i]), settings[MIN_PCT])
            if has_pct
            else counts.effect_grade(ytd - ytd_last, settings[MIN_CHANGE])
        )
        out.append(
            Finding(
                unit_id=unit_id,
                period=year_period(year),
                subject=category,
                severity=counts.severity(effect, float(q[i]), fdr),
                conditions=("rising",),
                evidence={
                    "conditions": ["rising"],
                    "as_of": as_of.isoformat(),
                    "compared": month_range(year, months),
                    "figures": [
                        figure("months", months, "months"),
                        figure("this_ytd", ytd),
                        figure("last_ytd", ytd_last),
                        figure("change", ytd - ytd_last),
                        *([figure("change_pct", float(pct[i]), "pct")] if has_pct else []),
                        figure("dispersion", round(float(phi[i]), 2), "ratio"),
                        figure("year_spread", float(np.sqrt(tau2)) * 100, "pct"),
                    ],
                    "series": [
                        series(
                            "counted",
                            [(year, x[i, 0].tolist()), (year - 1, x[i, 1].tolist())],
                            months,
                        )
                    ],
                    "against_chance": chance(
                        "rise_quasi_poisson",
                        ytd,
                        float(expected[i]),
                        float(pvalues[i]),
                        tested=int(tested.sum()),
                        q=float(q[i]),
                        support=ytd + ytd_last,
                    ),
                },
            )
        )
    return out


def headline(subject: str, evidence: dict) -> str:
    values = {f["key"]: f["value"] for f in evidence.get("figures", [])}
    what = CATEGORY_LABELS.get(subject, subject)
    if "change_pct" in values:
        return gettext("%(what)s 1–%(m)s 月 %(this)s 件，比上年同期 %(last)s 件增加 %(pct)s%%") % {
            "what": what,
            "m": values.get("months"),
            "this": values.get("this_ytd"),
            "last": values.get("last_ytd"),
            "pct": values.get("change_pct"),
        }
    return gettext("%(what)s 1–%(m)s 月 %(this)s 件，上年同期为零") % {
        "what": what,
        "m": values.get("months"),
        "this": values.get("this_ytd"),
    }


RULE = Rule(
    code="quota_rising",
    label=_("不降反升"),
    sentence=_(
        "本年累计（已结束的月份）比上年同期增加至少 %(min_change)s 件、增幅至少 %(min_pct)s%%，"
        "且把两年的数都看作有随机波动（本单位各月的波动加上各单位年度间的一般波动）时"
        "增加仍超出偶然"
        "（两年合计至少 %(min_support)s 件才检验，所有单位一起控制错误发现率 %(fdr_pct)s%%）；"
        "计入指标的发文、会议、督查检查考核分别检验。"
    ),
    evaluate=evaluate,
    settings=SETTINGS,
    subjects=CATEGORY_LABELS,
    headline=headline,
    periods=year_periods_when_compared,
)
