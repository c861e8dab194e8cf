"""Felt against registered (登记减少而基层感受未减轻): a county whose registered figures fall
while what its sample points receive from it does not.

Per county with sample points and per measure — documents reaching the grassroots, meetings the
grassroots must attend, inspections the county organised (monitoring.felt says what is read on
each side) — the complete months of the year whose reports were due (January up to the month
before as_of) against the same months last year:
- registered: the county's and its departments' records, summed; at least 10 last year (a
  setting) so that a handful of records cannot make a fall;
- felt: what its points said they received from the county level, as a mean per reporting point
  and month (a missing report is not relief), from at least 2 points in both years (a setting).
A signal when the registered figure fell by at least 15% (a setting) and the felt one fell by
at least 20 percentage points less (a setting): −40% registered against −38% felt is relief that
reached the points; −40% against 0% is relief on paper. And the gap must be beyond chance: a few
points' small counts (half an inspection a month) swing by a quarter from one year to the next,
so the counts the points gave are tested against what they would be had they fallen as much as
the registered figure (two Poisson rates compared, conditionally binomial, one-sided, 1%, a
setting). The burden score (1–5) is shown beside;
when it did not fall either, the evidence says so. Levels are never compared (a county's output
against one point's share of it), only the direction of each.

Severity: low past the gap, medium at twice it, high at four times (base.graded). The evidence
carries both monthly series for this year and last, and the burden score's.
"""

import datetime as dt

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef
from jianfu.monitoring.felt import queries as felt
from jianfu.monitoring.models import SamplePoint

from . import truth_common as tc
from .base import FIGURES, SERIES, Finding, Rule, figure, graded, month_range, series

MIN_FALL = "signals.felt.min_fall_pct"
GAP = "signals.felt.gap_pp"
MIN_COUNT = "signals.felt.min_count"
MIN_POINTS = "signals.felt.min_points"
ALPHA = "signals.felt.alpha_pct"

runtime.define(
    SettingDef(
        MIN_FALL,
        15,
        _("登记与感受：登记数减少幅度（%）"),
        _(
            "县级登记的发至基层的文件、要求基层参加的会议或督查检查考核比上年同期减少至少此比例时比较。"
        ),
        "business",
        1,
        100,
    ),
    SettingDef(
        GAP,
        20,
        _("登记与感受：两者降幅之差（百分点）"),
        _("样本点感受到的降幅比登记的降幅少至少此数（百分点），即预警“减负只在纸面上”。"),
        "business",
        1,
        200,
    ),
    SettingDef(
        MIN_COUNT,
        10,
        _("登记与感受：上年同期登记最少件数"),
        _("上年同期登记不少于此数才比较，避免几件记录造成的大起大落。"),
        "business",
        1,
        10000,
    ),
    SettingDef(
        MIN_POINTS,
        2,
        _("登记与感受：最少样本点数"),
        _("本年和上年同期都至少有此数个样本点填报才比较。"),
        "business",
        1,
        100,
    ),
    SettingDef(
        ALPHA,
        1.0,
        _("登记与感受：显著性水平（%）"),
        _(
            "样本点收到的数量若与登记同比例减少，偶然出现本年这么多的概率低于此比例，"
            "才认为感受没有跟着减轻（少数样本点的小数字起伏很大）。"
        ),
        "business",
        0.01,
        10.0,
    ),
)
SETTINGS = (MIN_FALL, GAP, MIN_COUNT, MIN_POINTS, ALPHA)

SUBJECTS = {
    "documents": _("发至基层的文件"),
    "meetings": _("要求基层参加的会议"),
    "inspections": _("督查检查考核"),
}
FIGURES.update(
    {
        "felt.registered_this": _("县级登记（本年）"),
        "felt.registered_last": _("县级登记（上年同期）"),
        "felt.registered_change": _("登记增减"),
        "felt.felt_this": _("样本点平均每月收到（本年）"),
        "felt.felt_last": _("样本点平均每月收到（上年同期）"),
        "felt.felt_change": _("样本点感受增减"),
        "felt.gap": _("两者降幅之差"),
        "felt.score_this": _("负担感受评分（本年平均）"),
        "felt.score_last": _("负担感受评分（上年同期平均）"),
        "felt.points": _("填报的样本点"),
        "felt.chance": _("若感受与登记同比例减少，偶然出现本年数量的概率"),
    }
)
SERIES.update(
    {
        "felt.registered.documents": _("县级登记：发至基层的文件"),
        "felt.registered.meetings": _("县级登记：要求基层参加的会议"),
        "felt.registered.inspections": _("县级登记：督查检查考核"),
        "felt.felt.documents": _("样本点：平均每点收到县级文件"),
        "felt.felt.meetings": _("样本点：平均每点参加县级会议"),
        "felt.felt.inspections": _("样本点：平均每点接受县级督查检查"),
        "felt.felt.burden_score": _("样本点：负担感受评分（平均）"),
    }
)


def compared(as_of: dt.date) -> tuple[int, int]:
    """(year, months): the year of the last closed month and its months up to it; (year, 0) in
    January (nothing of this year is due)."""
    last = tc.last_closed(as_of)
    year, month = int(last[:4]), int(last[5:7])
    return (as_of.year, 0) if year != as_of.year else (year, month)


def periods(as_of: dt.date) -> list[str]:
    year, months = compared(as_of)
    return [str(year)] if months else []


def counties_with_points(unit_ids: list[int] | None) -> list[int]:
    qs = SamplePoint.objects.order_by().values_list("county_id", flat=True).distinct()
    counties = sorted(set(qs))
    if unit_ids is not None:
        asked = set(unit_ids)
        counties = [c for c in counties if c in asked]
    return counties


def evaluate(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    year, months = compared(as_of)
    if not months:
        return []
    counties = counties_with_points(unit_ids)
    if not counties:
        return []
    years = [year, year - 1]
    reg, fe = felt.registered(counties, years), felt.felt(counties, years)
    lines = lines_of(settings)
    findings = []
    for county in counties:
        r, f = reg.get(county, {}), fe.get(county, {})
        for measure in felt.MEASURES:
            c = felt.compare(r, f, measure, year, months, lines)
            if not c["diverging"]:
                continue
            reg_this, reg_last, reg_change = c["reg_this"], c["reg_last"], c["reg_change"]
            felt_this, felt_last, felt_change = c["felt_this"], c["felt_last"], c["felt_change"]
            gap, chance, n_this = c["gap"], c["chance"], c["points"]
            score_this = felt.mean_of(f.get("burden_score", {}), year, months)
            score_last = felt.mean_of(f.get("burden_score", {}), year - 1, months)
            conditions = ["registered_fell", "felt_did_not"]
            if score_this is not None and score_last is not None and score_this >= score_last:
                conditions.append("score_did_not")
            figures = [
                figure("months", months, "months"),
                figure("felt.registered_this", reg_this),
                figure("felt.registered_last", reg_last),
                figure("felt.registered_change", reg_change, "pct"),
                figure("felt.felt_this", round(felt_this, 1), "n"),
                figure("felt.felt_last", round(felt_last, 1), "n"),
                figure("felt.felt_change", felt_change, "pct"),
                figure("felt.gap", gap, "pp"),
                figure("felt.chance", tc.sci(chance), "sci"),
                figure("felt.points", n_this, "n"),
            ]
            if score_this is not None and score_last is not None:
                figures += [
                    figure("felt.score_this", round(score_this, 2), "ratio"),
                    figure("felt.score_last", round(score_last, 2), "ratio"),
                ]

            def rows(source, key):
                return [(y, source.get(key, {}).get(y, [None] * 12)) for y in years]

            findings.append(
                Finding(
                    unit_id=county,
                    period=str(year),
                    subject=measure,
                    severity=graded(gap, lines["gap"], base=1),
                    conditions=tuple(conditions),
                    evidence={
                        "conditions": conditions,
                        "as_of": as_of.isoformat(),
                        "compared": month_range(year, months),
                        "figures": figures,
                        "series": [
                            series(f"felt.registered.{measure}", rows(r, measure), months),
                            series(f"felt.felt.{measure}", rows(f, measure), months),
                            series("felt.felt.burden_score", rows(f, "burden_score"), months),
                        ],
                    },
                )
            )
    return findings


def lines_of(settings: dict) -> dict:
    return {
        "min_fall": float(settings[MIN_FALL]),
        "gap": float(settings[GAP]),
        "min_count": int(settings[MIN_COUNT]),
        "min_points": int(settings[MIN_POINTS]),
        "alpha": float(settings[ALPHA]) / 100,
    }


def headline(subject: str, evidence: dict) -> str:
    v = {f["key"]: f["value"] for f in evidence.get("figures", [])}
    return gettext(
        "1–%(m)s 月县级登记%(what)s %(r_l)s → %(r)s（%(rc)s%%），"
        "样本点平均每月收到 %(f_l)s → %(f)s（%(fc)s%%）"
    ) % {
        "m": v.get("months"),
        "what": SUBJECTS.get(subject, subject),
        "r_l": v.get("felt.registered_last"),
        "r": v.get("felt.registered_this"),
        "rc": _signed(v.get("felt.registered_change")),
        "f_l": v.get("felt.felt_last"),
        "f": v.get("felt.felt_this"),
        "fc": _signed(v.get("felt.felt_change")),
    }


def _signed(x) -> str:
    return "—" if x is None else f"{x:+.0f}"


RULE = Rule(
    code="felt_registered",
    label=_("登记减少而基层感受未减轻"),
    sentence=_(
        "与上年同期（已报的月份）相比：县级登记的发至基层的文件、要求基层参加的会议或督查检查考核"
        "减少至少 %(min_fall_pct)s%%（上年同期至少 %(min_count)s 件），而该县样本点平均每月"
        "收到的县级文件、会议或督查检查的降幅少至少 %(gap_pp)s 个百分点"
        "（两年都至少 %(min_points)s 个样本点填报），即预警。"
    ),
    evaluate=evaluate,
    settings=SETTINGS,
    subjects=SUBJECTS,
    headline=headline,
    periods=periods,
    group="felt",
)
