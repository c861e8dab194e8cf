"""The signal for units that stay silent (信息报送逾期未报): a unit reminded that it owed a piece
(a commission past its deadline, or a schedule's period with nothing sent) and still without one
the grace days after the reminder. One signal per requirement and period (subject
"r<requirement>:<period>"), period the deadline's year. Severity: a schedule's period "low", a
commission "medium", "high" once the unit has missed the threshold's number of deadlines in the
year. A piece sent afterwards resolves it on the next run.

Registered into the signals' RULES by setup.ready() (signals sits below supervision)."""

import datetime as dt
from collections import Counter

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import periods, runtime
from jianfu.core.runtime import SettingDef
from jianfu.signals.rules.base import FIGURES, Finding, Rule, figure

from .models import ReportingReminder, Submission
from .queries import in_days
from .reminders import ONCE

GRACE = "reporting.signal_grace_days"
HIGH = "reporting.signal_high_misses"

runtime.define(
    SettingDef(
        GRACE,
        5,
        _("信息报送逾期：催报后宽限天数"),
        _("单位逾期未报收到催报后，超过此天数仍未报送即预警。"),
        "business",
        0,
        60,
    ),
    SettingDef(
        HIGH,
        3,
        _("信息报送逾期：严重（年内逾期次数）"),
        _("同一单位一年内逾期未报达到此次数，预警为“严重”。"),
        "business",
        1,
        50,
    ),
)

FIGURES.update(
    {
        "requirement": _("报送要求"),
        "reporting_period": _("报送期"),
        "reporting_deadline": _("截止日期"),
        "quota": _("应报篇数"),
        "submitted": _("已报篇数"),
        "reminded_on": _("催报日期"),
        "days_since_reminder": _("催报后已过"),
        "misses_in_year": _("年内逾期未报次数"),
    }
)


class _NoSubjectLabel(dict):
    def get(self, key, default=None):
        return super().get(key, "")


def _periods(as_of: dt.date) -> list[str]:
    from jianfu.signals.models import Signal, SignalStatus

    held = Signal.objects.filter(rule=CODE, status=SignalStatus.OPEN)
    return sorted(set(held.values_list("period", flat=True).distinct()) | {str(as_of.year)})


def evaluate(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    grace = int(settings[GRACE])
    reminders = ReportingReminder.objects.filter(
        sent_on__lte=as_of - dt.timedelta(days=grace)
    ).select_related("requirement")
    if unit_ids is not None:
        reminders = reminders.filter(unit_id__in=unit_ids)
    silent = []
    for r in reminders:
        subs = Submission.objects.filter(requirement=r.requirement, unit_id=r.unit_id)
        if r.period != ONCE:
            subs = subs.filter(in_days(*periods.bounds(r.period)))
        if not subs.exists():
            silent.append(r)
    misses = Counter((r.unit_id, r.deadline.year) for r in silent)
    findings = []
    for r in silent:
        req = r.requirement
        n = misses[(r.unit_id, r.deadline.year)]
        severity = 2 if req.is_commission else 1
        if n >= int(settings[HIGH]):
            severity = 3
        findings.append(
            Finding(
                unit_id=r.unit_id,
                period=str(r.deadline.year),
                subject=f"r{req.pk}:{r.period}",
                severity=severity,
                conditions=("silent",),
                evidence={
                    "conditions": ["silent"],
                    "as_of": as_of.isoformat(),
                    "requirement_id": req.pk,
                    "title": req.title,
                    "deadline": r.deadline.isoformat(),
                    "reminded_on": r.sent_on.isoformat(),
                    "figures": [
                        figure("requirement", req.title, "text"),
                        figure("reporting_period", "" if r.period == ONCE else r.period, "text"),
                        figure("reporting_deadline", r.deadline.isoformat(), "date"),
                        figure("quota", req.quota),
                        figure("submitted", 0),
                        figure("reminded_on", r.sent_on.isoformat(), "date"),
                        figure("days_since_reminder", (as_of - r.sent_on).days, "days"),
                        figure("misses_in_year", n, "times"),
                    ],
                },
            )
        )
    return findings


def headline(subject: str, evidence: dict) -> str:
    return gettext("“%(t)s”截至 %(d)s 未报送，%(r)s 催报后仍未报送") % {
        "t": evidence.get("title", ""),
        "d": evidence.get("deadline", ""),
        "r": evidence.get("reminded_on", ""),
    }


CODE = "reporting_silent"
RULE = Rule(
    code=CODE,
    label=_("信息报送逾期未报"),
    sentence=_(
        "单位在报送要求或约稿截止时未报送任何信息，催报 %(signal_grace_days)s 天后仍未报送即预警；"
        "一年内逾期未报达到 %(signal_high_misses)s 次为严重。"
    ),
    evaluate=evaluate,
    settings=(GRACE, HIGH),
    subjects=_NoSubjectLabel(),
    headline=headline,
    periods=_periods,
    group="supervision",
)


def register() -> None:
    from jianfu.signals import rules, views

    rules.RULES[CODE] = RULE
    views.RULE_GROUPS.setdefault("supervision", _("督查督办"))
