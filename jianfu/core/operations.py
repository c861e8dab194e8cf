"""The platform's running state (运行状态), as the system administrator watches it, at month end
above all: whether the background worker is running (the scheduled jobs it claims on time), what
waits in its queue and what failed there; then sections of figures: the imports under way and the
database (here), and what the apps add (the month's reports as they arrive). Reads only, a query
or two each, so the page answers at once while the month-end burst runs. `problems()` is what the
administrator's home page asks: the schedule and the queue alone.

Two clocks: the scheduler's rows and the apps' records are stamped by clock.now() (a demo pins
its day); the task queue's rows by django-tasks, in real time. Each is compared with its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Min, Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import clock, scheduler
from .models import ImportJob, ImportJobStatus, ScheduledJob

# A scheduled run not claimed this long after its time: no worker is running the schedule (the
# worker looks every second; the longest task it runs first, a province's nightly rules, takes
# about a minute).
LATE = dt.timedelta(minutes=5)
# A task waiting longer than this while the worker runs: the queue is backing up.
BACKLOG = dt.timedelta(minutes=5)
DAY = dt.timedelta(hours=24)
FAILURES_SHOWN = 10
RQ_BACKEND = "django_tasks_rq.RQBackend"


@dataclass(frozen=True)
class Problem:
    text: str
    tone: str = "warning"  # or "urgent"


@dataclass(frozen=True)
class JobRun:
    label: str
    last_run_at: dt.datetime | None
    next_run_at: dt.datetime | None
    late: bool


@dataclass(frozen=True)
class Failure:
    task: str
    at: dt.datetime | None
    error: str


@dataclass(frozen=True)
class Queue:
    backend: str  # "database" or "redis"
    queued: int
    running: int
    failed_day: int  # the database queue: failed in the last 24 hours; Redis: kept as failed
    oldest_queued_at: dt.datetime | None = None
    failures: list[Failure] = field(default_factory=list)

    @property
    def backlog(self) -> bool:
        oldest = self.oldest_queued_at
        return oldest is not None and timezone.now() - oldest > BACKLOG


@dataclass(frozen=True)
class Figure:
    """One line of a section: a label, a value, a note beside it."""

    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Section:
    title: str
    figures: list[Figure]
    icon: str = "graph-up"  # a Bootstrap icon's name


# --- What apps add -------------------------------------------------------------------------------

_SECTIONS: dict[str, tuple[int, Callable[[dt.datetime], Section]]] = {}


def register(key: str, compute: Callable[[dt.datetime], Section], order: int = 100) -> None:
    """A section of the page: compute(now) -> Section. The key is unique: registering it again
    replaces the earlier one."""
    _SECTIONS[key] = (order, compute)


def sections(now: dt.datetime) -> list[Section]:
    return [compute(now) for _order, compute in sorted(_SECTIONS.values(), key=lambda oc: oc[0])]


# --- The worker and its schedule ----------------------------------------------------------------


def job_runs(now: dt.datetime) -> list[JobRun]:
    """Every scheduled job with its last and next run; `late`: its run is overdue (one query)."""
    rows = {r.name: r for r in ScheduledJob.objects.all()}
    out = []
    for job in scheduler.JOBS:
        row = rows.get(job.name)
        next_at = row.next_run_at if row else None
        out.append(
            JobRun(
                str(job.label or job.name),
                row.last_run_at if row else None,
                next_at,
                next_at is not None and now - next_at > LATE,
            )
        )
    return sorted(out, key=lambda r: (not r.late, r.next_run_at or now))


def last_tick(runs: list[JobRun]) -> dt.datetime | None:
    """The latest run the worker claimed: its heartbeat (a job runs every minute)."""
    return max((r.last_run_at for r in runs if r.last_run_at), default=None)


def queue() -> Queue:
    if settings.TASKS["default"]["BACKEND"] == RQ_BACKEND:
        import django_rq

        return rq_queue(django_rq.get_queue("default"))
    return database_queue()


def database_queue() -> Queue:
    """django-tasks' database queue: what waits, what runs, what failed in the last day (one
    query), and the latest failures."""
    from django_tasks import TaskResultStatus as S
    from django_tasks_db.models import DBTaskResult

    since = timezone.now() - DAY
    # Only the rows counted are read (a finished row stays for weeks: tasks.prune_task_results).
    counted = Q(status__in=[S.READY, S.RUNNING]) | Q(status=S.FAILED, finished_at__gte=since)
    counts = DBTaskResult.objects.filter(counted).aggregate(
        queued=Count("pk", filter=Q(status=S.READY)),
        running=Count("pk", filter=Q(status=S.RUNNING)),
        failed=Count("pk", filter=Q(status=S.FAILED, finished_at__gte=since)),
        oldest=Min("enqueued_at", filter=Q(status=S.READY)),
    )
    failures = [
        Failure(_task_name(path), at, (error or "").rsplit(".", 1)[-1])
        for path, at, error in DBTaskResult.objects.filter(status=S.FAILED, finished_at__gte=since)
        .order_by("-finished_at")
        .values_list("task_path", "finished_at", "exception_class_path")[:FAILURES_SHOWN]
    ]
    return Queue(
        "database",
        counts["queued"],
        counts["running"],
        counts["failed"],
        counts["oldest"],
        failures,
    )


def rq_queue(q) -> Queue:
    """A Redis queue (several machines): its length, its started and failed registries."""
    return Queue("redis", q.count, q.started_job_registry.count, q.failed_job_registry.count)


def _task_name(path: str) -> str:
    """The scheduled job's label for a task that is one, else the task's function name."""
    for job in scheduler.JOBS:
        if getattr(job.task, "module_path", None) == path and job.label:
            return str(job.label)
    return path.rsplit(".", 1)[-1]


# --- Imports and the database: the page's own sections --------------------------------------------


def imports_section(now: dt.datetime) -> Section:
    st = ImportJobStatus
    counts = ImportJob.objects.aggregate(
        queued=Count("pk", filter=Q(status=st.QUEUED)),
        checking=Count("pk", filter=Q(status=st.CHECKING)),
        applying=Count("pk", filter=Q(status=st.APPLYING)),
        waiting=Count("pk", filter=Q(status=st.PREVIEW)),  # previews awaiting their person
    )
    labels = {
        "queued": _("排队等待检查"),
        "checking": _("正在检查"),
        "applying": _("正在导入"),
        "waiting": _("等待确认修改"),
    }
    figures = [Figure(label, str(counts[key])) for key, label in labels.items()]
    return Section(_("导入"), figures, "upload")


def database_section(now: dt.datetime) -> Section:
    replica = _("已配置") if "replica" in settings.DATABASES else _("未配置")
    size, sessions = None, None
    if connection.vendor == "postgresql":
        vendor = "PostgreSQL"
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_database_size(current_database()),"
                    " (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()),"
                    " current_setting('max_connections')::int"
                )
                size, count, most = cursor.fetchone()
            sessions = f"{count} / {most}"
        except DatabaseError:  # a role that may not read the statistics
            pass
    else:
        vendor = "SQLite"
        name = Path(str(settings.DATABASES["default"]["NAME"]))
        size = sum(p.stat().st_size for p in (name, Path(f"{name}-wal")) if p.exists())
    figures = [
        Figure(_("数据库"), vendor),
        Figure(_("大小"), "—" if size is None else filesizeformat(size)),
        *([Figure(_("连接数"), sessions)] if sessions else []),
        Figure(_("只读副本"), str(replica)),
    ]
    return Section(_("数据库"), figures, "database")


register("core.imports", imports_section, order=10)
register("core.database", database_section, order=90)


# --- All of it ----------------------------------------------------------------------------------


@dataclass
class Status:
    runs: list[JobRun]
    queue: Queue
    problems: list[Problem]
    last_tick: dt.datetime | None
    sections: list[Section]


def status() -> Status:
    now = clock.now()
    runs = job_runs(now)
    q = queue()
    return Status(runs, q, _problems(now, runs, q), last_tick(runs), sections(now))


def problems() -> list[Problem]:
    """What the administrator's home page shows: the schedule's and the queue's problems (the
    sections' figures are not read)."""
    now = clock.now()
    return _problems(now, job_runs(now), queue())


def _problems(now: dt.datetime, runs: list[JobRun], q: Queue) -> list[Problem]:
    tick = last_tick(runs)
    found: list[Problem] = []
    late = [r for r in runs if r.late]
    if late:
        since = _ago(now - tick) if tick else _("从未运行")
        found.append(
            Problem(
                _(
                    "后台任务进程没有在运行：%(n)s 个定时任务已逾期（最近一次调度：%(since)s）。"
                    "导入会停在“排队等待检查”，提醒和夜间规则不会运行。"
                )
                % {"n": len(late), "since": since},
                "urgent",
            )
        )
    elif tick is None and q.queued:
        found.append(
            Problem(
                _(
                    "后台任务进程没有在运行：还没有任何定时任务运行过，%(n)s 个任务在排队。"
                    "请启动后台任务进程（jianfu worker）。"
                )
                % {"n": q.queued},
                "urgent",
            )
        )
    elif q.backlog:
        found.append(
            Problem(
                _("后台任务积压：%(n)s 个任务排队，最早的已等待 %(ago)s。")
                % {"n": q.queued, "ago": _duration(timezone.now() - q.oldest_queued_at)}
            )
        )
    if q.failed_day:
        found.append(
            Problem(
                _("近 24 小时有 %(n)s 个后台任务失败。") % {"n": q.failed_day}
                if q.backend == "database"
                else _("任务队列中有 %(n)s 个失败的任务。") % {"n": q.failed_day}
            )
        )
    return found


# Not django.utils.timesince: it says "0 分钟" under a minute and "日" for days, with a no-break
# space the sentences around it do not use.
def _ago(delta: dt.timedelta) -> str:
    if delta < dt.timedelta(minutes=1):
        return _("不到 1 分钟前")
    return _("%(d)s前") % {"d": _duration(delta)}


def _duration(delta: dt.timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 1)
    if minutes < 120:
        return _("%(n)s 分钟") % {"n": minutes}
    if minutes < 48 * 60:
        return _("%(n)s 小时") % {"n": minutes // 60}
    days = minutes // (24 * 60)
    return ngettext("%(n)s 天", "%(n)s 天", days) % {"n": days}
