import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
WORKERS = max(2, CORES)  # web worker processes by default
# A web server that stops this soon after its first start did not start (the port is taken, a
# setting is wrong): that is said and `serve` exits. Later, a child that stops is started again,
# after a pause that grows while it keeps stopping at once.
FIRST_START_SECONDS = 5.0
RESTART_PAUSES = (1.0, 2.0, 5.0, 10.0, 30.0)
STABLE_SECONDS = 60.0


def become_subreaper() -> None:
    """Orphans of a child that died (granian's web workers, when granian itself is killed) are
    handed to this process instead of to init, so they can be stopped rather than left running."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        pr_set_child_subreaper = 36
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_child_subreaper, 1)


def stop_strays(known: set[int]) -> None:
    """Kill and reap this process's children that it did not start itself (see above)."""
    strays: set[int] = set()
    for listing in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            strays.update(int(pid) for pid in listing.read_text().split())
    for pid in strays - known:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


class Command(BaseCommand):
    help = "启动 Web 服务（granian）；--with-worker 同时启动后台任务处理进程。"

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        # Processes, not threads: a request is CPU-bound Python, and threads of one process take
        # turns on one interpreter lock. One process per core (two at least, so that one goes on
        # answering while a dead one is replaced) measured best at the month-end burst with the
        # database on the same machine (bench/submit_spike.py --workers): against two per core,
        # 8 % more submissions a second for 17 % less CPU each, and a lower p99.
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_WORKERS", WORKERS))
        )
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", 1)))
        parser.add_argument("--with-worker", action="store_true")

    def handle(self, *args, host, port, workers, threads, with_worker, **options):
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("数据库尚未迁移到当前版本，请先运行 jianfu migrate。")
        connection.close()
        commands = {
            "web": [
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
                # A web worker that dies (a crash no Python code can catch) is replaced; the
                # others go on answering meanwhile.
                "--respawn-failed-workers",
                "--respawn-interval",
                "1",
                "jianfu.wsgi:application",
            ]
        }
        if with_worker:
            commands["worker"] = [sys.executable, "-m", "jianfu.cli", "worker"]
        self.supervise(commands, f"jianfu 已启动：http://{host}:{port}/  （Ctrl+C 停止）")

    def supervise(self, commands: dict[str, list[str]], banner: str) -> None:
        """Run the children until Ctrl+C or SIGTERM; start again any child that stops."""
        stopping = False
        children: dict[str, subprocess.Popen] = {}
        started: dict[str, float] = {}
        failures: dict[str, int] = dict.fromkeys(commands, 0)

        def start(name: str) -> None:
            children[name] = subprocess.Popen(commands[name])
            started[name] = time.monotonic()

        def stop(signum, frame):
            nonlocal stopping
            stopping = True
            for child in children.values():
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        become_subreaper()
        for name in commands:
            start(name)
        self.stdout.write(banner)
        first_web = True
        due: dict[str, float] = {}  # child -> when to start it again
        while not stopping:
            time.sleep(0.2)
            now = time.monotonic()
            for name, child in list(children.items()):
                if stopping or name in due or child.poll() is None:
                    continue
                ran = now - started[name]
                # An exit with an error code right away is a start that failed (the port is
                # taken); a death by a signal (killed, out of memory) is a crash to recover from.
                if (
                    name == "web"
                    and first_web
                    and ran < FIRST_START_SECONDS
                    and child.returncode > 0
                ):
                    stop(None, None)
                    self.wait_all(children)
                    raise CommandError(f"Web 服务未能启动（退出码 {child.returncode}）。")
                # What the dead child left behind (its own workers) goes with it.
                stop_strays({c.pid for c in children.values() if c.poll() is None})
                failures[name] = 0 if ran >= STABLE_SECONDS else failures[name] + 1
                pause = RESTART_PAUSES[min(failures[name], len(RESTART_PAUSES) - 1)]
                self.stderr.write(
                    f"{name} 进程已退出（退出码 {child.returncode}），{pause:g} 秒后重新启动。"
                )
                due[name] = now + pause
            for name, at in list(due.items()):
                if now >= at and not stopping:
                    del due[name]
                    start(name)
                    if name == "web":
                        first_web = False
            if "web" in children and now - started["web"] >= FIRST_START_SECONDS:
                first_web = False
        self.wait_all(children)
        stop_strays(set())

    @staticmethod
    def wait_all(children: dict[str, subprocess.Popen]) -> None:
        for child in children.values():
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
