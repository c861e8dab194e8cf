"""Background jobs of the signals app (django-tasks): the rules after each registry import, the
rectification rules after each write on the ledger, and every rule every night. Thin wrappers over
runner.run."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django_tasks import TaskResultStatus, task

from jianfu.core import events, scheduler
from jianfu.core.scheduler import Job

NIGHTLY_JOB = "signals.rules"
NIGHTLY_AT = dt.time(2, 0)
RECTIFICATION_GROUP = "rectification"


@task()
def run_rules_after_import(import_id: int | None = None, unit_ids: list[int] | None = None) -> dict:
    """The rules for the units an import (or any write the registry announced) touched."""
    from jianfu.core import clock
    from jianfu.core.models import ImportRecord

    from . import runner

    if not unit_ids:
        return {}
    summary = runner.run(unit_ids=list(unit_ids)).summary()
    if import_id is not None:
        ImportRecord.objects.filter(pk=import_id).update(processed_at=clock.now())
    return summary


@task()
def run_rectification_rules(
    import_id: int | None = None, unit_ids: list[int] | None = None
) -> dict:
    """The rectification rules (overdue, returned, relapsed) after a write on the ledger. For every
    unit: the ledger's events name none, and the rules read only unfinished, returned or relapsed
    items, so a full run costs a few queries."""
    from . import runner

    return runner.run_rules(group=RECTIFICATION_GROUP).summary()


class Coalesced:
    """Subscribes a task so that a burst of changes (a ledger import, the demo: one event per row,
    all committed together) queues one run, not one per change: while a run is still waiting in the
    database queue, another is not added — the waiting one reads the data when it starts, so it
    covers every change committed before. Other backends queue (or run) every time."""

    def __init__(self, task):
        self.task = task

    def __eq__(self, other):
        return isinstance(other, Coalesced) and other.task == self.task

    def __hash__(self):
        return hash(self.task.module_path)

    def waiting(self) -> bool:
        try:
            from django_tasks_db.backend import DatabaseBackend
            from django_tasks_db.models import DBTaskResult
        except ImportError:  # pragma: no cover — another backend installed instead
            return False
        if not isinstance(self.task.get_backend(), DatabaseBackend):
            return False
        return DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=self.task.module_path
        ).exists()

    def enqueue(self, **kwargs):
        if self.waiting():
            return None
        return self.task.enqueue(**kwargs)


@task()
def run_all_rules() -> dict:
    """Nightly: every rule for every unit, as of today."""
    from . import runner

    return runner.run().summary()


def connect() -> None:
    """Subscribe to the registry's data events and schedule the nightly run (AppConfig.ready)."""
    events.subscribe("registry", run_rules_after_import)
    events.subscribe("rectification", Coalesced(run_rectification_rules))
    if not any(job.name == NIGHTLY_JOB for job in scheduler.JOBS):
        scheduler.register(Job(NIGHTLY_JOB, run_all_rules, NIGHTLY_AT, label=_("夜间预警规则")))
