"""Background jobs of the foundation (django-tasks): thin wrappers over plain functions."""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django_tasks import task

from . import audit, clock
from .models import AuditEntry, AuditVerification


def verify_chain() -> AuditVerification:
    finding = audit.verify()
    return AuditVerification.objects.create(
        at=clock.now(),
        entries=AuditEntry.objects.count(),
        ok=finding is None,
        first_bad_seq=finding.seq if finding else None,
        problem=finding.problem[:200] if finding else "",
    )


@task()
def audit_verify() -> bool:
    return verify_chain().ok


@task()
def audit_checkpoint() -> int:
    """Nightly: write the chain head out, then walk the chain."""
    seq, _hash = audit.write_checkpoint()
    verify_chain()
    return seq


@task()
def disable_stale_accounts() -> int:
    """Nightly: accounts unused too long or past their validity end date are disabled."""
    from .account_expiry import disable_stale_accounts as disable

    return len(disable())


@task()
def remove_orphan_uploads() -> int:
    """Nightly (and at the worker's start): uploaded files a stopped import left behind."""
    from .excel import remove_orphan_uploads as remove

    return len(remove())


# The task queue's finished rows are kept this long, failed ones longer: the status page names a
# day's failures, and a failure is looked into within the month. (The notifications' job alone
# leaves a row a minute.)
TASK_RESULTS_KEPT = dt.timedelta(days=14)
FAILED_TASK_RESULTS_KEPT = dt.timedelta(days=30)


@task()
def prune_task_results() -> int:
    """Nightly: the database queue's finished task rows past their keeping."""
    from django.utils import timezone
    from django_tasks import TaskResultStatus as S
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()  # the rows are stamped in real time, not by the pinned clock
    old = Q(status=S.SUCCESSFUL, finished_at__lte=now - TASK_RESULTS_KEPT) | Q(
        status=S.FAILED, finished_at__lte=now - FAILED_TASK_RESULTS_KEPT
    )
    return DBTaskResult.objects.filter(old).delete()[0]


def enqueue_on_commit(t, *args, **kwargs) -> None:
    transaction.on_commit(lambda: t.enqueue(*args, **kwargs))


@task()
def sweep_import_jobs() -> int:
    """Nightly: previews nobody confirmed within a day are cancelled and their files removed."""
    from .imports import background

    return background.sweep()


@task()
def run_import_job(job_id: int) -> str:
    """Check an uploaded file, or write one whose preview was confirmed (imports.background)."""
    from .imports import background

    return background.run(job_id)
