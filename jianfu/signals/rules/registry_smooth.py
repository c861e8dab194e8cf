"""Registered counts too smooth (登记数量过于平稳): a unit whose documents, meetings or inspections
come to nearly the same number every month — exactly 4 documents a month for a year and more.

Records are events: a month with a conference and a deployment holds more than a quiet one, and
honest monthly counts vary at least as much as Poisson (variance = mean), usually more. A series
with far less spread than that was arranged to fit — registered to a schedule, or kept under a
monthly ceiling (the rest not registered). The test is the same as for the points' answers
(rules/dispersion.py):
- per unit and category, the records that count against the quota (the rollup's `counted`:
  what a unit keeps under a monthly ceiling is what it must report; the uncounted notices and
  work-group messages around them keep their honest spread and would hide the schedule) in
  the complete months of this year and last (up to 24 months);
- two spans, the one that says most taken and its p doubled (Bonferroni): every month read,
  each year about its own mean (the campaign's cut from one year to the next is not spread),
  and the last twelve months about their one mean (a unit that began this year to register to
  a schedule: in 24 months its honest months of last year dilute the smoothness; in the twelve
  it stands alone);
- support: at least 12 months in the span (a setting; months of a year with nothing registered
  at all are not counted — the unit did not use the registry then) and a mean of at least 2 a
  month (a setting: below it a series is mostly 0s and 1s, low-spread by nature; at a Poisson
  mean of 2 over 12 months the χ² lower tail is conservative — simulated, 0.7 % of series
  under p = 1 %, 0.06 % under 0.1 %);
- the dispersion index, its lower χ² tail against the smaller of Poisson and the typical ratio
  of units of the same kind at the same size, and the ratio at most a share of that (a
  setting);
- Benjamini–Hochberg across the units tested in the category and run, at a rate (a setting).
On the planted-city bench (8 city and 2 province seeds; a unit's counted documents the same
number every month of the third year, ± 1 now and then in the moderate case) the former reading
(every record, 24 months only, a mean of 3) found 0 of 48; this one 39 of 48 (all 24 strong),
no clean unit flagged (0 of 2,528).
One signal per unit, category and year. Severity as truth_smooth: low; up one when the ratio is
under half the floor; up one more when the corrected p-value is a hundred times below the rate.
"""

import datetime as dt

import numpy as np
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.models import Unit
from jianfu.core.runtime import SettingDef
from jianfu.monitoring import stats
from jianfu.registry.models import Category, MonthlyUsage

from . import dispersion
from .base import (
    CATEGORY_LABELS,
    FIGURES,
    SERIES,
    Finding,
    Rule,
    chance,
    compared_months,
    figure,
    series,
    year_period,
)
from .dispersion import exact

FDR = "signals.registry_smooth.fdr_pct"
MIN_MONTHS = "signals.registry_smooth.min_months"
MIN_MEAN = "signals.registry_smooth.min_mean"
MAX_RATIO = "signals.registry_smooth.max_ratio_pct"

runtime.define(
    SettingDef(
        FDR,
        1.0,
        _("登记过于平稳：错误发现率（%）"),
        _(
            "按此错误发现率（Benjamini–Hochberg）校正多个单位同时检验后，"
            "每月登记数量的波动仍显著小于偶然应有的，才预警。"
        ),
        "business",
        0.01,
        10.0,
    ),
    SettingDef(
        MIN_MONTHS,
        12,
        _("登记过于平稳：最少月数"),
        _("本年和上年已结束的月份中，至少此数个月（全年无登记的年份不计）才检验。"),
        "business",
        6,
        24,
    ),
    SettingDef(
        MIN_MEAN,
        2.0,
        _("登记过于平稳：月均件数最小值"),
        _("月均登记不少于此数才检验（每月一次例会这样的小数字本来就波动很小）。"),
        "business",
        1.0,
        100.0,
    ),
    SettingDef(
        MAX_RATIO,
        50,
        _("登记过于平稳：方差与均值之比上限（占参照的 %）"),
        _(
            "每月登记数量的方差与均值之比，不超过参照（泊松分布为 1，同类单位更平稳时取其典型值）"
            "的此比例，才算“波动过小”。"
        ),
        "business",
        1,
        100,
    ),
)
SETTINGS = (FDR, MIN_MONTHS, MIN_MEAN, MAX_RATIO)

FIGURES.update(
    {
        "smooth.mean": _("月均登记"),
        "smooth.variance": _("方差（扣除年度差异）"),
        "smooth.dispersion": _("方差与均值之比"),
        "smooth.peer_dispersion": _("同类单位的方差与均值之比（同等规模，典型值）"),
        "smooth.p": _("波动这么小的偶然概率"),
        "smooth.q": _("多重检验校正后的 p 值"),
        "smooth.tested": _("同时检验的单位数"),
        "smooth.months": _("参与检验的月份"),
    }
)
SERIES["smooth.total"] = _("每月登记的数量（全部）")

CATEGORIES = [c.value for c in Category]


def settings_of(settings: dict) -> dict:
    return {
        "fdr": float(settings[FDR]) / 100,
        "min_months": int(settings[MIN_MONTHS]),
        "min_mean": float(settings[MIN_MEAN]),
        "max_ratio": float(settings[MAX_RATIO]) / 100,
    }


def read(as_of: dt.date) -> dict | None:
    """Every unit's monthly totals per category over the complete months of this year and last:
    {"units": (U,), "kinds": (U,), "values": {category: (U, months)}, "years": (months,)}: one
    query (the category as a number, so the rows go straight into an array: a province has
    thousands of issuing units) and one for the units' kinds."""
    year, done = as_of.year, compared_months(as_of)
    n_t = 12 + done
    code = Case(
        *[When(category=c, then=Value(i)) for i, c in enumerate(CATEGORIES)],
        default=Value(-1),
        output_field=IntegerField(),
    )
    qs = (
        MonthlyUsage.objects.filter(year__in=[year - 1, year])
        .exclude(year=year, month__gt=done)
        .annotate(code=code)
        .values_list("unit_id", "code", "year", "month", "counted")
        .order_by()
    )
    rows = np.array(list(qs), dtype=np.int64).reshape(-1, 5)
    rows = rows[rows[:, 1] >= 0]
    if not rows.size:
        return None
    units, index = np.unique(rows[:, 0], return_inverse=True)
    t = (rows[:, 2] - year + 1) * 12 + rows[:, 3] - 1
    values = {}
    for i, category in enumerate(CATEGORIES):
        mine = rows[:, 1] == i
        v = np.zeros((units.size, n_t))
        np.add.at(v, (index[mine], t[mine]), rows[mine, 4])
        values[category] = v
    kinds: dict[int, str] = {}
    ids = units.tolist()
    for i in range(0, len(ids), 2000):
        kinds.update(Unit.objects.filter(pk__in=ids[i : i + 2000]).values_list("pk", "kind"))
    return {
        "year": year,
        "done": done,
        "units": units,
        "kinds": [kinds.get(u, "") for u in ids],
        "values": values,
        "years": np.array([year - 1] * 12 + [year] * done),
    }


def test(values: np.ndarray, years: np.ndarray, kinds, lines: dict) -> dict:
    """Per unit (row): the dispersion figures, the peers' ratio, the reference, p and whether it
    was tested, over the span that says most of two (Bonferroni over the spans tested): every
    month read (this year's and last, each about its own year's mean) and the last twelve
    (one mean: a unit that began to register to a schedule this year is smooth in these twelve,
    not in the twenty-four, where last year's honest months dilute it)."""
    n_t = values.shape[1]
    recent = np.zeros(n_t, dtype=bool)
    recent[max(0, n_t - 12) :] = True
    spans = [
        _span(values, years, kinds, lines, lines["min_months"]),
        _span(
            values[:, recent],
            np.zeros(int(recent.sum()), dtype=int),
            kinds,
            lines,
            min(lines["min_months"], 12),
        ),
    ]
    out = dispersion.best_span(spans, spans[0])
    out["tested"] = np.isfinite(out["p"])
    out["p"] = np.where(out["tested"], out["p"], 1.0)
    return out


def _span(values: np.ndarray, years: np.ndarray, kinds, lines: dict, min_months: int) -> dict:
    w = dispersion.within_years(values, years)
    return {**w, **dispersion.judge(w, kinds, lines, min_months)}


def evaluate(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    data = read(as_of)
    if data is None:
        return []
    lines = settings_of(settings)
    asked = None if unit_ids is None else set(unit_ids)
    findings = []
    for category in CATEGORIES:
        values = data["values"][category]
        t = test(values, data["years"], data["kinds"], lines)
        tested = np.flatnonzero(t["tested"])
        if not tested.size:
            continue
        q = stats.benjamini_hochberg(t["p"][tested])
        for i, qv in zip(tested, q, strict=True):
            unit_id = int(data["units"][i])
            if qv > lines["fdr"] or (asked is not None and unit_id not in asked):
                continue
            findings.append(
                _finding(as_of, data, category, i, t, float(qv), int(tested.size), lines)
            )
    return findings


def _finding(as_of, data, category, i, t, qv, tested, lines) -> Finding:
    year, done = data["year"], data["done"]
    row = data["values"][category][i]
    ratio, reference = float(t["ratio"][i]), float(t["reference"][i])
    strong_effect = ratio <= lines["max_ratio"] * reference / 2
    strong_evidence = qv <= lines["fdr"] / 100
    this = [int(v) for v in row[12:]] + [None] * (12 - done)
    last = [int(v) for v in row[:12]]
    p = float(t["p"][i])
    return Finding(
        unit_id=int(data["units"][i]),
        period=year_period(year),
        subject=category,
        severity=1 + int(strong_effect) + int(strong_evidence),
        conditions=("smooth",),
        evidence={
            "conditions": ["smooth"],
            "as_of": as_of.isoformat(),
            "compared": f"{year - 1}-01..{year}-{done:02d}" if done else f"{year - 1}-01..12",
            "smooth": {
                "months": int(t["months"][i]),
                "mean": round(float(t["mean"][i]), 2),
                "variance": round(float(t["variance"][i]), 2),
                "dispersion": round(ratio, 3),
                "peer_dispersion": round(float(t["peer"][i]), 3),
                "reference": round(reference, 3),
                "p": p,
                "q": qv,
            },
            "against_chance": chance(
                "dispersion_low",
                ratio,
                reference,
                p,
                tested=tested,
                q=qv,
                unit="ratio",
                support=int(row.sum()),
            ),
            "figures": [
                figure("smooth.months", int(t["months"][i]), "n"),
                figure("smooth.mean", round(float(t["mean"][i]), 2), "ratio"),
                figure("smooth.variance", round(float(t["variance"][i]), 2), "ratio"),
                exact("smooth.dispersion", round(ratio, 3), "ratio"),
                exact("smooth.peer_dispersion", round(float(t["peer"][i]), 3), "ratio"),
                figure("smooth.p", _sci(p), "sci"),
                figure("smooth.q", _sci(qv), "sci"),
                figure("smooth.tested", tested, "n"),
            ],
            "series": [series("smooth.total", [(year, this), (year - 1, last)], 12)],
        },
    )


def _sci(p: float) -> str:
    if p < 1e-15:
        return "< 1e-15"
    return f"{p:.3f}" if p >= 0.001 else f"{p:.1e}"


def headline(subject: str, evidence: dict) -> str:
    s = evidence.get("smooth", {})
    return gettext(
        "近 %(n)s 个月每月登记%(what)s约 %(mean)s 件，方差仅 %(var)s"
        "（方差与均值之比 %(ratio)s，同类单位约 %(peer)s）"
    ) % {
        "n": s.get("months"),
        "what": CATEGORY_LABELS.get(subject, subject),
        "mean": s.get("mean"),
        "var": s.get("variance"),
        "ratio": s.get("dispersion"),
        "peer": s.get("peer_dispersion"),
    }


RULE = Rule(
    code="registry_smooth",
    label=_("登记数量过于平稳"),
    sentence=_(
        "单位本年和上年已结束的月份中（至少 %(min_months)s 个月、月均至少 %(min_mean)s 件），"
        "每月登记的发文、会议或督查检查考核数量，方差与均值之比不超过参照（泊松分布的 1，"
        "同类单位更平稳时取其典型值）的 %(max_ratio_pct)s%%，且卡方检验显示偶然难以这么平稳，"
        "经多个单位同时检验的校正（错误发现率 %(fdr_pct)s%%）后仍显著，即预警。"
    ),
    evaluate=evaluate,
    settings=SETTINGS,
    subjects=CATEGORY_LABELS,
    headline=headline,
    group="quota",
)
