"""Quota status and quota rules over province-size registry data.

    .venv/bin/python bench/quota_status.py                      # SQLite (bench/.data/quota_status/)
    DATABASE_URL=postgres://…/jianfu_bench_quota .venv/bin/python bench/quota_status.py

Builds, when absent: the province tree (about 35,000 units) and about a million registry records a
year for three years, spread over the counties and departments, with quotas for the current year.

Figures (medians of RUNS after one warm-up; this machine is shared, so read each against the
anchor of the same run):
- quota_status_ms: the status (used, left, pace, projection, exhaustion, year on year) of every
  unit and category, as the quota overview, dashboard and rules ask for it: one query over the
  quota usage (QuotaUsage), which every write keeps fresh in its own transaction, and the Status
  objects built from its rows.
- anchor_read_rows_ms: the floor under it — the same rows of the quota usage fetched as they are
  stored (unit, category, quota, used by the end of June, the months), nothing computed and no
  objects made: what any way of answering from precomputed rows pays to read and carry them
  into Python.
- quota_status_vs_read_rows_ratio: quota_status_ms / anchor_read_rows_ms (what the computing and
  the objects add on top of the read).
- quota_status_vs_limit_ratio: 100 ms (issue 19's bar) / quota_status_ms; at or above 1 the bar
  is met in this run.
- record_write_ms: one document registered through the service (its audit entry, the monthly
  rollup and the quota usage of four years rewritten), rolled back; the status read after it must
  show one more used (checked: "fresh after a write").
- quota_rules_s: all quota rules (pacing, rising, gaming, inspection plan) over that data.
"""

import datetime as dt
import random
import time

from _setup import figure, median_ms, start

vendor = start("quota_status")

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from jianfu.core import clock  # noqa: E402
from jianfu.core.models import Unit, User  # noqa: E402
from jianfu.demo import generator  # noqa: E402
from jianfu.registry import rollup  # noqa: E402
from jianfu.registry.models import (  # noqa: E402
    Document,
    Inspection,
    Meeting,
    Quota,
    QuotaUsage,
)
from jianfu.registry.quotas.figures import quota_status  # noqa: E402
from jianfu.registry.records import services  # noqa: E402

AS_OF = dt.date(2026, 6, 15)
YEARS = [AS_OF.year - 2, AS_OF.year - 1, AS_OF.year]
PER_YEAR = 1_000_000
RUNS = 21
# A year's records by month: a slow Spring Festival, a busy year end.
PROFILE = [0.06, 0.05, 0.09, 0.09, 0.09, 0.08, 0.08, 0.07, 0.09, 0.08, 0.09, 0.13]
SHARES = {"document": 0.6, "meeting": 0.3, "inspection": 0.1}


COMMON = ["unit_id", "external_id", "title", "counted", "created_at", "updated_at"]
COLUMNS = {
    Document: COMMON
    + [
        "number",
        "issued_on",
        "kind",
        "addressed_levels",
        "reaches_grassroots",
        "assigns_work",
        "pages",
        "characters",
        "full_text",
    ],
    Meeting: COMMON
    + ["held_on", "level", "form", "attend_levels", "grassroots_required", "grassroots_attendees"],
    Inspection: COMMON + ["kind", "method", "starts_on", "ends_on", "in_plan", "forms_demanded"],
}


def _insert(model, rows) -> None:
    # Plain executemany: three million ORM objects would spend minutes in Model.__init__.
    cols = COLUMNS[model]
    # The table and the columns come from the model, never from input.
    marks = ", ".join(["%s"] * len(cols))
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cur:
        cur.executemany(sql, rows)
    rows.clear()


def build() -> None:
    rng = random.Random(2025)
    issuers = list(
        Unit.objects.filter(kind__in=["county", "department", "county_department"]).values_list(
            "pk", flat=True
        )
    )
    print(
        f"building {PER_YEAR * len(YEARS):,} registry records over {len(issuers)} units …",
        flush=True,
    )
    t = time.perf_counter()
    now = timezone.now()
    weights = [rng.uniform(0.3, 1.7) for _ in issuers]
    total_w = sum(weights)
    rows = {Document: [], Meeting: [], Inspection: []}
    for year in YEARS:
        months = 12 if year < AS_OF.year else AS_OF.month
        for unit_id, w in zip(issuers, weights, strict=True):
            n_year = PER_YEAR * w / total_w * (1 - 0.08 * (year - YEARS[0]))
            for m in range(1, months + 1):
                n = int(n_year * PROFILE[m - 1] + rng.random())
                for i in range(n):
                    day = dt.date(year, m, 1 + (i * 7) % 28)
                    r = rng.random()
                    head = [unit_id, "", "关于做好有关工作的通知", True, now, now]
                    if r < SHARES["document"]:
                        kind = "red_header" if r < 0.4 else "white_header"
                        rows[Document].append(
                            head + ["", day, kind, "[]", r < 0.3, True, 3, 2500, ""]
                        )
                    elif r < SHARES["document"] + SHARES["meeting"]:
                        form = "video" if r < 0.75 else "in_person"
                        rows[Meeting].append(head + [day, "county", form, "[]", r < 0.7, 0])
                    else:
                        method = "on_site" if r < 0.95 else "materials"
                        rows[Inspection].append(
                            head + ["supervision", method, day, day, r < 0.99, 0]
                        )
                for model, batch in rows.items():
                    if len(batch) >= 20000:
                        _insert(model, batch)
    for model, batch in rows.items():
        if batch:
            _insert(model, batch)
    print(f"  records in {time.perf_counter() - t:.0f} s", flush=True)


def build_rollup_and_quotas() -> None:
    from jianfu.registry.quotas.figures import counted_by_unit

    t = time.perf_counter()
    rollup.refresh_all()
    issuers = list(
        Unit.objects.filter(kind__in=["county", "department", "county_department"]).values_list(
            "pk", flat=True
        )
    )
    quotas = []
    for category in ("document", "meeting", "inspection"):
        last = counted_by_unit(unit_ids=issuers, year=AS_OF.year - 1, category=category)
        quotas += [
            Quota(unit_id=u, year=AS_OF.year, category=category, limit=int(n * 0.7))
            for u, n in last.items()
        ]
    Quota.objects.bulk_create(quotas, batch_size=5000)
    rollup.rebuild_quota_usage()  # the quotas were written here directly, not by the service
    print(f"  rollup and quotas in {time.perf_counter() - t:.0f} s", flush=True)


if not Unit.objects.exists():
    with transaction.atomic():
        # The tree and accounts only: this bench builds its own registry data.
        generator.load(size="province", seed=2025, with_extensions=False)
if not Document.objects.exists():
    with transaction.atomic():
        build()
if not Quota.objects.exists():
    with transaction.atomic():
        build_rollup_and_quotas()

records = Document.objects.count() + Meeting.objects.count() + Inspection.objects.count()
print(f"database: {vendor}; units: {Unit.objects.count():,}; registry records: {records:,}")


def read_rows() -> list:
    qn = connection.ops.quote_name
    columns = ["unit_id", "category", qn("limit"), "c06", "months"]
    # The table and the columns come from the model.
    sql = f"SELECT {', '.join(columns)} FROM {qn(QuotaUsage._meta.db_table)} WHERE year = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [AS_OF.year])
        return cursor.fetchall()


def write_one(unit: Unit) -> None:
    """Register one counted document for `unit` this month, then roll it back."""
    with transaction.atomic():
        services.record_create(
            Document,
            by=User.objects.get(username="office"),
            unit=unit,
            title="关于做好有关工作的通知",
            number="测〔2026〕1号",
            issued_on=AS_OF,
            kind="red_header",
            addressed_levels=["township"],
            assigns_work=True,
            pages=2,
            characters=1000,
        )
        after = quota_status(year=AS_OF.year, as_of=AS_OF, unit_ids=[unit.pk])
        fresh.append(next(s.used for s in after if s.category == "document"))
        transaction.set_rollback(True)


with clock.frozen(AS_OF):
    statuses = quota_status(year=AS_OF.year, as_of=AS_OF)
    print(
        f"statuses: {len(statuses):,} (unit, category) pairs; "
        f"with a quota: {sum(1 for s in statuses if s.limit is not None):,}"
    )
    status_ms = median_ms(lambda: quota_status(year=AS_OF.year, as_of=AS_OF), runs=RUNS)
    anchor_ms = median_ms(read_rows, runs=RUNS)
    figure("quota_status_ms", round(status_ms, 1))
    figure("anchor_read_rows_ms", round(anchor_ms, 1))
    figure("quota_status_vs_read_rows_ratio", round(status_ms / anchor_ms, 2))
    figure("quota_status_vs_limit_ratio", round(100 / status_ms, 2))

    writer = next(s for s in statuses if s.category == "document")
    unit = Unit.objects.get(pk=writer.unit_id)
    fresh: list[int] = []
    write_ms = median_ms(lambda: write_one(unit), runs=5)
    assert set(fresh) == {writer.used + 1}, (writer.used, fresh)
    print(f"fresh after a write: used {writer.used} -> {fresh[0]} (each write rolled back)")
    figure("record_write_ms", round(write_ms, 1))

    from django.apps import apps

    if apps.is_installed("jianfu.signals"):
        from jianfu.signals import runner

        t = time.perf_counter()
        runner.run_rules(as_of=AS_OF, group="quota")
        figure("quota_rules_s", time.perf_counter() - t)
    else:
        print("quota rules: the signals app is not installed yet")
