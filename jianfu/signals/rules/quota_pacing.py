"""Pacing (时间过半、任务过半): a unit burning its year's quota too fast.

For every unit and category with a quota this year, three conditions, each raising the one signal
of (unit, year, category) to its severity:
- the quota is already exceeded (high), or used up with the year still running (medium);
- over half (a setting) of the quota used within the first five months (a setting) — judged as
  soon as it happens, and standing for the rest of the year (medium);
- at the unit's own monthly profile of earlier years, the quota runs out before the year ends
  (low; only from the month a setting names, as a projection from a month or two is noise, and
  only when the projection stays over the quota after allowing for chance: one standard deviation
  of a count, √used, taken off what was used — three inspections in a quarter say little).

Reads the quota figures (registry.quotas.figures), which read the monthly rollup: a few grouped
reads for every unit at once.
"""

import datetime as dt
import math

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef
from jianfu.registry.quotas import figures

from .base import CATEGORY_LABELS, Finding, Rule, figure, series, year_period

EARLY_SHARE = "signals.pacing.early_share_pct"
EARLY_MONTHS = "signals.pacing.early_months"
FROM_MONTH = "signals.pacing.projection_from_month"

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
)

SETTINGS = (EARLY_SHARE, EARLY_MONTHS, FROM_MONTH)
SEVERITY = {"exceeded": 3, "used_up": 2, "early": 2, "exhaustion": 1}


def evaluate(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    year = as_of.year
    early_share = settings[EARLY_SHARE] / 100
    early_months = int(settings[EARLY_MONTHS])
    from_month = int(settings[FROM_MONTH])
    findings = []
    statuses = figures.quota_status(year=year, as_of=as_of, unit_ids=unit_ids, with_quota_only=True)
    for s in statuses:
        if s.limit is None:
            continue
        early_used = s.ytd(min(as_of.month, early_months))
        conditions = []
        if s.exceeded:
            conditions.append("exceeded")
        elif s.used >= s.limit > 0 and as_of < dt.date(year, 12, 31):
            conditions.append("used_up")
        if early_used > early_share * s.limit:
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
                evidence=_evidence(s, as_of, early_used, early_months, conditions),
            )
        )
    return findings


def _beyond_chance(s: figures.Status) -> bool:
    if s.share_profile <= 0:
        return False
    return (s.used - math.sqrt(s.used)) / s.share_profile > s.limit


def _evidence(s: figures.Status, as_of, early_used, early_months, conditions) -> dict:
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
    return {
        "conditions": list(conditions),
        "as_of": as_of.isoformat(),
        "early_months": early_months,
        "profile": s.profile,
        "figures": figs,
        "series": [series("counted", [(s.year, this_year), (s.year - 1, s.monthly_last)])],
    }


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
        "或前 %(early_months)s 个月已用超过全年指标的 %(early_share_pct)s%%；"
        "或自 %(projection_from_month)s 月起，按往年各月用量分布推算（扣除随机波动后），"
        "预计年底前用尽指标。"
    ),
    evaluate=evaluate,
    settings=SETTINGS,
    subjects=CATEGORY_LABELS,
    headline=headline,
)
