import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from jianfu.core import excel, recovery, scheduler

log = logging.getLogger("jianfu.worker")

RECOVER_EVERY = 30.0  # seconds between looks for tasks a killed worker left running


class Command(BaseCommand):
    help = "运行后台任务处理进程（含定时任务：夜间规则、提醒、审计链头写出）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=1.0, help="没有任务时的轮询间隔（秒）"
        )
        parser.add_argument(
            "--once", action="store_true", help="处理完当前到期的定时任务和队列中的任务后退出"
        )

    def handle(self, *args, interval, once, **options):
        self.running = True
        self.catch_signals()
        self.stdout.write("jianfu worker started")
        # A server stopped in the middle of an import left its file with no record of it.
        try:
            excel.remove_orphan_uploads()
        except Exception:
            log.exception("removing orphaned uploads failed")
        if settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
            self.run_rq(interval, once)
        else:
            self.run_database(interval, once)

    def catch_signals(self) -> None:
        def stop(signum, frame):
            self.running = False

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)

    def run_database(self, interval: float, once: bool) -> None:
        from django_tasks_db.management.commands.db_worker import Worker
        from django_tasks_db.models import DBTaskResult

        me = recovery.worker_id()
        checked = -RECOVER_EVERY
        while self.running:
            close_old_connections()
            if time.monotonic() - checked > RECOVER_EVERY:
                # A worker killed in the middle of a task left it running: run it again. (rq
                # has its own: a dead worker's started jobs go to its failed registry.)
                recovery.requeue_interrupted()
                checked = time.monotonic()
            scheduler.tick()
            if not DBTaskResult.objects.ready().exists():
                if once:
                    break
                time.sleep(interval)
                continue
            # Batch mode: run everything that is ready, then come back for the scheduler.
            Worker(
                queue_names=["*"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=me,
                excluded_queue_names=[],
            ).run()
            if once:
                break
            time.sleep(interval)

    def run_rq(self, interval: float, once: bool) -> None:
        """Redis queue (several machines): rq hands each job to exactly one worker (an atomic
        move from the queue to that worker's started list); the scheduler's conditional UPDATE
        makes one worker of all enqueue each nightly run."""
        import django_rq
        from django_tasks_rq.backend import Job
        from rq import SimpleWorker
        from rq.exceptions import StopRequested

        queue = django_rq.get_queue("default", job_class=Job)
        while self.running:
            close_old_connections()
            scheduler.tick()
            if queue.count:
                # In this process, not a forked child per job: the job's database connection and
                # the worker's stay one, and a SIGTERM ends the loop after the job in hand.
                worker = SimpleWorker(
                    [queue], connection=queue.connection, job_class=Job, queue_class=type(queue)
                )
                try:
                    worker.work(burst=True, with_scheduler=False, logging_level="WARNING")
                except StopRequested:
                    # A SIGTERM in rq's own teardown (after the job in hand): a clean stop.
                    self.running = False
                # rq put its own handlers in place (a warm stop); a SIGTERM that came meanwhile
                # stopped it after its job, and ends this loop too.
                if worker._stop_requested:
                    self.running = False
                self.catch_signals()
                close_old_connections()
            if once:
                break
            time.sleep(interval)
