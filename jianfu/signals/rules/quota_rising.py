"""Rising (不降反升): a category up against the same months last year.

Year to date (the complete months of this year, see base.compared_months) against the same months
last year, in what counts against the quota; a unit with nothing registered last year has no
baseline and is not compared. Both a minimum increase in records and a minimum
percentage must be passed, so that one document becoming two does not cry wolf. Severity grows
with the percentage: past the threshold low, twice it medium, four times it high.
"""

import datetime as dt

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef
from jianfu.registry.models import Category

from . import reads
from .base import (
    CATEGORY_LABELS,
    Finding,
    Rule,
    compared_months,
    figure,
    graded,
    month_range,
    pct_change,
    series,
    year_period,
    year_periods_when_compared,
)

MIN_CHANGE = "signals.rising.min_change"
MIN_PCT = "signals.rising.min_pct"

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
        _("本年累计比上年同期增幅达到此比例才预警；达到两倍为中度，四倍为严重。"),
        "business",
        1,
        1000,
    ),
)

SETTINGS = (MIN_CHANGE, MIN_PCT)


def evaluate(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    months = compared_months(as_of)
    if not months:
        return []
    year = as_of.year
    min_change, min_pct = settings[MIN_CHANGE], settings[MIN_PCT]
    findings = []
    for category in Category.values:
        data = reads.usage(
            category=category, years=[year, year - 1], unit_ids=unit_ids, fields=["counted"]
        )
        for unit_id in {u for u, y in data if y == year}:
            this = data[(unit_id, year)]["counted"]
            last = data.get((unit_id, year - 1), {"counted": [0] * 12})["counted"]
            if not any(last):
                continue  # nothing registered last year: no baseline (a unit new to the registry)
            ytd, ytd_last = sum(this[:months]), sum(last[:months])
            change = ytd - ytd_last
            pct = pct_change(ytd, ytd_last)
            if change < min_change or (pct is not None and pct < min_pct):
                continue
            findings.append(
                Finding(
                    unit_id=unit_id,
                    period=year_period(year),
                    subject=category,
                    severity=1 if pct is None else graded(pct, min_pct),
                    conditions=("rising",),
                    evidence={
                        "conditions": ["rising"],
                        "as_of": as_of.isoformat(),
                        "compared": month_range(year, months),
                        "figures": [
                            figure("months", months, "months"),
                            figure("this_ytd", ytd),
                            figure("last_ytd", ytd_last),
                            figure("change", change),
                            *([figure("change_pct", pct, "pct")] if pct is not None else []),
                        ],
                        "series": [series("counted", [(year, this), (year - 1, last)], months)],
                    },
                )
            )
    return findings


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
        "本年累计（已结束的月份）比上年同期增加至少 %(min_change)s 件且增幅至少 %(min_pct)s%%"
        "（计入指标的发文、会议、督查检查考核）。"
    ),
    evaluate=evaluate,
    settings=SETTINGS,
    subjects=CATEGORY_LABELS,
    headline=headline,
    periods=year_periods_when_compared,
)
