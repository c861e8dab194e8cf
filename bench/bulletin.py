"""The periodic bulletin over province-size data: drafted, written as Word and drawn as PDF.

    .venv/bin/python bench/bulletin.py                      # SQLite (bench/.data/bulletin/)
    DATABASE_URL=postgres://…/jianfu_bench_bulletin .venv/bin/python bench/bulletin.py

Builds, when absent: the province tree (about 35,000 units, the demo's generator); the monthly
rollup of four years for every county, department and county department (the figures quotas are
read from; the records themselves are not needed: the bulletin reads the rollup) with this
year's quotas at 70 % of last year's use; 2,000 sample points with twelve months of reports (the
demo's monitoring generator); confirmed signals of the month on one issuer in twenty; problems
with measures, a third of them overdue, and some relapsed.

bulletin_s: the province office's bulletin of last month, end to end: every section built from
live data and frozen (the task's body), the Word file, and the PDF through LibreOffice (when it is
installed: the line "libreoffice:" says whether it was).
anchor_s: the plain reads of the same data the sections make (quota overview, completeness,
confirmed signals, the ledger overview), without the bulletin; and the ratio.

dashboard_ms: the leaders' dashboard over the same province, as its leader sees it on the same
day, with its anchor (the login page) and ratio, and each panel's time: measured by
bench/_setup.py's measure_dashboard, the code bench/dashboard.py runs on its own data. That
bench's data weighs more on the dashboard (36 months of reports from the sample points, 40,000
problems, 8,000 signals), so of the two figures its is the stricter.

On PostgreSQL the statistics are refreshed (ANALYZE) once the data is ready, before both
measurements, as autovacuum keeps them on a running server.
"""

import datetime as dt
import random
import time

from _setup import figure, measure_dashboard, start

vendor = start("bulletin")

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from jianfu.bulletins import output, periods, services  # noqa: E402
from jianfu.bulletins.models import Bulletin  # noqa: E402
from jianfu.core import clock  # noqa: E402
from jianfu.core import periods as period_keys  # noqa: E402
from jianfu.core.models import Unit, User  # noqa: E402
from jianfu.core.scope_guard import active  # noqa: E402
from jianfu.demo import generator  # noqa: E402
from jianfu.demo import monitoring as demo_data  # noqa: E402
from jianfu.monitoring.models import SamplePoint  # noqa: E402
from jianfu.monitoring.points import queries as point_queries  # noqa: E402
from jianfu.rectification.models import Measure, Problem  # noqa: E402
from jianfu.rectification.problems import queries as rect_queries  # noqa: E402
from jianfu.registry import rollup  # noqa: E402
from jianfu.registry.models import MonthlyUsage, Quota  # noqa: E402
from jianfu.registry.quotas.queries import quota_overview  # noqa: E402
from jianfu.signals.models import Signal  # noqa: E402
from jianfu.signals.queries import signals_for  # noqa: E402

AS_OF = dt.date(2026, 12, 15)
SEED = 2025
YEARS = [2023, 2024, 2025, 2026]
ISSUER_KINDS = ["county", "department", "county_department"]
PROFILE = [0.06, 0.05, 0.09, 0.09, 0.09, 0.08, 0.08, 0.07, 0.09, 0.08, 0.09, 0.13]
POINT_KINDS = ("county", "township", "village", "school", "enterprise", "city")


def build_rollup(rng: random.Random) -> None:
    t = time.perf_counter()
    issuers = list(Unit.objects.filter(kind__in=ISSUER_KINDS).values_list("pk", flat=True))
    rows, quotas = [], []
    for u in issuers:
        base = {"document": rng.uniform(20, 400), "meeting": rng.uniform(10, 200)}
        base["inspection"] = rng.uniform(2, 40)
        fast = rng.random() < 0.15  # a unit in seven spends too fast this year
        for cat, per_year in base.items():
            for year in YEARS:
                months = 11 if year == AS_OF.year else 12
                scale = 1 - 0.08 * (year - YEARS[0]) + (0.4 if fast and year == AS_OF.year else 0)
                for m in range(1, months + 1):
                    n = int(per_year * scale * PROFILE[m - 1] + rng.random())
                    rows.append(
                        MonthlyUsage(
                            unit_id=u, year=year, month=m, category=cat, counted=n, total=n
                        )
                    )
                if year == AS_OF.year - 1:
                    quotas.append(
                        Quota(unit_id=u, year=AS_OF.year, category=cat, limit=int(per_year * 0.64))
                    )
    MonthlyUsage.objects.bulk_create(rows, batch_size=5000)
    Quota.objects.bulk_create(quotas, batch_size=5000)
    rollup.rebuild_quota_usage()  # the quota status reads it; written here directly, not by writes
    print(f"  {len(rows):,} rollup rows, {len(quotas):,} quotas in {time.perf_counter() - t:.0f} s")


def build_points(rng: random.Random) -> None:
    t = time.perf_counter()
    units = {
        kind: list(
            Unit.objects.filter(kind=kind)
            .order_by("path")
            .only("pk", "path", "kind", "code", "name")
        )
        for kind in POINT_KINDS
    }
    plans = demo_data.choose_points(units, 17, rng)[:2000]
    plan = demo_data.Plan(plans, period_keys.between("2025-12", "2026-11"))
    reporter = User.objects.create(username="bench-reporter", full_name="基准测试填报员")
    values = demo_data.generate(plan, rng)
    # Some points miss some months: the reporting rates are not all 100 %.
    written = demo_data.write(plan, values, rng, clock.now(), reporter=reporter)
    from jianfu.monitoring.models import Report

    ids = list(Report.objects.filter(period="2026-11").values_list("pk", flat=True))
    Report.objects.filter(pk__in=rng.sample(ids, len(ids) // 12)).delete()
    print(f"  {written['sample_points']:,} points in {time.perf_counter() - t:.0f} s")


def build_signals_and_problems(rng: random.Random, office: User) -> None:
    t = time.perf_counter()
    issuers = list(Unit.objects.filter(kind__in=ISSUER_KINDS).values_list("pk", flat=True))
    counties = list(Unit.objects.filter(kind="county").values_list("pk", flat=True))
    decided = timezone.make_aware(dt.datetime(2026, 11, 20, 10))
    now = timezone.now()
    signals = [
        Signal(
            rule=rng.choice(["quota_rising", "gaming"]),
            unit_id=u,
            period="2026",
            subject="document",
            severity=rng.randint(1, 3),
            status="confirmed",
            evidence={},
            decided_by=office,
            decided_at=decided,
            first_raised_at=now,
            last_seen_at=now,
        )
        for u in rng.sample(issuers, len(issuers) // 20)
    ] + [
        Signal(
            rule="truth_outliers",
            unit_id=u,
            period="2026",
            subject=str(i),
            severity=2,
            status="confirmed",
            evidence={},
            decided_by=office,
            decided_at=decided,
            first_raised_at=now,
            last_seen_at=now,
        )
        for i, u in enumerate(rng.sample(counties, len(counties) // 4))
    ]
    Signal.objects.bulk_create(signals)
    problems = Problem.objects.bulk_create(
        [
            Problem(
                unit_id=u,
                source="signal",
                description="发文数量超出指标",
                severity=2,
                found_on=dt.date(2026, 9, 1),
                status="open",
                relapses=1 if rng.random() < 0.1 else 0,
                created_at=now,
                updated_at=now,
            )
            for u in rng.sample(issuers, len(issuers) // 3)
        ]
    )
    Measure.objects.bulk_create(
        [
            Measure(
                problem=p,
                content="修订发文管理办法",
                responsible_unit_id=p.unit_id,
                responsible_person="张三",
                deadline=AS_OF - dt.timedelta(days=rng.randint(-30, 30)),
                status="in_progress",
                created_at=now,
                updated_at=now,
            )
            for p in problems
        ]
    )
    print(
        f"  {len(signals):,} signals, {len(problems):,} problems in {time.perf_counter() - t:.0f} s"
    )


with clock.frozen(AS_OF):
    if not Unit.objects.exists():
        with transaction.atomic():
            generator.load(size="province", seed=SEED, with_extensions=False)
    office = (
        User.objects.filter(role_grants__role="office", home_unit__depth=1)
        .select_related("home_unit")
        .first()
    )
    rng = random.Random(f"{SEED}:bulletin")
    if not MonthlyUsage.objects.exists():
        with transaction.atomic():
            build_rollup(rng)
    if not SamplePoint.objects.exists():
        with transaction.atomic():
            build_points(rng)
    if not Signal.objects.exists():
        with transaction.atomic():
            build_signals_and_problems(rng, office)
if vendor == "postgresql":
    # Fresh statistics, as autovacuum keeps them on a running server (it may be off here).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

print(
    f"database: {vendor}; units: {Unit.objects.count():,}; rollup rows: "
    f"{MonthlyUsage.objects.count():,}; sample points: {SamplePoint.objects.count():,}; "
    f"signals: {Signal.objects.count():,}; problems: {Problem.objects.count():,}"
)
print(f"office: {office.username} at {office.home_unit.name}")
Bulletin.objects.all().delete()
office_path = output.libreoffice()
print(f"libreoffice: {'installed, ' + office_path if office_path else 'NOT installed (no PDF)'}")

with clock.frozen(AS_OF), active(office):
    start_, end_, label = periods.previous("monthly", AS_OF)

    t = time.perf_counter()
    quota_overview(office, year=end_.year, as_of=end_)
    point_queries.completeness(office, form_code="burden", period_keys=["2026-11"])
    list(signals_for(office).filter(status="confirmed"))
    rect_queries.overview(office)
    anchor = time.perf_counter() - t

    t = time.perf_counter()
    with transaction.atomic():
        b = services.bulletin_create(by=office, kind="monthly", start=start_, end=end_, label=label)
    services.bulletin_generate(b.pk)
    b.refresh_from_db()
    drafted = time.perf_counter() - t
    docx = output.docx_bytes(b)
    worded = time.perf_counter() - t - drafted
    pdf = output.pdf_from_docx(docx) if office_path else b""
    total = time.perf_counter() - t
    pdfed = total - drafted - worded

lines = sum(len(s["lines"]) for s in b.content)
print(
    f"bulletin: {b.status}; {len(b.content)} sections, {lines} lines; draft {drafted:.2f} s, "
    f"docx {worded:.2f} s ({len(docx) // 1024} KB), pdf {pdfed:.2f} s ({len(pdf) // 1024} KB)"
)
figure("bulletin_s", round(total, 3))
figure("anchor_s", round(anchor, 3))
figure("bulletin_over_anchor", round(total / anchor, 1) if anchor else 0)

measure_dashboard(AS_OF, "leader")
