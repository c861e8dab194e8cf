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
reached the points; −40% against 0% is relief on paper.

Both series are counts, and both swing by chance: a county registers a handful of inspections a
year (10 one year, 4 the next, by chance alone), its points answer with small numbers. The test
reads the two together, month by month (monitoring.felt.conditional): the points' total in a
month against the county's registered count that month (a quasi-Poisson model, the registered
count as exposure, one rate θ per year: what the points receive per registered record). Relief
that is real leaves θ where it was; records left unregistered while the points still receive
them raise it. So:
- the month-to-month swings both series share (a busy month is busy for the county and its
  points alike) cancel, instead of being counted twice as noise — the earlier test, the
  registered fall beyond chance and the gap against both series' variances each with its own
  dispersion from eight months, the county's p the larger of the two, found 1 of 48 planted
  counties on the planted-city bench (8 city and 2 province seeds), most of them with a gap of
  35–40 points; this one finds 42 of 48 (all 24 strong, 18 of 24 moderate), no clean county
  flagged (0 of 125), and 16 of 20 on city seeds 1–10;
- the registered series' own chance is not assumed away: a month with nothing registered while
  the points received eight is misfit, and raises the dispersion; a county whose small counts
  swing 10 → 1 by chance proves nothing (its months fit badly);
- the dispersion (Pearson χ² of the months about their year's θ, over this year's compared
  months and the two years before's twelve) is shrunk toward the one pooled over every county
  tested for the measure, as if a year of months of a typical county were added to its own
  (few counties in a city, eight months in September: a county's own estimate alone is too
  unsure, the pool alone ignores a county that does not fit);
- one-sided (θ rose), Student's t on the dispersion's degrees of freedom.
The registered fall's own chance (its Poisson variance times its dispersion) is shown beside, not
required: the gap's variance already holds the registered counts' chance. Across every county and
measure tested in the run (supported: at least 10 registered last year and 2 points reporting in
both years, settings) one Benjamini–Hochberg family at a rate (1%, a setting); a county short of
the effect lines (the registered fall at least 15%, the felt one at least 20 points less) counts
as tested with nothing found. The burden score (1–5) is shown beside; when it did not fall
either, the evidence says so. Levels are never compared (a county's output against one point's
share of it), only the direction of each.

Severity from effect and evidence: low; one step up when the gap is twice its line; one more
when the corrected p-value is ten times below the rate. The evidence carries both monthly series
for this year and last, the burden score's, and the chance figures (base.chance).
"""

import datetime as dt

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef
from jianfu.monitoring import stats
from jianfu.monitoring.felt import queries as felt
from jianfu.monitoring.models import SamplePoint

from . import truth_common as tc
from .base import FIGURES, SERIES, TESTS, Finding, Rule, chance, figure, month_range, series

TESTS["felt_both"] = _(
    "逐月以登记数为基数，比较样本点每件登记收到的数量今年是否比上年高出偶然范围"
    "（两边共有的月度起伏相互抵消，登记数自身的偶然起伏计入波动）。"
)

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
        5.0,
        _("登记与感受：错误发现率（%）"),
        _(
            "样本点每件登记收到的数量比上年升高须超出偶然（县里的小数字和样本点的小数字都会起伏）；"
            "按此错误发现率（Benjamini–Hochberg）校正多个县、多个指标同时检验后仍显著，才预警。"
        ),
        "business",
        0.01,
        10.0,
    ),
)
SETTINGS = (MIN_FALL, GAP, MIN_COUNT, MIN_POINTS, ALPHA)
PRIOR_DF = 12  # a county's dispersion shrunk toward the pooled one as if by a year of months

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
        "felt.chance": _("登记减少、感受未随之减少，两者偶然出现的概率"),
        "felt.p_registered": _("登记减少出于偶然的概率"),
        "felt.p_gap": _("若感受与登记同比例减少，偶然出现本年数量的概率"),
        "felt.q": _("多重检验校正后的 p 值"),
        "felt.tested": _("同时检验的县数"),
        "felt.dispersion_registered": _("登记数逐月波动（与泊松之比）"),
        "felt.dispersion_felt": _("样本点数字相对登记数的逐月波动（与泊松之比）"),
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
    years = [year, year - 1, year - 2]  # the year before last: for the counts' dispersion
    # Every county with points is tested, whatever the run asked for: the false-discovery
    # correction counts them all; findings are kept for the counties asked.
    everyone = counties_with_points(None)
    reg, fe = felt.registered(everyone, years), felt.felt(everyone, years)
    lines = lines_of(settings)
    asked = set(counties)
    tested: dict = {}  # (county, measure): the comparison
    for measure in felt.MEASURES:
        compared_ = {}
        for county in everyone:
            c = felt.compare(reg.get(county, {}), fe.get(county, {}), measure, year, months, lines)
            if c["tested"]:
                compared_[county] = c
        if not compared_:
            continue
        # The dispersion of the points' counts about the registered ones, pooled over every
        # county tested for the measure; each county's own shrunk toward it.
        chi2 = sum(c["conditional"]["chi2"] for c in compared_.values())
        df = sum(c["conditional"]["df"] for c in compared_.values())
        pooled = max(1.0, chi2 / df) if df else None
        for county, c in compared_.items():
            c["p"] = c["p_gap"] = felt.conditional_chance(c["conditional"], pooled, PRIOR_DF)
            tested[(county, measure)] = c
    if not tested:
        return []
    # One family: Benjamini–Hochberg across every county and measure tested in the run.
    ps = [c["p"] if c["effect"] else 1.0 for c in tested.values()]
    qs = dict(zip(tested, stats.benjamini_hochberg(ps), strict=True))
    findings = []
    for (county, measure), c in tested.items():
        qv = qs[(county, measure)]
        if county not in asked or not c["effect"] or qv > lines["alpha"]:
            continue
        findings.append(_finding(as_of, county, measure, c, float(qv), len(tested), reg, fe, lines))
    return findings


def _finding(as_of, county, measure, c, qv, tested, reg, fe, lines) -> Finding:
    year, months = compared(as_of)
    years = [year, year - 1]
    r, f = reg.get(county, {}), fe.get(county, {})
    reg_this, reg_last, reg_change = c["reg_this"], c["reg_last"], c["reg_change"]
    felt_this, felt_last, felt_change = c["felt_this"], c["felt_last"], c["felt_change"]
    gap, n_this = c["gap"], c["points"]
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
        figure("felt.p_registered", tc.sci(c["p_registered"]), "sci"),
        figure("felt.p_gap", tc.sci(c["p_gap"]), "sci"),
        figure("felt.chance", tc.sci(c["p"]), "sci"),
        figure("felt.q", tc.sci(qv), "sci"),
        figure("felt.tested", tested, "n"),
        figure("felt.dispersion_registered", c["dispersion"]["registered"], "ratio"),
        figure("felt.dispersion_felt", c["dispersion"]["felt"], "ratio"),
        figure("felt.points", n_this, "n"),
    ]
    if score_this is not None and score_last is not None:
        figures += [
            figure("felt.score_this", round(score_this, 2), "ratio"),
            figure("felt.score_last", round(score_last, 2), "ratio"),
        ]

    def rows(source, key):
        return [(y, source.get(key, {}).get(y, [None] * 12)) for y in years]

    strong_effect = gap >= 2 * lines["gap"]
    strong_evidence = qv <= lines["alpha"] / 10
    return Finding(
        unit_id=county,
        period=str(year),
        subject=measure,
        severity=1 + int(strong_effect) + int(strong_evidence),
        conditions=tuple(conditions),
        evidence={
            "conditions": conditions,
            "as_of": as_of.isoformat(),
            "compared": month_range(year, months),
            "figures": figures,
            "against_chance": chance(
                "felt_both",
                felt_this,
                c["expected_felt"],
                c["p"],
                tested=tested,
                q=qv,
                unit="n",
                support=c["support"],
            ),
            "series": [
                series(f"felt.registered.{measure}", rows(r, measure), months),
                series(f"felt.felt.{measure}", rows(f, measure), months),
                series("felt.felt.burden_score", rows(f, "burden_score"), months),
            ],
        },
    )


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
        "（两年都至少 %(min_points)s 个样本点填报），且逐月以登记数为基数，样本点每件登记收到的"
        "数量比上年升高超出偶然（经多个县、多个指标同时检验的校正，错误发现率 %(alpha_pct)s%%），"
        "即预警。"
    ),
    evaluate=evaluate,
    settings=SETTINGS,
    subjects=SUBJECTS,
    headline=headline,
    periods=periods,
    group="felt",
)
