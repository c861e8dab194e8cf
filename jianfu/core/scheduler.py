"""A small scheduler for the worker: django-tasks has none.

Each job has a row with its next run time. A worker claims a run with a conditional UPDATE (only
the worker that moves next_run_at from the value it read wins), so several workers, or a worker
started twice, enqueue each run once.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import clock
from .models import ScheduledJob

log = logging.getLogger("jianfu.scheduler")


@dataclass(frozen=True)
class Job:
    name: str
    task: Any  # a django-tasks Task
    at: dt.time | None = None  # local time of day, for a daily job
    every: dt.timedelta | None = None  # or an interval (the notifications' due deliveries)
    label: str = ""  # what the system administrator's status page calls it


JOBS: list[Job] = []


def register(job: Job) -> None:
    JOBS.append(job)


def _next_at(job: Job, after: dt.datetime) -> dt.datetime:
    if job.every is not None:
        return after + job.every
    local = timezone.localtime(after)
    candidate = timezone.make_aware(dt.datetime.combine(local.date(), job.at))
    if candidate <= after:
        candidate = timezone.make_aware(
            dt.datetime.combine(local.date() + dt.timedelta(days=1), job.at)
        )
    return candidate


def tick() -> list[str]:
    """Enqueue every job that is due; return the names enqueued."""
    now = clock.now()
    started = []
    for job in JOBS:
        row, created = ScheduledJob.objects.get_or_create(
            name=job.name, defaults={"next_run_at": _next_at(job, now)}
        )
        if created or row.next_run_at > now:
            continue
        claimed = ScheduledJob.objects.filter(pk=row.pk, next_run_at=row.next_run_at).update(
            next_run_at=_next_at(job, now), last_run_at=now
        )
        if claimed:
            job.task.enqueue()
            started.append(job.name)
            log.info("scheduled job %s enqueued", job.name)
    return started


def _register_core() -> None:
    from .tasks import (
        audit_checkpoint,
        disable_stale_accounts,
        prune_task_results,
        remove_orphan_uploads,
        sweep_import_jobs,
    )

    register(Job("audit.checkpoint", audit_checkpoint, dt.time(1, 30), label=_("写出审计链头")))
    register(Job("imports.sweep", sweep_import_jobs, dt.time(2, 30), label=_("取消过期的导入预览")))
    register(
        Job("imports.orphans", remove_orphan_uploads, dt.time(2, 40), label=_("清理遗留的上传文件"))
    )
    register(
        Job("tasks.prune", prune_task_results, dt.time(2, 50), label=_("清理已完成的后台任务记录"))
    )
    register(
        Job("accounts.expire", disable_stale_accounts, dt.time(3, 10), label=_("停用过期账户"))
    )


_register_core()
