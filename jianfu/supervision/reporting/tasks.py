"""The nightly job of information reporting: reminders to units that submitted nothing by a
deadline, then the signal rule for those still silent after the grace days."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django_tasks import task

from jianfu.core import scheduler
from jianfu.core.scheduler import Job

REMINDER_JOB = "supervision.reporting_reminders"
REMINDER_AT = dt.time(8, 45)


@task()
def reporting_reminders() -> int:
    from jianfu.signals import runner

    from . import reminders
    from .rule import RULE

    sent = reminders.reminders_due()
    runner.run(rules=[RULE.code])
    return sent


def connect() -> None:
    if not any(job.name == REMINDER_JOB for job in scheduler.JOBS):
        scheduler.register(
            Job(REMINDER_JOB, reporting_reminders, REMINDER_AT, label=_("信息报送提醒"))
        )
