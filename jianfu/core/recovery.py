"""Work a killed task worker left half done is run again.

A worker killed outright (SIGKILL, the out-of-memory killer, a power cut) leaves the task it was
running marked RUNNING for ever: django-tasks' database queue never looks at it again, and the
import job or bulletin it was working on stays "checking" or "generating". Each worker is named
by its machine and process id (`worker_id`); a task whose last worker ran on this machine and no
longer exists is made ready again, and a worker picks it up. The work is safe to run twice: what
it writes, it writes in one transaction (an import), or as a whole that a second run writes again
the same (a bulletin's content, a rule's signals); the file an import stored before it was killed
is found again by its SHA-256, or removed by the orphan sweep (excel.remove_orphan_uploads).

Tasks of a worker on another machine are left alone: whether that one is alive cannot be seen
from here.
"""

from __future__ import annotations

import logging
import os
import socket

from django_tasks import TaskResultStatus

log = logging.getLogger("jianfu.worker")


def _host() -> str:
    return socket.gethostname()[:48]


def worker_id() -> str:
    """This worker's name in the task rows: machine and process id (at most 64 characters)."""
    return f"{_host()}:{os.getpid()}"


def _gone(worker: str) -> bool:
    host, _sep, pid = worker.rpartition(":")
    if host != _host() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # a process of another user has that id now: not ours, alive
        return False
    return False


def requeue_interrupted() -> list[str]:
    """Make ready again the running tasks whose worker on this machine died; their ids."""
    from django_tasks_db.models import DBTaskResult

    dead = [
        str(r.pk)
        for r in DBTaskResult.objects.running().only("id", "worker_ids")
        if r.worker_ids and _gone(r.worker_ids[-1])
    ]
    if dead:
        DBTaskResult.objects.filter(pk__in=dead, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY, started_at=None
        )
        log.warning("requeued %d task(s) a killed worker left running: %s", len(dead), dead)
    return dead
