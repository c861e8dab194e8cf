"""Background jobs of rectification (django-tasks): every morning, the reminders of measures that
became overdue. Thin wrappers over the problems' services."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django_tasks import task

from jianfu.core import scheduler
from jianfu.core.scheduler import Job

OVERDUE_JOB = "rectification.overdue_reminders"
OVERDUE_AT = dt.time(8, 40)


@task()
def overdue_reminders() -> int:
    from .problems import reminders

    return reminders.overdue_reminders()


def connect() -> None:
    """Schedule the daily job (AppConfig.ready)."""
    if not any(job.name == OVERDUE_JOB for job in scheduler.JOBS):
        scheduler.register(Job(OVERDUE_JOB, overdue_reminders, OVERDUE_AT, label=_("整改逾期提醒")))
