"""Background jobs of supervision items (django-tasks): every morning, the reminders before and
after each due date. Thin wrappers over reminders.py."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django_tasks import task

from jianfu.core import scheduler
from jianfu.core.scheduler import Job

REMINDERS_JOB = "supervision.item_reminders"
REMINDERS_AT = dt.time(8, 45)


@task()
def item_reminders() -> int:
    from jianfu.core.scope_guard import unscoped

    from . import reminders

    with unscoped():
        return reminders.nightly()


def connect() -> None:
    """Schedule the daily job (setup.ready)."""
    if not any(job.name == REMINDERS_JOB for job in scheduler.JOBS):
        scheduler.register(
            Job(REMINDERS_JOB, item_reminders, REMINDERS_AT, label=_("督办事项提醒"))
        )
