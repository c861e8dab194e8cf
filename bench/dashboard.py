"""The leaders' dashboard at province size: the whole province at a glance, as its leader sees it.

    .venv/bin/python bench/dashboard.py                      # SQLite (bench/.data/dashboard/)
    DATABASE_URL=postgres://…/jianfu_bench_dashboard .venv/bin/python bench/dashboard.py

Builds, when absent (bench data, not a business path: bulk-created with the ORM, no services,
no audit, no events, from one seed):
- the province tree (about 35,000 units) with the demo's named accounts at the root;
- the monthly rollup of four years (what every registry write keeps fresh) for every county,
  city department and county department, three categories, and this year's quotas of the
  counties and city departments, some of them over pace;
- 2,000 sample points in townships, each with 36 months of reports (burden score, documents);
- 8,000 signals over the rules, units and statuses;
- 40,000 problems with one or two measures each, some overdue, some relapsed.

On PostgreSQL the statistics are refreshed (ANALYZE) once the data is ready, as autovacuum keeps
them on a running server.

dashboard_ms: GET /dashboard/ through the test client, signed in as the province's leader (every
panel over the whole tree), the median of several runs after one warm-up. anchor_ms: GET of the
login page in the same process and database, the same way: the cost of a request that reads
nothing. The ratio says how much of the figure is the dashboard's own work on another machine.
Each panel's own time is printed too (core.dashboard.build, panel by panel), and the quota
panel's when the earlier years' figures it keeps are read afresh (the first load after they
change). The measurement is bench/_setup.py's measure_dashboard, which bench/bulletin.py runs too.
"""

import datetime as dt
import random
import time

from _setup import measure_dashboard, start

vendor = start("dashboard")

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from jianfu.core import clock  # noqa: E402
from jianfu.core.models import Unit, User  # noqa: E402
from jianfu.demo import generator  # noqa: E402
from jianfu.monitoring.models import Report, ReportForm, SamplePoint  # noqa: E402
from jianfu.rectification.models import (  # noqa: E402
    Measure,
    MeasureKind,
    MeasureStatus,
    Problem,
    ProblemStatus,
    Source,
)
from jianfu.registry import rollup  # noqa: E402
from jianfu.registry.models import Category, MonthlyUsage, Quota  # noqa: E402
from jianfu.signals.models import Signal, SignalStatus  # noqa: E402
from jianfu.signals.rules import RULES  # noqa: E402

AS_OF = dt.date(2026, 11, 20)
SEED = 2025
POINTS = 2000
SIGNALS = 8000
PROBLEMS = 40_000
BATCH = 5000
# A year's use by month: a slow Spring Festival, a busy year end.
PROFILE = [0.06, 0.05, 0.09, 0.09, 0.09, 0.08, 0.08, 0.07, 0.09, 0.08, 0.09, 0.13]
PER_YEAR = {Category.DOCUMENT: 120, Category.MEETING: 60, Category.INSPECTION: 20}


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def _units(*kinds) -> list[Unit]:
    return list(Unit.objects.filter(kind__in=kinds).order_by("path").only("pk", "path", "kind"))


def build_rollup(rng: random.Random) -> None:
    rows, quotas = [], []
    issuers = _units("county", "department", "county_department")
    for unit in issuers:
        scale = rng.lognormvariate(0, 0.5) * (0.3 if unit.kind == "county_department" else 1)
        for category, per_year in PER_YEAR.items():
            base = per_year * scale
            for year in range(AS_OF.year - 3, AS_OF.year + 1):
                growth = 1.3 if rng.random() < 0.05 and year == AS_OF.year else 1.0
                for m in range(1, 13 if year < AS_OF.year else AS_OF.month + 1):
                    n = max(0, round(base * PROFILE[m - 1] * growth * rng.uniform(0.7, 1.3)))
                    if n:
                        rows.append(
                            MonthlyUsage(
                                unit_id=unit.pk,
                                year=year,
                                month=m,
                                category=category,
                                counted=n,
                                total=n + rng.randint(0, 2),
                                grassroots=n // 2,
                            )
                        )
            if unit.kind != "county_department":
                quotas.append(
                    Quota(
                        unit_id=unit.pk,
                        year=AS_OF.year,
                        category=category,
                        limit=max(1, round(base * rng.uniform(0.8, 1.2))),
                    )
                )
    MonthlyUsage.objects.bulk_create(rows, batch_size=BATCH)
    Quota.objects.bulk_create(quotas, batch_size=BATCH)
    rollup.rebuild_quota_usage()  # the quota status reads it; written here directly, not by writes
    print(f"rollup rows: {len(rows):,}; quotas: {len(quotas):,}", flush=True)


def _county_of(units: list[Unit]) -> dict[str, int]:
    return {u.path: u.pk for u in units}


def build_reports(rng: random.Random, reporter: User) -> None:
    counties = _county_of(_units("county"))
    towns = _units("township")
    chosen = rng.sample(towns, min(POINTS, len(towns)))
    points = []
    for town in chosen:
        county = next((pk for path, pk in counties.items() if town.path.startswith(path)), None)
        if county is not None:
            points.append(
                SamplePoint(
                    unit_id=town.pk, county_id=county, kind="township", since=dt.date(2023, 1, 1)
                )
            )
    points = SamplePoint.objects.bulk_create(points, batch_size=BATCH)
    form = ReportForm.objects.get(code="burden")
    at = _at(AS_OF)
    rows = []
    for point in points:
        level = rng.uniform(1.5, 4)
        for i in range(36):
            y, m = divmod(AS_OF.month - 1 - 36 + i, 12)
            period = f"{AS_OF.year + y}-{m + 1:02d}"
            if rng.random() < 0.05:
                continue
            values = {
                "burden_score": min(5, max(1, round(level + rng.gauss(0, 0.6)))),
                "docs_total": rng.randint(5, 60),
            }
            rows.append(
                Report(
                    point_id=point.pk,
                    period=period,
                    form=form,
                    values=values,
                    reporter=reporter,
                    first_submitted_at=at,
                    submitted_at=at,
                )
            )
    Report.objects.bulk_create(rows, batch_size=BATCH)
    print(f"sample points: {len(points):,}; reports: {len(rows):,}", flush=True)


def build_signals(rng: random.Random) -> None:
    units = _units("county", "department", "township")
    codes = list(RULES)
    statuses = [SignalStatus.OPEN] * 5 + [SignalStatus.CONFIRMED] * 2 + [SignalStatus.RESOLVED]
    at = _at(AS_OF)
    seen, rows = set(), []
    while len(rows) < SIGNALS:
        rule, unit = rng.choice(codes), rng.choice(units)
        period = f"{AS_OF.year}-{rng.randint(1, AS_OF.month):02d}"
        if (rule, unit.pk, period) in seen:
            continue
        seen.add((rule, unit.pk, period))
        status = rng.choice(statuses)
        rows.append(
            Signal(
                rule=rule,
                unit_id=unit.pk,
                period=period,
                severity=rng.randint(1, 3),
                status=status,
                note="bench" if status == SignalStatus.CONFIRMED else "",
                evidence={},
                first_raised_at=at,
                last_seen_at=at,
            )
        )
    Signal.objects.bulk_create(rows, batch_size=BATCH)
    print(f"signals: {len(rows):,}", flush=True)


def build_problems(rng: random.Random, office: User) -> None:
    units = _units("county", "department", "township")
    problems, plans = [], []
    for _ in range(PROBLEMS):
        unit = rng.choice(units)
        found_on = AS_OF - dt.timedelta(days=rng.randint(3, 540))
        closed = rng.random() < 0.45
        problems.append(
            Problem(
                unit_id=unit.pk,
                source=rng.choice(Source.values),
                description="bench problem",
                severity=rng.randint(1, 3),
                found_on=found_on,
                status=ProblemStatus.CLOSED if closed else ProblemStatus.OPEN,
                closed_at=_at(found_on + dt.timedelta(days=60)) if closed else None,
                relapses=1 if closed and rng.random() < 0.03 else 0,
                created_by=office,
                created_at=_at(found_on),
                updated_by=office,
                updated_at=_at(found_on),
            )
        )
        plans.append((unit.pk, found_on, closed))
    problems = Problem.objects.bulk_create(problems, batch_size=BATCH)
    measures = []
    for p, (unit_id, found_on, closed) in zip(problems, plans, strict=True):
        for _ in range(rng.choice([1, 2])):
            deadline = found_on + dt.timedelta(days=rng.randint(10, 180))
            if closed:
                status = MeasureStatus.VERIFIED
            else:
                status = rng.choice(
                    [MeasureStatus.IN_PROGRESS, MeasureStatus.SUBMITTED, MeasureStatus.DRAFT]
                )
            measures.append(
                Measure(
                    problem=p,
                    content="bench measure",
                    kind=MeasureKind.IMMEDIATE,
                    responsible_unit_id=unit_id,
                    responsible_person="张科长",
                    deadline=deadline,
                    status=status,
                    verified_at=_at(deadline) if closed else None,
                    created_by=office,
                    created_at=_at(found_on),
                    updated_by=office,
                    updated_at=_at(found_on),
                )
            )
    Measure.objects.bulk_create(measures, batch_size=BATCH)
    print(f"problems: {len(problems):,}; measures: {len(measures):,}", flush=True)


t = time.perf_counter()
with clock.frozen(AS_OF):
    if not Unit.objects.exists():
        generator.load(size="province", seed=SEED, as_of=AS_OF, with_extensions=False)
        print(f"built the province tree in {time.perf_counter() - t:.1f} s", flush=True)
    rng = random.Random(SEED)
    office = User.objects.get(username="office")
    with transaction.atomic():
        if not MonthlyUsage.objects.exists():
            build_rollup(rng)
        if not Report.objects.exists():
            build_reports(rng, office)
        if not Signal.objects.exists():
            build_signals(rng)
        if not Problem.objects.exists():
            build_problems(rng, office)
if vendor == "postgresql":
    # Fresh statistics, as autovacuum keeps them on a running server (it may be off here).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
print(f"data ready in {time.perf_counter() - t:.1f} s", flush=True)

leader = User.objects.get(username="leader")
print(
    f"database: {vendor}; units: {Unit.objects.count():,}; leader's unit: "
    f"{leader.home_unit.name} ({leader.home_unit.kind})",
    flush=True,
)
measure_dashboard(AS_OF, "leader")
