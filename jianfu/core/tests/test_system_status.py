"""The system administrator's status page (运行状态) and home card: whether the worker runs the
schedule, what waits and what failed in its queue, the month's reports as they arrive."""

import datetime as dt
import uuid

import pytest
import redis
import rq
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jianfu.core import clock, operations, scheduler
from jianfu.core.models import ScheduledJob
from jianfu.core.scope_guard import active
from jianfu.monitoring.models import SamplePoint
from jianfu.monitoring.reports import services as reports

NOW = timezone.make_aware(dt.datetime(2025, 4, 3, 10, 0))


def _every_job_on_time(now):
    """Each job ran last at `now` and runs next later on: a worker keeping the schedule."""
    for job in scheduler.JOBS:
        ScheduledJob.objects.create(
            name=job.name, next_run_at=now + dt.timedelta(hours=1), last_run_at=now
        )


@pytest.fixture
def as_sysadmin(people):
    """Outside a request (the home card's and the page's reads, called directly), in the system
    administrator's scope."""
    with active(people["sysadmin"]):
        yield


def _task_row(status, *, path="jianfu.signals.tasks.run_all_rules", **times):
    return DBTaskResult.objects.create(
        status=status,
        task_path=path,
        args_kwargs={"args": [], "kwargs": {}},
        priority=0,
        queue_name="default",
        backend_name="default",
        **times,
    )


@pytest.fixture
def sysadmin(login, db):
    return login("sysadmin")


def test_a_running_worker_and_an_empty_queue_read_as_normal(sysadmin, db):
    with clock.frozen(NOW):
        _every_job_on_time(NOW)
        page = sysadmin.get("/system/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "运行正常" in text and "最近一次调度：2025-04-03 10:00" in text
    assert "夜间预警规则" in text and "发送邮件和群机器人消息" in text  # the jobs by their names
    assert "逾期未运行" not in text


def test_a_worker_that_stopped_is_named_on_the_page_and_on_the_home_page(sysadmin, login, db):
    with clock.frozen(NOW):
        _every_job_on_time(NOW - dt.timedelta(hours=10))
        ScheduledJob.objects.update(next_run_at=NOW + dt.timedelta(hours=14))
        ScheduledJob.objects.filter(name="notify.deliveries").update(
            next_run_at=NOW - dt.timedelta(minutes=20), last_run_at=NOW - dt.timedelta(minutes=21)
        )
        page = sysadmin.get("/system/").content.decode()
        assert "后台任务进程没有在运行：1 个定时任务已逾期（最近一次调度：21 分钟前）" in page
        assert "逾期未运行" in page
        home = sysadmin.get("/").content.decode()
        assert "运行异常" in home and "/system/" in home
        # Not the office's work: its home page does not show it.
        assert "运行异常" not in login("office").get("/").content.decode()


def test_a_worker_never_started_is_named_once_a_task_waits(as_sysadmin):
    assert operations.problems() == []  # a fresh install: nothing has run, nothing waits
    _task_row(TaskResultStatus.READY)
    (problem,) = operations.problems()
    assert problem.tone == "urgent"
    assert problem.text.startswith(
        "后台任务进程没有在运行：还没有任何定时任务运行过，1 个任务在排队。"
    )


def test_a_job_a_minute_late_is_not_a_stopped_worker(sysadmin, as_sysadmin):
    with clock.frozen(NOW):
        _every_job_on_time(NOW)
        ScheduledJob.objects.filter(name="notify.deliveries").update(
            next_run_at=NOW - dt.timedelta(minutes=1)
        )
        assert operations.problems() == []
        assert "运行异常" not in sysadmin.get("/").content.decode()


def test_failed_tasks_of_the_last_day_are_counted_and_named(sysadmin, db):
    now = timezone.now()
    _task_row(TaskResultStatus.FAILED, finished_at=now - dt.timedelta(hours=1))
    _task_row(TaskResultStatus.FAILED, finished_at=now - dt.timedelta(days=3))  # too old
    _task_row(TaskResultStatus.SUCCESSFUL, finished_at=now)
    queue = operations.database_queue()
    assert queue.failed_day == 1
    assert [f.task for f in queue.failures] == ["夜间预警规则"]
    with clock.frozen(NOW):
        _every_job_on_time(NOW)
        page = sysadmin.get("/system/").content.decode()
    assert "近 24 小时有 1 个后台任务失败。" in page


def test_a_queue_that_backs_up_while_the_worker_runs_is_a_backlog(as_sysadmin):
    now = timezone.now()
    old = _task_row(TaskResultStatus.READY)
    _task_row(TaskResultStatus.READY)
    # enqueued_at is stamped on insert: moved back as a task left waiting would have it.
    DBTaskResult.objects.filter(pk=old.pk).update(enqueued_at=now - dt.timedelta(minutes=12))
    with clock.frozen(NOW):
        _every_job_on_time(NOW)
        found = operations.problems()
    assert [p.text for p in found] == ["后台任务积压：2 个任务排队，最早的已等待 12 分钟。"]


def test_the_months_reports_are_counted_as_they_arrive(sysadmin, people, as_sysadmin):
    point = SamplePoint.objects.get(unit__code="TA0101")
    from jianfu.monitoring.tests.test_submit import answers

    with clock.frozen(dt.date(2025, 4, 3)):
        reports.report_submit(
            by=people["reporter"],
            point=point,
            period="2025-03",
            values=answers(),
            client_key=str(uuid.uuid4()),
        )
        section = next(s for s in operations.sections(clock.now()) if s.title == "样本点填报")
        page = sysadmin.get("/system/").content.decode()
    figures = {f.label: f.value for f in section.figures}
    points = SamplePoint.objects.filter(form_code="burden").count()
    assert figures["最近 15 分钟提交"] == "1" and figures["最近 24 小时提交"] == "1"
    assert figures["2025年3月已提交"] == f"1 / {points} 个样本点"
    assert "2025年3月已提交" in page


def test_a_redis_queue_is_read_from_its_registries(db):
    connection = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    queue = rq.Queue(f"jianfu-status-{uuid.uuid4().hex}", connection=connection)
    try:
        queue.enqueue("jianfu.core.tasks.remove_orphan_uploads")
        read = operations.rq_queue(queue)
        assert (read.backend, read.queued, read.running, read.failed_day) == ("redis", 1, 0, 0)
    finally:
        queue.delete(delete_jobs=True)


def test_the_page_is_the_system_administrators_alone(login, db):
    assert login("sysadmin").get("/system/").status_code == 200
    for name in ("office", "secadmin", "auditor"):
        assert login(name).get("/system/").status_code == 403


def test_the_open_page_reads_its_state_again_without_reloading(sysadmin):
    page = sysadmin.get("/system/").content.decode()
    assert 'hx-get="/system/"' in page and 'hx-trigger="every 30s"' in page
    part = sysadmin.get("/system/", HTTP_HX_REQUEST="true").content.decode()
    assert part.lstrip().startswith('<div id="system-state"') and "<html" not in part
    assert "定时任务" in part


def test_finished_task_rows_are_pruned_at_night_and_failures_kept_longer(db):
    from jianfu.core.tasks import prune_task_results

    now = timezone.now()
    kept = [
        _task_row(TaskResultStatus.SUCCESSFUL, finished_at=now - dt.timedelta(days=13)),
        _task_row(TaskResultStatus.FAILED, finished_at=now - dt.timedelta(days=20)),
        _task_row(TaskResultStatus.READY),
    ]
    _task_row(TaskResultStatus.SUCCESSFUL, finished_at=now - dt.timedelta(days=15))
    _task_row(TaskResultStatus.FAILED, finished_at=now - dt.timedelta(days=31))
    assert prune_task_results.call() == 2
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {r.pk for r in kept}
    assert "tasks.prune" in {job.name for job in scheduler.JOBS}
