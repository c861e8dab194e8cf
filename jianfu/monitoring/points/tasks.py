"""Background jobs of the monitoring app (django-tasks): reminders to the reporters of points whose
report is missing — daily, and when the office asks. Thin wrappers over services."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django_tasks import task

from jianfu.core import scheduler
from jianfu.core.scheduler import Job

DAILY_JOB = "monitoring.reminders"
DAILY_AT = dt.time(8, 30)


@task()
def daily_reminders() -> list[dict]:
    """Every morning: before-due and overdue reminders (never twice for a point, period, kind)."""
    from . import services

    return services.reminders_due()


@task()
def send_reminders(
    form_code: str, period: str, by_id: int, point_ids: list[int] | None = None
) -> dict:
    """The office's "send reminders now" for a period (all missing points in its scope, or the
    ones it picked)."""
    from jianfu.core.models import User

    from . import services

    by = User.objects.select_related("home_unit").get(pk=by_id)
    return services.reminders_send(
        by=by, form_code=form_code, period=period, kind="manual", point_ids=point_ids
    )


def connect() -> None:
    """Schedule the daily job (AppConfig.ready)."""
    if not any(job.name == DAILY_JOB for job in scheduler.JOBS):
        scheduler.register(Job(DAILY_JOB, daily_reminders, DAILY_AT, label=_("样本点填报提醒")))
