"""SIGKILL in the middle of real work, for the crash-safety tests and the hardening bench.

A place is a database and a var directory with the test city (a LiveServer, or the bench's own):
`Place(env, var_dir)`. Each scenario starts a real task worker (`jianfu worker`, on the database
queue) that stops at a named point (core/crashpoints.py), kills its process group with SIGKILL,
looks for what a kill must not leave (rows of a half-done write, a half-built bulletin, a file no
import refers to after the orphan sweep, a task left running for ever), lets a new worker run the
work again, and compares the result with an uninterrupted run. It returns the problems found
(empty: the work survived the kill).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import import_corpus as corpus
from .live import ROOT

DB_QUEUE = "django_tasks_db.DatabaseBackend"
IMMEDIATE = "django_tasks.backends.immediate.ImmediateBackend"


@dataclass
class Place:
    env: dict[str, str]
    var_dir: Path

    def python(self, code: str, *, queue: bool = True) -> str:
        """Run `code` with Django set up here: tasks go to the database queue (`queue`) or run
        at once. Returns what it printed, stripped."""
        prelude = "import django; django.setup()\nfrom jianfu.core.models import *\n"
        env = {**self.env, "JIANFU_TASK_BACKEND": DB_QUEUE if queue else IMMEDIATE}
        done = subprocess.run(
            [sys.executable, "-c", prelude + code],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"python failed:\n{done.stderr}")
        return done.stdout.strip()

    def kill_at(self, point: str) -> None:
        """Start a worker that stops at `point`; SIGKILL its process group once it is there."""
        marker = self.var_dir / f"crash-{point}.pid"
        marker.unlink(missing_ok=True)
        env = {
            **self.env,
            "JIANFU_TASK_BACKEND": DB_QUEUE,
            "JIANFU_TEST_CRASHPOINT": point,
            "JIANFU_TEST_CRASHPOINT_FILE": str(marker),
        }
        worker = subprocess.Popen(
            [sys.executable, "-m", "jianfu.cli", "worker", "--interval", "0.2"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 120
            while not marker.exists():
                if worker.poll() is not None:
                    raise RuntimeError("the worker exited before the crash point")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the worker never reached {point}")
                time.sleep(0.1)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()

    def worker_once(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "jianfu.cli", "worker", "--once"],
            env={**self.env, "JIANFU_TASK_BACKEND": DB_QUEUE},
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=180,
        )


class Problems(list):
    def expect(self, got, want, what: str) -> None:
        if got != want:
            self.append(f"{what}: {got!r}, expected {want!r}")


RUNNING = (
    "from django_tasks_db.models import DBTaskResult\n"
    "print(DBTaskResult.objects.running().filter(task_path__endswith={name!r}).count())\n"
)


def import_killed(place: Place, tag: str = "CRASH") -> Problems:
    """Killed inside an import's transaction: after the rows and the batch record were written
    and the file stored, before the commit."""
    found = Problems()
    k = corpus.KINDS["registry.document"]
    source = place.var_dir / f"{tag}.xlsx"
    # Ids of their own, so that other documents in the database do not count.
    rows = [[f"{tag}-{i}", *r[1:]] for i, r in enumerate(k.rows)]
    source.write_bytes(corpus.xlsx([k.header, *rows]))
    count = (
        "from jianfu.registry.models import Document\n"
        f"print(Document.objects.filter(external_id__startswith='{tag}-').count(),"
        " ImportRecord.objects.count())\n"
    )
    before = place.python(count)
    job = place.python(
        "from pathlib import Path\n"
        "from jianfu.core.imports import background\n"
        f"data = Path({str(source)!r}).read_bytes()\n"
        "job = background.start('registry.document', by=User.objects.get(username='office'),"
        " filename='发文.xlsx', data=data)\n"
        "print(job.pk)\n"
    )
    place.kill_at("import.written")
    found.expect(place.python(count), before, "rows after the kill")
    found.expect(
        place.python(f"print(ImportJob.objects.get(pk={job}).status)"),
        "checking",
        "the job's status after the kill",
    )
    found.expect(place.python(RUNNING.format(name="run_import_job")), "1", "tasks left running")
    # The file stored before the kill is an orphan: the sweep removes it.
    place.python("from jianfu.core import excel\nexcel.remove_orphan_uploads(0)\n")
    place.worker_once()
    after = place.python(
        "from django.conf import settings\nfrom jianfu.core import excel\n"
        + count
        + f"j = ImportJob.objects.get(pk={job})\n"
        "print(j.status, (settings.MEDIA_ROOT / j.pending_as).exists(),"
        " j.record_id and (settings.MEDIA_ROOT / j.record.stored_as).exists(),"
        " len(excel.remove_orphan_uploads(0)))\n"
    ).splitlines()
    n, records = before.split()
    found.expect(after[0].split(), [str(int(n) + 2), str(int(records) + 1)], "rows after the rerun")
    found.expect(
        after[1].split(), ["done", "False", "True", "0"], "job, pending file, kept file, orphans"
    )
    return found


def bulletin_killed(place: Place) -> Problems:
    """Killed between a bulletin's sections: the bulletin keeps generating with no content, is
    generated again, and ends as one generated without a kill."""
    found = Problems()
    create = (
        "import datetime as dt\n"
        "from jianfu.bulletins import services\n"
        "b = services.bulletin_create(by=User.objects.get(username='office'), kind='monthly',"
        " start=dt.date(2025, 9, 1), end=dt.date(2025, 9, 30), label='2025年9月')\n"
        "print(b.pk)\n"
    )
    first = place.python(create)
    place.kill_at("bulletin.section")
    show = "from jianfu.bulletins.models import Bulletin\nb = Bulletin.objects.get(pk={pk})\n"
    found.expect(
        place.python(
            show.format(pk=first) + "print(b.status, len(b.content), AuditEntry.objects.filter("
            "code='jianfu.bulletins.bulletin.generated', object_id=str(b.pk)).count())\n"
        ),
        "generating 0 0",
        "the bulletin after the kill",
    )
    place.worker_once()
    second = place.python(create, queue=False)
    outcome = (
        "import json\n"
        + show
        + "print(json.dumps([b.status, b.progress, b.error, b.content], ensure_ascii=False))\n"
    )
    again = place.python(outcome.format(pk=first))
    found.expect(again, place.python(outcome.format(pk=second)), "the bulletin after the rerun")
    if '"generating"' in again:
        found.append("the bulletin is still generating after the rerun")
    return found


def nightly_killed(place: Place) -> Problems:
    """Killed between two rules of the nightly run: the task is run again whole, and a further
    run changes nothing."""
    found = Problems()
    place.python("from jianfu.signals import tasks\ntasks.run_all_rules.enqueue()\n")
    place.kill_at("signals.rule")
    found.expect(place.python(RUNNING.format(name="run_all_rules")), "1", "tasks left running")
    place.worker_once()
    found.expect(place.python(RUNNING.format(name="run_all_rules")), "0", "after the rerun")
    signals = "from jianfu.signals.models import Signal\nprint(Signal.objects.count())\n"
    done = place.python(signals)
    place.python("from jianfu.signals import runner\nrunner.run()\n", queue=False)
    found.expect(place.python(signals), done, "signals after a further run")
    found.expect(
        place.python(
            "from django_tasks_db.models import DBTaskResult\n"
            "print(DBTaskResult.objects.filter(task_path__endswith='run_all_rules')"
            ".order_by('-enqueued_at').first().status)\n"
        ),
        "SUCCESSFUL",
        "the nightly task",
    )
    return found


SCENARIOS = {"import": import_killed, "bulletin": bulletin_killed, "nightly": nightly_killed}
