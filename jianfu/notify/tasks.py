"""Background work of the notifications (django-tasks): each new delivery is tried once when the
send commits; the due-deliveries job, every minute from the scheduler, takes the retries."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django_tasks import task

from jianfu.core import scheduler
from jianfu.core.scheduler import Job

DUE_JOB = "notify.deliveries"
DUE_EVERY = dt.timedelta(minutes=1)


@task()
def deliver(delivery_id: int) -> str:
    from . import services

    return services.deliver(delivery_id)


@task()
def deliver_due() -> dict:
    from . import services

    return services.deliver_due()


def connect() -> None:
    """Schedule the due-deliveries job (AppConfig.ready)."""
    if not any(job.name == DUE_JOB for job in scheduler.JOBS):
        scheduler.register(
            Job(DUE_JOB, deliver_due, every=DUE_EVERY, label=_("发送邮件和群机器人消息"))
        )
