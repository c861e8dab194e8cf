"""The clue ledger's nightly job: signals of the configured rules left open become clues."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django_tasks import task

from jianfu.core import scheduler
from jianfu.core.scheduler import Job

JOB = "accountability.clues_escalate"


@task()
def escalate() -> list[int]:
    from jianfu.core.scope_guard import unscoped

    from . import services

    with unscoped():
        return services.escalate_signals()


def register() -> None:
    if not any(job.name == JOB for job in scheduler.JOBS):
        scheduler.register(Job(JOB, escalate, dt.time(3, 40), label=_("预警转为问题线索")))
