"""The key projects' health checks after each write on a project (coalesced: a burst of writes, an
import, queues one run), besides the nightly run of every rule (signals/tasks.py)."""

from django_tasks import task

from jianfu.core import events

from .health import GROUP
from .services import EVENT


@task()
def run_project_rules(import_id: int | None = None, unit_ids: list[int] | None = None) -> dict:
    """Every project health check, for every unit: they read only their candidates."""
    from jianfu.signals import runner

    return runner.run_rules(group=GROUP).summary()


def connect() -> None:
    from jianfu.signals.tasks import Coalesced

    events.subscribe(EVENT, Coalesced(run_project_rules))
