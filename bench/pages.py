"""Every list page at province size, as the office sees it (and the system administrator's own), and
the nightly run over the same data.

    .venv/bin/python bench/pages.py                  # SQLite (bench/.data/pages-province/)
    DATABASE_URL=postgres://…/jianfu_bench_pages .venv/bin/python bench/pages.py
        # PostgreSQL (its files in bench/.data/pages-province-postgresql/)
    .venv/bin/python bench/pages.py --size city                       # quicker

Builds, when absent, the demo's province (`jianfu demo --size province`: 16 cities, 25,000 villages,
their sample points and every demo stage), then:

- walks every page without path arguments that answers the office with HTML (the list pages, the
  inboxes, the overviews and the home page), each the median of three after one warm-up, through
  Django's test client signed in as `office` (a page the office may not open, as `sysadmin`: the
  system status), and prints each with its query count, slowest first;
- on PostgreSQL refreshes the statistics (ANALYZE) first, as autovacuum keeps them on a live
  server;
- runs the nightly run: every daily scheduled job (all rules, all reminders, the indexes and the
  sweeps) once, in the order the scheduler holds them, timing each.

Figures: `slowest_page_ms` (with `slowest_page_queries` and its path printed above),
`pages_over_300ms`, the anchor `login_page_ms` (the login page, which reads nothing, the same way
in the same run) and `slowest_page_vs_login_ratio`; `nightly_s`.
"""

import argparse
import datetime as dt
import os
import time

from _setup import figure, start

parser = argparse.ArgumentParser()
parser.add_argument("--size", default="province", choices=["tiny", "city", "province"])
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--skip-nightly", action="store_true")
args = parser.parse_args()

# PostgreSQL's run keeps its files (uploads, keys) apart from SQLite's, whose database is there.
on_pg = os.environ.get("DATABASE_URL", "").startswith("postgres")
vendor = start(f"pages-{args.size}" + ("-postgresql" if on_pg else ""))

import logging  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import URLPattern, URLResolver, get_resolver  # noqa: E402

from jianfu.core import clock, scheduler  # noqa: E402
from jianfu.core.models import User  # noqa: E402
from jianfu.demo import generator  # noqa: E402

# A page the office may not open (the commission's own) answers 403 and is left out, quietly.
logging.getLogger("django.request").setLevel(logging.ERROR)

LIMIT_MS = 300
# Pages that are not lists: they end a session, start a download or serve the API's own pages.
SKIP_PREFIXES = ("api/", "static/", "logout", "i18n/", "lang/")


def paths() -> list[str]:
    """Every URL pattern without path arguments, as a path."""
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            route = str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + route)
            elif isinstance(p, URLPattern):
                full = prefix + route
                if "<" in full or "(?P" in full or full.startswith(SKIP_PREFIXES):
                    continue
                found.append("/" + full.lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


def timed_get(client: Client, path: str) -> tuple[float, int, object]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(path)
        ms = (time.perf_counter() - started) * 1000
    return ms, len(queries), response


def median(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2]


def build() -> None:
    if generator.demo_exists():
        return
    print(f"building the demo at size {args.size} …", flush=True)
    started = time.perf_counter()
    call_command("demo", size=args.size, verbosity=0)
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)


def opened(accounts: list[tuple[str, Client]], path: str):
    """(username, client, timed_get's answer) of the first account the page does not refuse."""
    for username, client in accounts:
        answer = timed_get(client, path)
        if answer[2].status_code != 403:
            return username, client, answer
    return username, client, answer


def walk_pages(as_of) -> None:
    accounts = []
    for username in ("office", "sysadmin"):
        client = Client(HTTP_HOST="localhost")
        client.force_login(User.objects.get(username=username))
        accounts.append((username, client))
    rows = []
    with clock.frozen(as_of):
        for path in paths():
            # Warm-up, and what it is: as the first account the page is for.
            username, client, (ms, queries, response) = opened(accounts, path)
            kind = response.get("Content-Type", "")
            if response.status_code != 200 or not kind.startswith("text/html"):
                continue
            samples = [ms]
            for _ in range(args.runs):
                ms, queries, _response = timed_get(client, path)
                samples.append(ms)
            shown = path if username == "office" else f"{path} (as {username})"
            rows.append((median(samples[1:]), queries, shown))
        anonymous = Client(HTTP_HOST="localhost")
        login = median([timed_get(anonymous, "/login/")[0] for _ in range(args.runs + 1)][1:])
    rows.sort(reverse=True)
    print(f"{len(rows)} pages ({vendor}, size {args.size}), slowest first:")
    for ms, queries, path in rows:
        mark = "  OVER" if ms > LIMIT_MS else ""
        print(f"  {ms:8.1f} ms  {queries:4d} queries  {path}{mark}", flush=True)
    slowest_ms, slowest_queries, slowest_path = rows[0]
    print(f"slowest page: {slowest_path}")
    figure("slowest_page_ms", round(slowest_ms, 1))
    figure("slowest_page_queries", slowest_queries)
    figure("pages_over_300ms", sum(1 for ms, _q, _p in rows if ms > LIMIT_MS))
    figure("login_page_ms", round(login, 2))
    figure("slowest_page_vs_login_ratio", round(slowest_ms / login, 1))


def nightly(as_of) -> None:
    """Every daily job once, as the worker would enqueue them at night (interval jobs, such as
    the notifications' due deliveries, run all day and are left out)."""
    total = 0.0
    with clock.frozen(as_of):
        for job in scheduler.JOBS:
            if job.at is None:
                continue
            started = time.perf_counter()
            job.task.call()
            seconds = time.perf_counter() - started
            total += seconds
            print(f"  {seconds:7.2f} s  {job.name}", flush=True)
    figure("nightly_s", round(total, 1))


build()
if vendor == "postgresql":
    # The statistics refreshed once the data is ready (and migrated), as autovacuum keeps them
    # on a live server: a database just loaded or restored has none, and its plans are guesses.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
# The day the demo was built for: its progress, deadlines and reminders are of that day.
info = generator.loaded_info() or {}
as_of = dt.date.fromisoformat(info["as_of"]) if info.get("as_of") else clock.today()
walk_pages(as_of)
if not args.skip_nightly:
    nightly(as_of)
