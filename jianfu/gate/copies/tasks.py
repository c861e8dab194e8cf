"""Background jobs of copy-through (django-tasks): every night, the documents registered or
changed since the last run are indexed; and after an import or a registry write (the registry's
data-changed event), at once. Thin wrappers over index.py."""

import datetime as dt

from django_tasks import task

from jianfu.core import events, scheduler
from jianfu.core.scheduler import Job

INDEX_JOB = "gate.copies_index"
INDEX_AT = dt.time(2, 30)


@task()
def copies_index() -> int:
    from jianfu.core.scope_guard import unscoped

    from . import index

    with unscoped():
        return index.index_documents()


@task()
def copies_index_changed(import_id=None, unit_ids=()) -> int:
    from jianfu.core.scope_guard import unscoped
    from jianfu.registry.models import Document

    from . import index

    with unscoped():
        ids = Document.objects.filter(unit_id__in=list(unit_ids)).values_list("pk", flat=True)
        return index.index_documents(list(ids))


def connect() -> None:
    """Schedule the nightly job and follow the registry's changes (setup.ready)."""
    if not any(job.name == INDEX_JOB for job in scheduler.JOBS):
        scheduler.register(Job(INDEX_JOB, copies_index, INDEX_AT))
    events.subscribe("registry", copies_index_changed)
