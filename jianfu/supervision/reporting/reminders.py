"""Reminders to units that submitted nothing by a deadline: a commission (约稿) addressed to
them whose deadline passed (in the last REMIND_WINDOW_DAYS days), or a schedule's period just
ended without one piece for it. Sent by the nightly job through the notifications, recorded
(ReportingReminder) and never twice: once per requirement, unit and period (the notice's key
says the same)."""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from jianfu import notify
from jianfu.core import clock, periods

from .models import ReportingReminder, ReportingRequirement, RequirementKind, Submission
from .queries import in_days

KIND = "supervision.reporting_reminder"
ONCE = "once"  # the period of a commission: it has one deadline
REMIND_WINDOW_DAYS = 30


def candidates(today: dt.date) -> list[tuple[ReportingRequirement, int, str, dt.date]]:
    """(requirement, unit id, period, deadline) of every unit owing a piece past a deadline."""
    out = []
    commissions = ReportingRequirement.objects.filter(
        kind=RequirementKind.COMMISSION,
        closed=False,
        deadline__lt=today,
        deadline__gte=today - dt.timedelta(days=REMIND_WINDOW_DAYS),
    )
    for req in commissions:
        answered = set(Submission.objects.filter(requirement=req).values_list("unit_id", flat=True))
        for unit_id in req.targets.values_list("pk", flat=True):
            if unit_id not in answered:
                out.append((req, unit_id, ONCE, req.deadline))
    schedules = ReportingRequirement.objects.filter(kind=RequirementKind.SCHEDULE, closed=False)
    for req in schedules:
        key = periods.shift(periods.key_of(today, req.period_type), -1)
        start, end = periods.bounds(key)
        if req.starts_on > start:
            continue  # the period began before the requirement: not owed in full
        sent = set(
            Submission.objects.filter(requirement=req)
            .filter(in_days(start, end))
            .values_list("unit_id", flat=True)
        )
        for unit_id in req.targets.values_list("pk", flat=True):
            if unit_id not in sent:
                out.append((req, unit_id, key, end))
    return out


@transaction.atomic
def reminders_due(today: dt.date | None = None) -> int:
    """Remind every unit owing a piece; returns how many reminders were new."""
    today = today or clock.today()
    found = candidates(today)
    if not found:
        return 0
    done = set(
        ReportingReminder.objects.filter(
            requirement_id__in={r.pk for r, *_rest in found}
        ).values_list("requirement_id", "unit_id", "period")
    )
    fresh = [c for c in found if (c[0].pk, c[1], c[2]) not in done]
    if not fresh:
        return 0
    from jianfu.core.models import Unit

    units = Unit.objects.in_bulk({c[1] for c in fresh})
    ReportingReminder.objects.bulk_create(
        [
            ReportingReminder(requirement=r, unit_id=u, period=p, deadline=d, sent_on=today)
            for r, u, p, d in fresh
        ]
    )
    items = []
    for req, unit_id, period, deadline in fresh:
        unit = units[unit_id]
        if period == ONCE:
            subject = _("约稿逾期未报：%(t)s") % {"t": req.title}
            body = _("%(u)s：约稿“%(t)s”已于 %(d)s 截止，贵单位尚未报送，请尽快报送。") % {
                "u": unit.name,
                "t": req.title,
                "d": deadline.isoformat(),
            }
        else:
            subject = _("%(p)s信息报送未完成：%(t)s") % {"p": period, "t": req.title}
            body = _("%(u)s：%(p)s应报送信息 %(n)s 篇（%(t)s），贵单位未报送，请尽快报送。") % {
                "u": unit.name,
                "p": period,
                "n": req.quota,
                "t": req.title,
            }
        items.append(
            notify.item(
                key=f"{KIND}:{req.pk}:{unit_id}:{period}",
                recipients=[unit],
                subject=subject,
                body=body,
                link=reverse("reporting_todo"),
            )
        )
    notify.send_many(KIND, items)
    return len(fresh)
