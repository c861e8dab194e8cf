"""Beyond one machine, started for real: one PostgreSQL, the tasks through Redis (django-tasks-rq),
two web processes (granian from deploy/systemd/jianfu-web.service, one socket each, as two
machines) and two task workers (jianfu-worker.service). The month-end burst spread over both web
processes — some reports sent to both at once — and two nightly runs that both workers race for:
every report saved once, every task run once, every nightly job enqueued once a night, no
reminder sent twice. Then the read-only pages on a second PostgreSQL database as the replica.

PostgreSQL and Redis are needed whatever database the suite runs on (CI has both); the Redis
database is JIANFU_TEST_REDIS_URL (default db 5 on the local server), emptied by the test."""

import concurrent.futures
import io
import json
import os
import random
import re
import uuid

import httpx
import pytest
from openpyxl import load_workbook

from jianfu.testing import stack
from jianfu.testing.live import PASSWORD, LiveServer, _admin, _drop_postgres_database
from jianfu.testing.reports import plausible_answers

REDIS_URL = os.environ.get("JIANFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
PG_URL = os.environ.get("DATABASE_URL", "")
if not PG_URL.startswith("postgres"):
    PG_URL = os.environ.get(
        "JIANFU_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
AS_OF, PERIOD = "2026-06-03", "2026-05"  # May's report is due on 5 June
POINTS, SUBMITTING = 36, 30  # six points send nothing: the reminders are theirs


def _reachable() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as e:  # noqa: BLE001
        return f"Redis at {REDIS_URL} is needed: {e}"
    try:
        _admin(PG_URL).close()
    except Exception as e:  # noqa: BLE001
        return f"PostgreSQL at {PG_URL} is needed: {e}"
    return None


pytestmark = pytest.mark.skipif(bool(_reachable()), reason=_reachable() or "")

POINTS_CODE = f"""
import datetime as dt
from django.utils import timezone
from jianfu.monitoring.models import SamplePoint
hashed = User.objects.get(username="reporter").password
county = Unit.objects.get(code="TA")
ids = []
for i in range({POINTS}):
    town = Unit.objects.get(code="TA01")
    village = town.add_child(code=f"TA01{{i + 10:02d}}", name=f"甲村{{i}}", kind="village")
    user = User.objects.create(
        username=f"burst{{i}}", password=hashed, full_name=f"填报员{{i}}", home_unit=village,
        must_change_password=False, password_changed_at=timezone.now(),
    )
    RoleGrant.objects.create(user=user, role="reporter")
    point = SamplePoint.objects.create(
        unit=village, county=county, kind="village", since=dt.date(2023, 1, 1)
    )
    point.reporters.set([user])
    ids.append([point.pk, user.username])
print(json.dumps(ids))
"""


@pytest.fixture(scope="module")
def seed(worker_id):
    """One migrated database with the test city and the burst's points, copied by each test."""
    live = LiveServer(suffix=f"seed_{worker_id}")
    live.database_url = _database(f"jianfu_seed_{worker_id}_{os.getpid()}")
    live.prepare()
    points = json.loads(live.run_python("import json\n" + POINTS_CODE).strip().splitlines()[-1])
    yield live, points
    _drop_postgres_database(live.database_url)


def _database(name: str, template: str | None = None) -> str:
    with _admin(PG_URL) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return f"{PG_URL.rpartition('/')[0]}/{name}"


def _copy(seed_url: str, name: str) -> str:
    return _database(name, template=seed_url.rpartition("/")[2])


class Machines:
    """Web processes and task workers from the units, on one database (and Redis)."""

    def __init__(self, live: LiveServer, tmp, env: dict[str, str]):
        self.live, self.tmp = live, tmp
        self.processes = stack.Processes(tmp)
        self.secrets = {
            "DATABASE_URL": live.database_url,
            "JIANFU_TESTING": "1",  # the test city's fast password hasher
            "JIANFU_HTTPS": "0",  # no nginx in front: the test's clients speak plain http
            "JIANFU_AS_OF": AS_OF,
            "WEB_WORKERS": "1",
            **env,
        }
        self.sockets: list[str] = []

    def paths(self, run) -> dict[str, str]:
        return {
            f"{stack.SERVER_ROOT}/.venv": stack.VENV,
            stack.SERVER_ROOT: str(stack.ROOT),
            stack.SERVER_RUN: str(run),
            stack.SERVER_VAR: str(self.live.var_dir),
        }

    def start_web(self, name: str) -> None:
        run = self.tmp / name
        run.mkdir()
        argv, env = stack.unit_command(
            "jianfu-web.service", env=self.secrets, paths=self.paths(run)
        )
        process = self.processes.start(name, argv, stack.python_env(env))
        sock = str(run / "web.sock")
        stack.wait_for(lambda: self.client(sock).get("/login/").status_code == 200, name, process)
        self.sockets.append(sock)

    def start_worker(self, name: str) -> None:
        argv, env = stack.unit_command(
            "jianfu-worker.service", env=self.secrets, paths=self.paths(self.tmp)
        )
        self.processes.start(name, argv, stack.python_env(env))

    @staticmethod
    def client(sock: str) -> httpx.Client:
        return httpx.Client(
            base_url="http://127.0.0.1", transport=httpx.HTTPTransport(uds=sock), timeout=60
        )


def _log_in(client: httpx.Client, username: str) -> str:
    page = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = client.post(
        "/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": "http://127.0.0.1/login/"},
    )
    assert answer.status_code == 302, answer.text[:300]
    return client.cookies["csrftoken"]


def _submit(machines: Machines, index: int, point: int, username: str) -> list[int]:
    """One reporter: logs in on one web process, submits there; every fifth also sends the very
    same report to the other web process at the same moment (a double tap across machines)."""
    here = machines.sockets[index % 2]
    other = machines.sockets[(index + 1) % 2]
    client = machines.client(here)
    token = _log_in(client, username)
    body = {
        "point": point,
        "period": PERIOD,
        "client_key": str(uuid.uuid4()),
        "values": plausible_answers(random.Random(point)),
    }

    def post(sock: str) -> int:
        c = machines.client(sock)
        c.cookies = client.cookies
        return c.post(
            "/api/monitoring/reports", json=body, headers={"X-CSRFToken": token}
        ).status_code

    if index % 5:
        return [post(here)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return list(pool.map(post, [here, other]))


def _rq_executions() -> dict[str, list[str]]:
    """Every task rq holds: its function -> for each of its jobs, its status and how many times
    it ran ("finished×1" for a task that ran once and succeeded)."""
    import redis
    from rq.job import Job

    r = redis.Redis.from_url(REDIS_URL)
    ids = [key.decode().split(":", 2)[2] for key in r.scan_iter("rq:job:*")]
    runs: dict[str, list[str]] = {}
    for job in Job.fetch_many(ids, connection=r):
        if job is not None:
            ran = r.xlen(f"rq:results:{job.id}")  # one entry per execution
            runs.setdefault(job.func_name, []).append(f"{job.get_status().value}×{ran}")
    return runs


NIGHT = """
import datetime as dt
from jianfu.core import clock
os.environ["JIANFU_AS_OF"] = AS_OF  # the workers' day
ScheduledJob.objects.update(next_run_at=clock.now() - dt.timedelta(minutes=1))
"""
STATE = """
from jianfu.monitoring.models import Reminder, Report, ReportVersion
from jianfu.notify.models import Message
print(json.dumps({
    "reports": Report.objects.filter(period=PERIOD).count(),
    "versions": sorted(set(Report.objects.values_list("version", flat=True))),
    "stored": ReportVersion.objects.filter(report__period=PERIOD).count(),
    "reminders": Reminder.objects.filter(period=PERIOD).count(),
    "messages": Message.objects.filter(
        recipient__username__startswith="burst",
        notice__kind="monitoring.reminder",
        notice__key__contains=f":{PERIOD}:",
    ).count(),
    "runs": {j.name: str(j.last_run_at) for j in ScheduledJob.objects.all()},
}))
"""


def _state(live: LiveServer) -> dict:
    return json.loads(
        live.run_python(f"import json\nPERIOD = {PERIOD!r}\n" + STATE).strip().splitlines()[-1]
    )


def _settled():
    """Both workers idle: the queue empty and every task held has run to its end."""
    import redis

    if redis.Redis.from_url(REDIS_URL).llen("rq:queue:default"):
        return None
    runs = _rq_executions()
    ends = {"finished", "failed"}
    done = all(run.split("×")[0] in ends for counts in runs.values() for run in counts)
    return runs if done else None


def test_the_month_end_burst_and_the_nightly_run_on_two_machines(seed, tmp_path):
    import redis

    from jianfu.core import scheduler

    live_seed, points = seed
    redis.Redis.from_url(REDIS_URL).flushdb()
    live = LiveServer(suffix="unused")
    live.database_url = _copy(live_seed.database_url, f"jianfu_rq_{os.getpid()}")
    machines = Machines(
        live, tmp_path, {"JIANFU_TASK_BACKEND": "rq", "JIANFU_REDIS_URL": REDIS_URL}
    )
    try:
        machines.start_web("web-a")
        machines.start_web("web-b")
        machines.start_worker("worker-1")
        machines.start_worker("worker-2")
        # The burst: 30 reporters at once, spread over both web processes.
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            statuses = list(
                pool.map(
                    lambda args: _submit(machines, *args),
                    [(i, p, u) for i, (p, u) in enumerate(points[:SUBMITTING])],
                )
            )
        assert all(s[0] in (200, 201) for s in statuses), statuses
        assert all(set(s) <= {200, 201} and s.count(201) == 1 for s in statuses), statuses
        after_burst = _state(live)
        assert after_burst["reports"] == SUBMITTING
        assert after_burst["versions"] == [1] and after_burst["stored"] == SUBMITTING

        # Two nights: both workers see every job due at once.
        nights = []
        for _night in range(2):
            live.run_python(f"import os\nAS_OF = {AS_OF!r}\n" + NIGHT)
            stack.wait_for(lambda: _nothing_due(live), "the nightly run", timeout=120)
            nights.append((stack.wait_for(_settled, "the task workers", timeout=120), _state(live)))
        # Every task rq was given ran once and succeeded ...
        executions = nights[1][0]
        assert all(set(runs) == {"finished×1"} for runs in executions.values()), executions
        # ... and each daily job was enqueued once a night, by one of the two workers.
        for job in scheduler.JOBS:
            if job.at is not None:
                assert len(executions[job.task.module_path]) == 2, (job.name, executions)
        first, second = nights[0][1], nights[1][1]
        assert set(first["runs"]) == {job.name for job in scheduler.JOBS}
        # The points that sent nothing (and the test city's own) were reminded the first night,
        # and not again the second.
        assert first["reminders"] == POINTS - SUBMITTING + 1, first
        assert first["messages"] - after_burst["messages"] == POINTS - SUBMITTING, first
        assert (second["reminders"], second["messages"]) == (first["reminders"], first["messages"])
        assert second["reports"] == SUBMITTING and second["stored"] == SUBMITTING
        for name in ("worker-1", "worker-2", "web-a", "web-b"):
            assert machines.processes.stop(name) == 0, machines.processes.log(name)
    except Exception:
        for name in list(machines.processes.running):
            print(f"--- {name}\n{machines.processes.log(name)}")
        raise
    finally:
        machines.processes.stop_all()
        _drop_postgres_database(live.database_url)


def _nothing_due(live: LiveServer) -> bool:
    """Every scheduled job was claimed (its next run is in the future again)."""
    out = live.run_python(
        f"import os\nos.environ['JIANFU_AS_OF'] = {AS_OF!r}\n"
        "from jianfu.core import clock\n"
        "print(ScheduledJob.objects.filter(next_run_at__lte=clock.now()).count())\n"
    )
    return out.strip().splitlines()[-1] == "0"


REPLICA_ONLY = """
Unit.objects.get(code="T").add_child(code="TR", name="只在副本里的县", kind="county")
"""


def test_read_only_pages_read_from_the_replica_and_writes_go_to_the_primary(seed, tmp_path):
    live_seed, _points = seed
    live = LiveServer(suffix="unused")
    live.database_url = _copy(live_seed.database_url, f"jianfu_primary_{os.getpid()}")
    replica = LiveServer(suffix="unused")
    replica.database_url = _copy(live_seed.database_url, f"jianfu_replica_{os.getpid()}")
    # A row only the replica holds: a page that shows it read from the replica.
    replica.run_python(REPLICA_ONLY)
    machines = Machines(live, tmp_path, {"DATABASE_REPLICA_URL": replica.database_url})
    try:
        machines.start_web("web")
        client = machines.client(machines.sockets[0])
        # The login's session and audit entry are written to the primary; the dashboard (marked
        # read-only) finds the session there too, and reads its units from the replica.
        _log_in(client, "office")
        dashboard = client.get("/dashboard/")
        assert dashboard.status_code == 200 and "只在副本里的县" in dashboard.text
        # A page not marked reads the primary: the replica's county is not there.
        export = client.get("/units/export.xlsx")
        assert export.status_code == 200
        names = {
            cell
            for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True)
            for cell in row
        }
        assert "甲县" in names and "只在副本里的县" not in names
        count = "print(AuditEntry.objects.filter(code='jianfu.core.login.succeeded').count())"
        assert live.run_python(count).split()[-1] == "1"
        assert replica.run_python(count).split()[-1] == "0"
        primary_units = "print(Unit.objects.filter(code='TR').count())"
        assert live.run_python(primary_units).split()[-1] == "0"
        assert machines.processes.stop("web") == 0
    except Exception:
        for name in list(machines.processes.running):
            print(f"--- {name}\n{machines.processes.log(name)}")
        raise
    finally:
        machines.processes.stop_all()
        _drop_postgres_database(live.database_url)
        _drop_postgres_database(replica.database_url)
