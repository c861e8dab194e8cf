import os
import signal
import subprocess
import sys

from django.core.management.base import BaseCommand, CommandError

CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Command(BaseCommand):
    help = "启动 Web 服务（granian）；--with-worker 同时启动后台任务处理进程。"

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        # Processes, not threads: a request is CPU-bound Python, and threads of one process take
        # turns on one interpreter lock. Two processes per core measured best at the month-end
        # burst (bench/submit_spike.py).
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_WORKERS", 2 * CORES))
        )
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", 1)))
        parser.add_argument("--with-worker", action="store_true")

    def handle(self, *args, host, port, workers, threads, with_worker, **options):
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("数据库尚未迁移到当前版本，请先运行 jianfu migrate。")
        children = []
        if with_worker:
            children.append(subprocess.Popen([sys.executable, "-m", "jianfu.cli", "worker"]))
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "granian",
                "--interface",
                "wsgi",
                "--host",
                host,
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--blocking-threads",
                str(threads),
                "--no-ws",
                "jianfu.wsgi:application",
            ]
        )
        children.append(web)
        self.stdout.write(f"jianfu 已启动：http://{host}:{port}/  （Ctrl+C 停止）")

        def stop(signum, frame):
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        code = web.wait()
        stop(None, None)
        for child in children:
            child.wait()
        sys.exit(code)
