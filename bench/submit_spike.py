"""Month-end burst: 2,000 sample points submit their reports to the real server over HTTP.

    .venv/bin/python bench/submit_spike.py               # SQLite, then PostgreSQL (printed last)
    DATABASE_URL=postgres://…/db .venv/bin/python bench/submit_spike.py    # that database only

Needs aiohttp in the venv (`pip install aiohttp`). Each database gets its own data: SQLite under
bench/.data/submit_spike/, PostgreSQL in jianfu_bench_spike (created when missing). The first run
builds the province tree and designates 2,000 of its villages as sample points, each with one
reporter (one password hash for all); later runs reuse them and delete the period's reports.

The server is the real one, started as a subprocess: granian (WSGI, one worker per core, two at
least, × 1 blocking thread, as `jianfu serve`; `--workers N` to compare), DEBUG off, the full
middleware stack, persistent database connections. Every reporter logs in before the timed
window (GET /login/ for the CSRF cookie, POST /login/ with the token), so each client holds its
own session cookie and CSRF token. Logins are not timed; they use a fast password hasher so
2,000 of them take seconds, not minutes (`--real-hasher` keeps PBKDF2).

The timed window: 2,000 submissions from 64 concurrent clients, each one POST of the report JSON to
/api/monitoring/submit (where the phone page posts: POST /api/monitoring/reports's checks, service
and answers in a plain view) with its session cookie, X-CSRFToken and a fresh client_key. 5 % of the
points send their key twice: half as a retry after the answer, half as a double tap (both in flight
at once). Then the database is checked: every point has exactly one report for the period, at
version 1, with one stored version (none lost, none doubled), each stored report has its audit
entry, and the audit chain verifies end to end (the run fails otherwise).

The anchor, measured in the same run on the same server just before the burst: a minimal Django
endpoint. Each point POSTs its report's body once to /bench/minimal, from the same 64 clients with
the same session cookie and X-CSRFToken header. The endpoint is a plain Django view, first in the
URL list, that answers the signed-in account's id as a small JSON object: it pays what every
signed-in write pays on this stack (granian, the full middleware, the session and the account read
from the database, the CSRF check) and nothing else — no validation, no transaction, no write.
It lives only in the bench's own URL module (bench/.data/…/spike_urls.py: the application's
URLs after it), written beside the bench's settings module, which is the application's settings
with that ROOT_URLCONF.

Figures, per database (PostgreSQL's last): minimal_per_s (the anchor's requests / its window),
submits_per_s (reports stored / window), burst_vs_minimal_ratio (the two), p50_ms and p99_ms
(every request in the window, retries included), lost, doubled, and the server's CPU time per
request of each (server_cpu_per_submit_ms, server_cpu_per_minimal_ms). It also prints the CPU time
per request of the database's backends and of the client: on this shared machine CPU times move
less than the throughput when something else runs beside the bench.
"""

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from jianfu.core.management.commands.serve import WORKERS
from jianfu.testing.reports import plausible_answers

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data" / "submit_spike"
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/jianfu_bench_spike"
POINTS = 2000
CLIENTS = 64
RETRY_SHARE = 0.05
AS_OF = "2026-06-03"  # May's report is due on 5 June: the month-end burst
PERIOD = "2026-05"
PASSWORD = "Spike@2026"
SETTINGS_MODULE = "spike_settings"
URLS_MODULE = "spike_urls"
MINIMAL_PATH = "/bench/minimal"


# --- The parent: one child process per database (settings are per process) ---------------------


def ensure_pg_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", flush=True)


def run_child(database_url: str | None, argv: list[str]) -> int:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
        env["JIANFU_VAR_DIR"] = str(DATA / "pg")
    else:
        env["JIANFU_VAR_DIR"] = str(DATA / "sqlite")
    return subprocess.call([sys.executable, __file__, "--one", *argv], env=env, cwd=ROOT)


def main_parent(args, argv: list[str]) -> int:
    if os.environ.get("DATABASE_URL"):
        url = os.environ["DATABASE_URL"]
        if url.startswith("postgres"):
            ensure_pg_database(url)
        return run_child(url, argv)
    status = 0 if args.only == "postgresql" else run_child(None, argv)
    if args.only == "sqlite":
        return status
    ensure_pg_database(PG_DEFAULT)
    return run_child(PG_DEFAULT, argv) or status


# --- The child: set up, serve, log in, burst, check ----------------------------------------------


MINIMAL_URLS = '''"""The application's URLs, and first the anchor: the least a signed-in JSON write
costs on this stack."""

from django.http import JsonResponse
from django.urls import path

from jianfu.urls import urlpatterns as application_urls


def minimal(request):
    if not request.user.is_authenticated:
        return JsonResponse({"code": "unauthorized"}, status=401)
    return JsonResponse({"ok": True, "user": request.user.pk})


urlpatterns = [path("bench/minimal", minimal), *application_urls]
'''


def write_settings(var_dir: Path, real_hasher: bool) -> None:
    """The server's settings: the real ones, plus the minimal endpoint's URL; only the untimed
    logins may use a faster hasher."""
    var_dir.mkdir(parents=True, exist_ok=True)
    lines = [
        "from jianfu.settings import *  # noqa: F403\n",
        f'ROOT_URLCONF = "{URLS_MODULE}"\n',
    ]
    if not real_hasher:
        lines.append('PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]\n')
    (var_dir / f"{SETTINGS_MODULE}.py").write_text("".join(lines))
    (var_dir / f"{URLS_MODULE}.py").write_text(MINIMAL_URLS)


def build(vendor: str, real_hasher: bool) -> None:
    import datetime as dt

    from django.contrib.auth.hashers import MD5PasswordHasher, make_password
    from django.db import transaction
    from django.utils import timezone

    from jianfu.core.models import RoleGrant, Unit, User
    from jianfu.demo import generator
    from jianfu.monitoring.models import SamplePoint

    if SamplePoint.objects.filter(reporters__username__startswith="spike-").count() >= POINTS:
        return
    t = time.perf_counter()
    generator.load(size="province", seed=2025, as_of=AS_OF, with_extensions=False)
    print(f"province tree ready in {time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()
    counties = dict(Unit.objects.filter(kind="county").values_list("path", "pk"))
    villages = list(
        Unit.objects.filter(kind="village", sample_point__isnull=True).order_by("path")[
            : POINTS * 5
        ]
    )
    chosen = sorted(random.Random(2026).sample(villages, POINTS), key=lambda u: u.path)
    hashed = (
        make_password(PASSWORD)
        if real_hasher
        else MD5PasswordHasher().encode(PASSWORD, MD5PasswordHasher().salt())
    )
    now = timezone.now()
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    username=f"spike-{u.code}",
                    full_name=f"填报员{u.code[-4:]}",
                    password=hashed,
                    home_unit=u,
                    must_change_password=False,
                    password_changed_at=now,
                )
                for u in chosen
            ],
            batch_size=1000,
        )
        if users[0].pk is None:
            ids = dict(
                User.objects.filter(username__startswith="spike-").values_list("username", "pk")
            )
            for user in users:
                user.pk = ids[user.username]
        RoleGrant.objects.bulk_create(
            [RoleGrant(user=user, role="reporter") for user in users], batch_size=1000
        )
        points = SamplePoint.objects.bulk_create(
            [
                SamplePoint(
                    unit=u,
                    county_id=counties[u.path[: 3 * Unit.steplen]],
                    kind=u.kind,
                    since=dt.date(2024, 1, 1),
                )
                for u in chosen
            ],
            batch_size=1000,
        )
        if points[0].pk is None:
            ids = dict(SamplePoint.objects.filter(unit__in=chosen).values_list("unit_id", "pk"))
            for p in points:
                p.pk = ids[p.unit_id]
        SamplePoint.reporters.through.objects.bulk_create(
            [
                SamplePoint.reporters.through(samplepoint_id=p.pk, user_id=user.pk)
                for p, user in zip(points, users, strict=True)
            ],
            batch_size=1000,
        )
    print(
        f"{POINTS} sample points and reporters designated in {time.perf_counter() - t:.1f} s",
        flush=True,
    )


def reset() -> list[tuple[int, str]]:
    """Delete the period's reports (and every old session); return (point id, username)."""
    from django.contrib.sessions.models import Session

    from jianfu.core.models import LoginFailure
    from jianfu.monitoring.models import Report, ReportVersion, SamplePoint

    ReportVersion.objects.filter(report__period=PERIOD).delete()
    Report.objects.filter(period=PERIOD).delete()
    Session.objects.all().delete()
    LoginFailure.objects.all().delete()
    return list(
        SamplePoint.objects.filter(reporters__username__startswith="spike-")
        .order_by("pk")
        .values_list("pk", "reporters__username")[:POINTS]
    )


def group_cpu_s(pgid: int) -> float:
    """CPU seconds used so far by the processes of a process group (the server's)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5, pgrp
            total += int(fields[11]) + int(fields[12])  # fields 14 and 15: utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def database_cpu_s() -> float:
    """CPU seconds used so far by the PostgreSQL backends serving the bench database (0 on
    SQLite): the database's share, apart from whatever else runs on the machine."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    marker = f" {connection.settings_dict['NAME']} ".encode()
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            if not command.startswith(b"postgres:") or marker not in command:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def box_cpu_s() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / tick, sum(values) / tick


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, var_dir: Path, workers: int, threads: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "PYTHONPATH": os.pathsep.join([str(var_dir), str(ROOT)]),
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "JIANFU_AS_OF": AS_OF,
            "LOG_LEVEL": "ERROR",  # not a warning per refused warm-up request
        }
    )
    command = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--no-ws",  # as `jianfu serve`
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        "jianfu.wsgi:application",
    ]
    return subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)


def stop_server(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def cookie_header(cookies: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


async def wait_ready(http, base: str, server: subprocess.Popen) -> None:
    import aiohttp

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited at start-up")
        try:
            async with http.get(base + "/login/") as r:
                if r.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.3)
    raise SystemExit("the server did not start within 60 s")


async def log_in(http, base: str, username: str) -> dict:
    """A real login: the login page's CSRF cookie and token, then the form post."""
    async with http.get(base + "/login/") as r:
        page = await r.text()
        cookies = {k: m.value for k, m in r.cookies.items()}
    marker = 'name="csrfmiddlewaretoken" value="'
    token = page[page.index(marker) + len(marker) :].split('"', 1)[0]
    async with http.post(
        base + "/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Cookie": cookie_header(cookies)},
        allow_redirects=False,
    ) as r:
        await r.read()
        if r.status != 302 or "sessionid" not in r.cookies:
            raise SystemExit(f"login failed for {username}: HTTP {r.status}")
        cookies.update({k: m.value for k, m in r.cookies.items()})
    return cookies  # sessionid, and the csrftoken Django rotated at login


async def burst(base: str, reporters: list[tuple[int, str]], server_pgid: int) -> dict:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=CLIENTS)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar(), timeout=timeout
    ) as http:
        # Logins (untimed), 64 at a time.
        t = time.perf_counter()
        sessions: dict[int, dict] = {}
        queue = list(reporters)

        async def login_worker():
            while queue:
                point, username = queue.pop()
                sessions[point] = await log_in(http, base, username)

        await asyncio.gather(*(login_worker() for _ in range(CLIENTS)))
        print(f"{len(sessions)} reporters logged in in {time.perf_counter() - t:.1f} s", flush=True)

        url = base + "/api/monitoring/submit"
        rng = random.Random(5)

        def headers(point: int) -> dict:
            cookies = sessions[point]
            return {
                "Cookie": cookie_header(cookies),
                "X-CSRFToken": cookies["csrftoken"],
                "Content-Type": "application/json",
                "Accept": "application/json",
            }

        async def post(point: int, body: bytes, to: str = url) -> tuple[int, dict | None, float]:
            start = time.perf_counter()
            try:
                async with http.post(to, data=body, headers=headers(point)) as r:
                    raw = await r.read()
                    status = r.status
            except (TimeoutError, aiohttp.ClientError):
                return 0, None, (time.perf_counter() - start) * 1000
            elapsed = (time.perf_counter() - start) * 1000
            try:
                return status, json.loads(raw), elapsed
            except ValueError:
                return status, None, elapsed

        # Warm-up (untimed): answers that fail validation store nothing but run the whole path.
        warm = [p for p, _u in reporters[:256]]
        warm_body = {"period": PERIOD, "values": {}}
        await asyncio.gather(
            *(
                post(
                    p,
                    json.dumps({**warm_body, "point": p, "client_key": uuid.uuid4().hex}).encode(),
                )
                for p in warm
            )
        )

        # Every session used once more (untimed), each through the minimal endpoint: a session's
        # last-seen time is written at most once a minute (IdleTimeoutMiddleware), so the sessions
        # logged in more than a minute ago would otherwise pay that write in whichever timed
        # window comes first. Now neither the anchor nor the burst pays it.
        touch = [p for p, _u in reporters]

        async def toucher():
            while touch:
                await post(touch.pop(), b"{}", base + MINIMAL_PATH)

        await asyncio.gather(*(toucher() for _ in range(CLIENTS)))

        jobs = []
        for point, _username in reporters:
            roll = rng.random()
            retry = "again" if roll < RETRY_SHARE / 2 else "tap" if roll < RETRY_SHARE else ""
            body = json.dumps(
                {
                    "point": point,
                    "period": PERIOD,
                    "client_key": str(uuid.uuid4()),
                    "values": plausible_answers(rng),
                }
            ).encode()
            jobs.append((point, body, retry))
        rng.shuffle(jobs)

        # The anchor, just before the burst: each point posts its report's body once to the
        # minimal endpoint, from the same 64 clients with the same cookies and CSRF header.
        minimal_pending = list(jobs)
        minimal_bad = 0

        async def minimal_worker():
            nonlocal minimal_bad
            while minimal_pending:
                point, body, _retry = minimal_pending.pop()
                status, _data, _ms = await post(point, body, base + MINIMAL_PATH)
                minimal_bad += status != 200

        cpu_before = group_cpu_s(server_pgid)
        t0 = time.perf_counter()
        await asyncio.gather(*(minimal_worker() for _ in range(CLIENTS)))
        minimal_window = time.perf_counter() - t0
        minimal = {
            "per_s": len(jobs) / minimal_window,
            "server_ms": (group_cpu_s(server_pgid) - cpu_before) / len(jobs) * 1000,
            "bad": minimal_bad,
        }
        print(
            f"minimal endpoint: {len(jobs)} requests in {minimal_window:.2f} s, server CPU "
            f"{minimal['server_ms']:.1f} ms per request, not 200: {minimal_bad}",
            flush=True,
        )

        latencies: list[float] = []
        bad: dict[str, int] = {}
        outcome = {"created": 0, "same": 0, "retries": 0, "double_taps": 0}
        versions: dict[int, set] = {}

        def note(point: int, status: int, data: dict | None, ms: float) -> None:
            latencies.append(ms)
            if status in (200, 201) and data:
                outcome["created" if status == 201 else "same"] += 1
                versions.setdefault(point, set()).add(data["version"])
            else:
                detail = (data or {}).get("code", "")
                bad[f"{status} {detail}".strip()] = bad.get(f"{status} {detail}".strip(), 0) + 1

        pending = list(jobs)

        async def worker():
            while pending:
                point, body, retry = pending.pop()
                if retry == "tap":
                    outcome["double_taps"] += 1
                    for status, data, ms in await asyncio.gather(
                        post(point, body), post(point, body)
                    ):
                        note(point, status, data, ms)
                    continue
                note(point, *await post(point, body))
                if retry == "again":
                    outcome["retries"] += 1
                    note(point, *await post(point, body))

        cpu_server, cpu_database, cpu_client, (box_busy, box_all) = (
            group_cpu_s(server_pgid),
            database_cpu_s(),
            time.process_time(),
            box_cpu_s(),
        )
        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CLIENTS)))
        window = time.perf_counter() - t0
        box_busy2, box_all2 = box_cpu_s()
        cpu = {
            "server": (group_cpu_s(server_pgid) - cpu_server) / window,
            "database": (database_cpu_s() - cpu_database) / window,
            "client": (time.process_time() - cpu_client) / window,
            "box": (box_busy2 - box_busy) / window,
            "cores": (box_all2 - box_all) / window,
        }
    return {
        "window": window,
        "latencies": latencies,
        "bad": bad,
        "outcome": outcome,
        "answered_versions": versions,
        "cpu": cpu,
        "minimal": minimal,
    }


def check(reporters: list[tuple[int, str]]) -> tuple[int, int, dict]:
    from django.db.models import Count, Max

    from jianfu.core import audit
    from jianfu.core.models import AuditEntry
    from jianfu.monitoring.models import Report, ReportVersion

    expected = {p for p, _u in reporters}
    reports = dict(
        Report.objects.filter(period=PERIOD).values_list("point_id").annotate(n=Count("id"))
    )
    stored_versions = dict(
        ReportVersion.objects.filter(report__period=PERIOD)
        .values_list("report__point_id")
        .annotate(n=Count("id"))
    )
    highest = Report.objects.filter(period=PERIOD).aggregate(v=Max("version"))["v"]
    lost = sum(1 for p in expected if p not in reports)
    doubled = sum(1 for p in expected if reports.get(p, 0) > 1 or stored_versions.get(p, 0) > 1)
    # Audited: one "submitted" entry per stored report, and the whole chain still verifies.
    ids = [str(pk) for pk in Report.objects.filter(period=PERIOD).values_list("pk", flat=True)]
    audited = AuditEntry.objects.filter(
        code="jianfu.monitoring.report.submitted",
        object_type="monitoring.report",
        object_id__in=ids,
    ).count()
    broken = audit.verify()
    return (
        lost,
        doubled,
        {
            "reports": sum(reports.values()),
            "highest_version": highest,
            "audited": audited,
            "chain": "holds" if broken is None else f"broken at {broken}",
        },
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main_child(args) -> int:
    var_dir = Path(os.environ["JIANFU_VAR_DIR"])
    write_settings(var_dir, args.real_hasher)
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ["JIANFU_AS_OF"] = AS_OF
    from _setup import figure, start

    vendor = start("submit_spike")
    print(f"\n=== database: {vendor} ===", flush=True)
    build(vendor, args.real_hasher)
    reporters = reset()
    if len(reporters) < POINTS:
        raise SystemExit(f"only {len(reporters)} sample points with reporters")
    from django.db import connections

    connections.close_all()
    port = free_port()
    server = start_server(port, var_dir, args.workers, args.threads)
    print(f"server: granian wsgi, {args.workers} workers x {args.threads} threads", flush=True)
    try:
        import aiohttp

        async def ready():
            async with aiohttp.ClientSession() as http:
                await wait_ready(http, f"http://127.0.0.1:{port}", server)

        asyncio.run(ready())
        result = asyncio.run(burst(f"http://127.0.0.1:{port}", reporters, server.pid))
    finally:
        stop_server(server)
    lost, doubled, counts = check(reporters)
    lat = result["latencies"]
    o = result["outcome"]
    print(
        f"window {result['window']:.2f} s: {len(lat)} requests from {CLIENTS} clients "
        f"({len(lat) / result['window']:.0f} requests/s); created {o['created']}, "
        f"same key answered {o['same']} (retries {o['retries']}, double taps {o['double_taps']}); "
        f"not 2xx: {result['bad'] or 0}; stored {counts['reports']} reports, "
        f"highest version {counts['highest_version']}; audit entries for them {counts['audited']}, "
        f"audit chain {counts['chain']}; mean {statistics.mean(lat):.0f} ms",
        flush=True,
    )
    cpu = result["cpu"]
    per_request = {k: v * result["window"] / len(lat) * 1000 for k, v in cpu.items()}
    print(
        f"CPU cores busy in the window: server {cpu['server']:.2f}, database "
        f"{cpu['database']:.2f}, client {cpu['client']:.2f}, whole machine {cpu['box']:.2f} of "
        f"{cpu['cores']:.0f} (the rest: anything else running); CPU per request: server "
        f"{per_request['server']:.1f} ms, database {per_request['database']:.1f} ms, client "
        f"{per_request['client']:.1f} ms",
        flush=True,
    )
    minimal = result["minimal"]
    submits_per_s = counts["reports"] / result["window"]
    figure("minimal_per_s", round(minimal["per_s"]))
    figure("submits_per_s", round(submits_per_s))
    figure("burst_vs_minimal_ratio", round(submits_per_s / minimal["per_s"], 2))
    figure("server_cpu_per_submit_ms", round(per_request["server"], 2))
    figure("server_cpu_per_minimal_ms", round(minimal["server_ms"], 2))
    figure("p50_ms", round(percentile(lat, 0.50)))
    figure("p99_ms", round(percentile(lat, 0.99)))
    figure("lost", lost)
    figure("doubled", doubled)
    audited = counts["audited"] == counts["reports"] and counts["chain"] == "holds"
    ok = not lost and not doubled and audited and not result["bad"] and not minimal["bad"]
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--real-hasher", action="store_true", help="log in with PBKDF2 (adds minutes, not timed)"
    )
    parser.add_argument(
        "--workers", type=int, default=WORKERS, help=f"granian workers ({WORKERS}, as serve)"
    )
    parser.add_argument("--threads", type=int, default=1, help="blocking threads per worker (1)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    args = parser.parse_args()
    if args.one:
        return main_child(args)
    return main_parent(args, [a for a in sys.argv[1:] if a != "--one"])


if __name__ == "__main__":
    sys.exit(main())
