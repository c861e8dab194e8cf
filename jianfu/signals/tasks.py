"""Background jobs of the signals app (django-tasks): the rules after each registry import and
every night. Thin wrappers over runner.run."""

import datetime as dt

from django_tasks import task

from jianfu.core import events, scheduler
from jianfu.core.scheduler import Job

NIGHTLY_JOB = "signals.rules"
NIGHTLY_AT = dt.time(2, 0)


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
def run_all_rules() -> dict:
    """Nightly: every rule for every unit, as of today."""
    from . import runner

    return runner.run().summary()


def connect() -> None:
    """Subscribe to the registry's data events and schedule the nightly run (AppConfig.ready)."""
    events.subscribe("registry", run_rules_after_import)
    if not any(job.name == NIGHTLY_JOB for job in scheduler.JOBS):
        scheduler.register(Job(NIGHTLY_JOB, run_all_rules, NIGHTLY_AT))
