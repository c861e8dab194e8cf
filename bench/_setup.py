"""Shared start-up for the benchmark scripts: a database of their own, migrated.

SQLite by default (under bench/.data/<name>/), or the PostgreSQL database DATABASE_URL names.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start(name: str) -> str:
    ensure_pg_database()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianfu.settings")
    os.environ.setdefault("JIANFU_VAR_DIR", str(ROOT / "bench" / ".data" / name))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    return connection.vendor


def ensure_pg_database(url: str | None = None) -> None:
    """Create the PostgreSQL database `url` (by default DATABASE_URL) names when it is missing;
    nothing for SQLite. start() calls it before it migrates."""
    from urllib.parse import urlsplit

    url = url if url is not None else os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return
    import psycopg
    from psycopg import sql

    name = parts.path.lstrip("/")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", flush=True)


def figure(name: str, value: float) -> None:
    print(
        f"figure: {name} = {value:.3f}"
        if isinstance(value, float)
        else f"figure: {name} = {value}",
        flush=True,
    )


def median_ms(fn, runs: int = 50) -> float:
    fn()  # warm caches and connections
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return samples[len(samples) // 2]


def measure_dashboard(as_of, username: str = "leader") -> None:
    """The leaders' dashboard (core/dashboard_views.py) as `username` sees it on `as_of`, over the
    data the calling bench built; bench/dashboard.py and bench/bulletin.py both call it.

    Prints each panel's own time (core.dashboard.build, panel by panel, the median of five), then
    the figures: dashboard_ms, GET /dashboard/ through the test client signed in as `username`, the
    median of seven after one warm-up; dashboard_anchor_ms, GET of the login page in the same
    process and database the same way (a request that reads nothing); and their ratio."""
    from django.test import Client

    from jianfu.core import clock, dashboard
    from jianfu.core.models import User

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username=username))

    def page(url: str, by: Client):
        def get():
            response = by.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return get

    with clock.frozen(as_of):
        for key, panel in sorted(dashboard.PANELS.items(), key=lambda kv: kv[1].order):
            user = User.objects.get(username=username)
            ms = median_ms(lambda p=panel, u=user: p.compute(u, None, as_of), runs=5)
            print(f"panel {key}: {ms:.0f} ms", flush=True)
        dashboard_ms = median_ms(page("/dashboard/", client), runs=7)
        anchor_ms = median_ms(page("/login/", Client(HTTP_HOST="localhost")), runs=7)
    figure("dashboard_ms", round(dashboard_ms))
    figure("dashboard_anchor_ms", round(anchor_ms, 1))
    figure("dashboard_ratio", round(dashboard_ms / anchor_ms, 1))
