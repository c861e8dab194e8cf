"""The real server for tests that must stand where the user stands.

The test client skips CSRF checks and never starts granian, so token writes, uploads and the phone
flow are also tested against `jianfu serve`'s own server: granian, started here on a free port,
on a database of its own (a fresh SQLite file, or a fresh PostgreSQL database beside the suite's)
that holds the same test city and people as `jianfu/conftest.py`. Tests talk to it over HTTP only.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

PASSWORD = "Jianfu@2025"  # noqa: S105 - the test city's shared password
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _admin(url: str):
    """An autocommit connection to the maintenance database of the server `url` points at."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    return psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"] or "postgres",
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def _postgres_database(base_url: str, name: str) -> str:
    """A fresh PostgreSQL database named `name` on the server `base_url` points at."""
    with _admin(base_url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    head, _, _ = base_url.rpartition("/")
    return f"{head}/{name}"


def _drop_postgres_database(url: str) -> None:
    name = url.rpartition("/")[2]
    with _admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class LiveServer:
    """granian serving jianfu on 127.0.0.1:<port>, on its own database and var directory."""

    def __init__(self, suffix: str = "", workers: int = 1):
        self.var_dir = Path(tempfile.mkdtemp(prefix="jianfu-live-"))
        suite_db = os.environ.get("DATABASE_URL", "")
        if suite_db.startswith("postgres"):
            name = f"jianfu_live{('_' + suffix) if suffix else ''}_{os.getpid()}"
            self.database_url = _postgres_database(suite_db, name)
        else:
            self.database_url = f"sqlite:///{self.var_dir / 'live.sqlite3'}"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.process: subprocess.Popen | None = None
        self.log_path = self.var_dir / "server.log"  # what the server printed, for a failing test

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        env.update(
            DATABASE_URL=self.database_url,
            JIANFU_VAR_DIR=str(self.var_dir),
            # Fast password hashing and tasks run in the request, as in the suite.
            JIANFU_TESTING="1",
            DJANGO_SETTINGS_MODULE="jianfu.settings",
            PYTHONPATH=str(ROOT),
        )
        return env

    def run_python(self, code: str, timeout: float = 120) -> str:
        """Run `code` with Django set up against the server's database; return what it printed."""
        prelude = (
            "import django; django.setup()\n"
            "from jianfu.core.models import *\n"
            "from jianfu.registry.models import *\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", prelude + code],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"run_python failed:\n{done.stderr}")
        return done.stdout

    def prepare(self) -> None:
        """Migrate the server's database and build the test city in it."""
        subprocess.run(
            [sys.executable, "-m", "jianfu.cli", "migrate", "--noinput", "-v", "0"],
            env=self.env,
            cwd=ROOT,
            check=True,
            timeout=300,
        )
        self.run_python("from jianfu.conftest import build_city; build_city()")

    def start(self) -> "LiveServer":
        self.prepare()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jianfu.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            env=self.env,
            cwd=ROOT,
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self.wait_until_alive()
        return self

    def wait_until_alive(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.alive():
                return
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"jianfu serve exited with {self.process.returncode}")
            time.sleep(0.2)
        raise RuntimeError("jianfu serve did not answer in time")

    def alive(self) -> bool:
        try:
            return httpx.get(f"{self.url}/login/", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def client(self, username: str | None = None) -> httpx.Client:
        """An HTTP client with cookies kept; signed in through the real login form when a
        username is given (the CSRF token is then in `client.cookies["csrftoken"]`)."""
        client = httpx.Client(base_url=self.url, timeout=60, follow_redirects=False)
        if username is not None:
            client.get("/login/")
            answer = client.post(
                "/login/",
                data={
                    "username": username,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": client.cookies["csrftoken"],
                },
                headers={"Referer": f"{self.url}/login/"},
            )
            if answer.status_code != 302:
                raise RuntimeError(f"login as {username} failed: {answer.status_code}")
        return client

    def stop(self) -> None:
        if self.process is not None:
            # jianfu serve leads its own process group: granian's processes and the task worker
            # are in it. Ask them all to stop, then make sure none outlives the suite.
            group = self.process.pid
            _signal_group(group, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
            deadline = time.monotonic() + 5
            while _signal_group(group, 0) and time.monotonic() < deadline:
                time.sleep(0.1)
            _signal_group(group, signal.SIGKILL)
            self.process.wait()
        if self.database_url.startswith("postgres"):
            _drop_postgres_database(self.database_url)


def _signal_group(group: int, signum: int) -> bool:
    """Send `signum` to the process group; False when no process of it is left."""
    try:
        os.killpg(group, signum)
    except ProcessLookupError:
        return False
    return True


def _die_with_parent() -> None:
    """In the server's process: stop (SIGTERM) when the test process that started it dies, so an
    interrupted test run leaves no server behind."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
