"""Crash safety with real processes: the task worker (`jianfu worker`, on the database queue) is
killed with SIGKILL in the middle of an import's transaction, of a bulletin's generation and of
the nightly rules run. Nothing half-written is left, the orphan sweep leaves no stray file, the
interrupted task is run again by the next worker (core/recovery.py), and it finishes with the
result an uninterrupted run has.

The work stops where it is to be killed at a named point (core/crashpoints.py), set for the
killed worker only."""

import contextlib
import os
import signal
import subprocess
import sys
import time

from jianfu.testing import import_corpus as corpus
from jianfu.testing.live import ROOT

DB_QUEUE = "django_tasks_db.DatabaseBackend"


def _env(server, **extra) -> dict[str, str]:
    return {**server.env, "JIANFU_TASK_BACKEND": DB_QUEUE, **extra}


def _python(server, code: str) -> str:
    """run_python on the database queue (the server's own env runs tasks at once)."""
    prelude = "import django; django.setup()\nfrom jianfu.core.models import *\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + code],
        env=_env(server),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def kill_at(server, point: str) -> None:
    """Start a worker that stops at `point`; SIGKILL its process group once it is there."""
    marker = server.var_dir / f"crash-{point}.pid"
    marker.unlink(missing_ok=True)
    worker = subprocess.Popen(
        [sys.executable, "-m", "jianfu.cli", "worker", "--interval", "0.2"],
        env=_env(server, JIANFU_TEST_CRASHPOINT=point, JIANFU_TEST_CRASHPOINT_FILE=str(marker)),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert worker.poll() is None, "the worker exited before the crash point"
            assert time.monotonic() < deadline, f"the worker never reached {point}"
            time.sleep(0.1)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    assert worker.returncode == -signal.SIGKILL


def run_worker_once(server) -> None:
    subprocess.run(
        [sys.executable, "-m", "jianfu.cli", "worker", "--once"],
        env=_env(server),
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=180,
    )


def test_a_worker_killed_inside_an_import_saves_nothing_and_the_import_runs_again(granian_server):
    server = granian_server
    k = corpus.KINDS["registry.document"]
    source = server.var_dir / "crash-import.xlsx"
    # Ids of their own, so that other tests' documents on this server do not count.
    rows = [[f"CRASH-{i}", *r[1:]] for i, r in enumerate(k.rows)]
    source.write_bytes(corpus.xlsx([k.header, *rows]))
    count = (
        "from jianfu.registry.models import Document\n"
        "print(Document.objects.filter(external_id__startswith='CRASH-').count(),"
        " ImportRecord.objects.count())\n"
    )
    before = _python(server, count)
    assert before.split()[0] == "0"
    job = _python(
        server,
        "from pathlib import Path\n"
        "from jianfu.core.imports import background\n"
        f"data = Path({str(source)!r}).read_bytes()\n"
        "job = background.start('registry.document', by=User.objects.get(username='office'),"
        " filename='发文.xlsx', data=data)\n"
        "print(job.pk)\n",
    )
    kill_at(server, "import.written")
    # Killed after the rows and the batch record were written and the file stored, before the
    # commit: no row is left, the job shows where it stopped, the stored file is an orphan.
    assert _python(server, count) == before
    state = _python(
        server,
        f"j = ImportJob.objects.get(pk={job})\n"
        "from django_tasks_db.models import DBTaskResult\n"
        "print(j.status, DBTaskResult.objects.running().count())\n",
    )
    assert state == "checking 1"
    swept = _python(
        server, "from jianfu.core import excel\nprint(len(excel.remove_orphan_uploads(0)))\n"
    )
    assert swept == "1"
    # The next worker runs it again from the start, and it finishes.
    run_worker_once(server)
    after = _python(
        server,
        "from django.conf import settings\nfrom jianfu.core import excel\n"
        + count
        + f"j = ImportJob.objects.get(pk={job})\n"
        "print(j.status, (settings.MEDIA_ROOT / j.pending_as).exists(),"
        " (settings.MEDIA_ROOT / j.record.stored_as).exists(),"
        " len(excel.remove_orphan_uploads(0)))\n",
    )
    records_before = int(before.split()[1])
    lines = after.splitlines()
    assert lines[0].split() == ["2", str(records_before + 1)]
    assert lines[1].split() == ["done", "False", "True", "0"]


def test_a_worker_killed_while_generating_a_bulletin_leaves_it_generating_and_it_finishes(
    granian_server,
):
    server = granian_server
    create = (
        "import datetime as dt\n"
        "from jianfu.bulletins import services\n"
        "b = services.bulletin_create(by=User.objects.get(username='office'), kind='monthly',"
        " start=dt.date(2025, 9, 1), end=dt.date(2025, 9, 30), label='2025年9月')\n"
        "print(b.pk)\n"
    )
    first = _python(server, create)
    kill_at(server, "bulletin.section")
    show = "from jianfu.bulletins.models import Bulletin\nb = Bulletin.objects.get(pk={pk})\n"
    state = _python(
        server,
        show.format(pk=first) + "print(b.status, len(b.content), AuditEntry.objects.filter("
        "code='jianfu.bulletins.bulletin.generated', object_id=str(b.pk)).count())\n",
    )
    assert state == "generating 0 0"  # no half-built content, nothing told
    run_worker_once(server)
    # The same bulletin, generated without a kill, for comparison (tasks at once).
    second = server.run_python(create).strip()
    outcome = (
        "import json\n"
        + show
        + "print(json.dumps([b.status, b.progress, b.error, b.content], ensure_ascii=False))\n"
    )
    assert (
        _python(server, outcome.format(pk=first))
        == server.run_python(outcome.format(pk=second)).strip()
    )
    assert '"generating"' not in _python(server, outcome.format(pk=first))


def test_a_worker_killed_in_the_nightly_run_is_run_again_and_the_result_is_whole(
    granian_server,
):
    server = granian_server
    _python(server, "from jianfu.signals import tasks\ntasks.run_all_rules.enqueue()\n")
    kill_at(server, "signals.rule")
    running = (
        "from django_tasks_db.models import DBTaskResult\n"
        "print(DBTaskResult.objects.running().filter(task_path__endswith='run_all_rules').count())\n"
    )
    assert _python(server, running) == "1"
    run_worker_once(server)
    assert _python(server, running) == "0"
    signals = "from jianfu.signals.models import Signal\nprint(Signal.objects.count())\n"
    done = _python(server, signals)
    # A run after the recovered one changes nothing: the interrupted run was completed whole.
    server.run_python("from jianfu.signals import runner\nrunner.run()\n")
    assert _python(server, signals) == done
    finished = (
        "from django_tasks_db.models import DBTaskResult\n"
        "print(DBTaskResult.objects.filter(task_path__endswith='run_all_rules')"
        ".order_by('-enqueued_at').first().status)\n"
    )
    assert _python(server, finished) == "SUCCESSFUL"
