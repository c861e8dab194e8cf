"""Background jobs of copy-through (django-tasks): every night, the documents registered or
changed since the last run are indexed. Thin wrappers over index.py.

After an import the signals' own task runs the rules, and gate_copied brings the index up to
date before it reads (rules.py), so no task of this part follows the registry's event: a second
subscriber would index in a task of its own that the rule may run before."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django_tasks import task

from jianfu.core import scheduler
from jianfu.core.scheduler import Job

INDEX_JOB = "gate.copies_index"
INDEX_AT = dt.time(1, 30)  # before the signals run the rules (02:00)


@task()
def copies_index() -> int:
    from jianfu.core.scope_guard import unscoped

    from . import index

    with unscoped():
        return index.index_documents()


def connect() -> None:
    """Schedule the nightly job (setup.ready)."""
    if not any(job.name == INDEX_JOB for job in scheduler.JOBS):
        scheduler.register(Job(INDEX_JOB, copies_index, INDEX_AT, label=_("照抄照搬比对索引")))
