"""The rectification ledger at province scale: overview, a county's ledger, the problem list, the
rectification rules and the 整改台账 export.

    .venv/bin/python bench/ledger.py                      # SQLite (bench/.data/ledger/)
    DATABASE_URL=postgres://…/jianfu_bench_ledger .venv/bin/python bench/ledger.py

The PostgreSQL database is created when missing.

Builds, when absent: the province tree (about 35,000 units, with the demo's "office" account at the
root) and about 40,000 problems spread over the counties, city departments and townships, with 1–3
measures each (about 80,000) in every status: deadlines around AS_OF (most past ones verified, the
older the likelier; some overdue, some due soon), some measures returned once or twice, long-term
measures reviewed (回头看) and some of their problems relapsed. Bench data, not a business path:
bulk-created with the ORM (no services, no audit, no events), from one seed.

ledger_overview_ms / ledger_overview_page_ms: the office's overview at the root (queries.overview,
as rect_overview calls it; then the page through the test client, logged in as the office).
unit_ledger_ms / unit_ledger_page_ms: the busiest county's ledger (queries.ledger: the count and the
first page of 100, as rect_ledger's paginator reads it; then the page).
problem_list_page_ms: the problem list, first page, filtered to overdue.
rect_rules_s / rect_rules_repeat_s: the rule group "rectification" through the signals runner, as
the nightly job runs it: first with no signals (raising them all), then again (updating them).
ledger_export_rows_per_s: the busiest county's 整改台账 (ledger_export.export_ledger, merged
layout).
ledger_import_rows_per_s: that ledger, one complete row per measure (each problem's 问题描述 made
unique by its 序号, as one unit's ledger has them), imported into the office's own unit
(ledger_import.import_ledger: read, checked, written, audited), rolled back after each run.
Reads are the median of several runs after one warm-up.
"""

import datetime as dt
import math
import os
import random
import statistics
import time

from _setup import figure, median_ms, start

vendor = start("ledger")

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from jianfu.core import clock, excel  # noqa: E402
from jianfu.core.models import Unit, User  # noqa: E402
from jianfu.demo import generator  # noqa: E402
from jianfu.demo import rectification_texts as demo_texts  # noqa: E402
from jianfu.rectification.models import (  # noqa: E402
    Measure,
    MeasureKind,
    MeasureStatus,
    Problem,
    ProblemStatus,
    Severity,
    Source,
    Step,
    StepKind,
)
from jianfu.rectification.problems import (  # noqa: E402
    ledger_export,
    ledger_import,
    queries,  # noqa: E402
)
from jianfu.signals import runner  # noqa: E402
from jianfu.signals.models import Signal  # noqa: E402
from jianfu.signals.rules import RULES  # noqa: E402

AS_OF = dt.date(2026, 6, 15)
SEED = 2025
PROBLEMS = 40_000
# Where problems are found: the share of each kind of unit.
SHARES = {"county": 0.30, "department": 0.20, "township": 0.50}
BATCH = 5000

CATEGORIES = [(cat, items) for cat, items in demo_texts.NEGATIVE_LIST if cat in demo_texts.MEASURES]
SOURCES = [Source.SELF_EXAM] * 5 + [Source.TOUR] * 2 + [Source.COMPLAINT, Source.OFFICE]


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _units_and_contacts(rng: random.Random) -> tuple[list[tuple[Unit, float]], dict[int, int]]:
    """The units problems are found in, each with a weight (some far busier than others), and the
    contact account who submits for each (a township's is its county's contact)."""
    units = []
    for kind, share in SHARES.items():
        of_kind = list(Unit.objects.filter(kind=kind).order_by("path").only("pk", "path", "kind"))
        weights = [rng.lognormvariate(0, 0.6) for _ in of_kind]
        total = sum(weights)
        units += [(u, share * w / total) for u, w in zip(of_kind, weights, strict=True)]
    contact_of_path = {
        path: pk
        for pk, path in User.objects.filter(username__startswith="contact-").values_list(
            "pk", "home_unit__path"
        )
    }
    contacts = {}
    for u, _w in units:
        # A county's or department's path is 12 characters (province, city, unit).
        contacts[u.pk] = contact_of_path.get(u.path[:12]) or contact_of_path.get(u.path)
    return units, contacts


def _measure_status(rng: random.Random, deadline: dt.date) -> str:
    days = (deadline - AS_OF).days
    if days < 0:
        # Long past deadlines are mostly done; recently passed ones are often still open.
        unfinished = 0.03 + 0.35 * math.exp(days / 60)
        r = rng.random()
        if r < unfinished:
            return rng.choices(
                [MeasureStatus.IN_PROGRESS, MeasureStatus.DRAFT, MeasureStatus.RETURNED],
                [0.6, 0.15, 0.25],
            )[0]
        return MeasureStatus.SUBMITTED if r < unfinished + 0.05 else MeasureStatus.VERIFIED
    return rng.choices(
        [
            MeasureStatus.VERIFIED,
            MeasureStatus.SUBMITTED,
            MeasureStatus.IN_PROGRESS,
            MeasureStatus.DRAFT,
            MeasureStatus.RETURNED,
        ],
        [0.25, 0.15, 0.45, 0.10, 0.05],
    )[0]


class Builder:
    def __init__(self, rng: random.Random, office: User):
        self.rng, self.office = rng, office
        self.county_of: dict[str, int] = {}  # path → pk
        self.problems: list[Problem] = []
        self.measures: list[list[Measure]] = []  # per problem
        self.steps: list[tuple[int, Step]] = []  # (the problem's index, the step)

    def problem(self, unit: Unit, contact: int | None) -> None:
        rng = self.rng
        category, items = rng.choice(CATEGORIES)
        finding = rng.choice(items)[2].format(n=rng.randint(2, 30))
        found_on = AS_OF - dt.timedelta(days=rng.randint(3, 540))
        p = Problem(
            unit_id=unit.pk,
            source=rng.choice(SOURCES),
            description=finding,
            severity=rng.choices(Severity.values, [0.5, 0.35, 0.15])[0],
            found_on=found_on,
            status=ProblemStatus.OPEN,
            created_by=self.office,
            created_at=_at(found_on, 9),
            updated_by=self.office,
            updated_at=_at(found_on, 9),
        )
        i = len(self.problems)
        self.problems.append(p)
        self.steps.append((i, self._step(StepKind.CREATED, p.created_at, "", "open")))
        content, progress, completion = demo_texts.MEASURES[category]
        ms = []
        for _ in range(rng.choices([1, 2, 3], [0.25, 0.5, 0.25])[0]):
            ms.append(self.measure(i, p, unit, contact, content, progress, completion))
        self.measures.append(ms)
        if all(m.status == MeasureStatus.VERIFIED for m in ms):
            p.status = ProblemStatus.CLOSED
            p.closed_at = p.updated_at = max(m.verified_at for m in ms)
        self.maybe_relapse(i, p, ms)

    def measure(self, i, p, unit, contact, content, progress, completion) -> Measure:
        rng = self.rng
        long_term = rng.random() < 0.3
        span = rng.randint(60, 180) if long_term else rng.randint(10, 90)
        deadline = p.found_on + dt.timedelta(days=span)
        status = _measure_status(rng, deadline)
        r = rng.random()
        returns = 2 if r < 0.02 else 1 if r < 0.08 else 0
        if status == MeasureStatus.RETURNED:
            returns = max(returns, 1)
        elif returns and status == MeasureStatus.DRAFT:
            status = MeasureStatus.IN_PROGRESS
        responsible = unit.pk
        if unit.kind == "township" and rng.random() < 0.2:
            responsible = self.county_of[unit.path[:12]]
        m = Measure(
            problem=p,
            content=content,
            kind=MeasureKind.LONG_TERM if long_term else MeasureKind.IMMEDIATE,
            responsible_unit_id=responsible,
            responsible_person=rng.choice("张王李赵刘陈杨黄周吴") + rng.choice(["科长", "主任"]),
            deadline=deadline,
            status=status,
            returns=returns,
            created_by=self.office,
            created_at=p.created_at,
            updated_by=self.office,
            updated_at=p.created_at,
        )
        if long_term:
            m.mechanism = "《关于进一步规范有关工作的若干规定》"
            m.review_on = deadline + dt.timedelta(days=90)
        at = p.created_at
        self.steps.append((i, self._step(StepKind.CREATED, at, "", MeasureStatus.DRAFT, m)))
        if status != MeasureStatus.DRAFT:
            m.progress = rng.choice(progress).format(n=rng.randint(2, 12))
        for k in range(returns):
            day = min(AS_OF - dt.timedelta(days=1), deadline - dt.timedelta(days=10 - 3 * k))
            day = max(day, p.found_on)
            note = "整改材料不充分，请补充" if k == 0 else "措施未落实到位，重新整改"
            self.steps.append((i, self._step(StepKind.RETURNED, _at(day, 15), note, "", m)))
        if status in (MeasureStatus.SUBMITTED, MeasureStatus.VERIFIED):
            sub = min(deadline, AS_OF - dt.timedelta(days=1)) - dt.timedelta(
                days=rng.randint(0, 10)
            )
            sub = max(sub, p.found_on)
            m.completion = completion.format(n=rng.randint(2, 12))
            m.submitted_by_id, m.submitted_at = contact, _at(sub, 16)
            self.steps.append((i, self._step(StepKind.SUBMITTED, m.submitted_at, "", "", m)))
            m.updated_at = m.submitted_at
        if status == MeasureStatus.VERIFIED:
            ver = min(m.submitted_at.date() + dt.timedelta(days=rng.randint(1, 10)), AS_OF)
            m.verified_by, m.verified_at = self.office, _at(ver, 11)
            self.steps.append((i, self._step(StepKind.VERIFIED, m.verified_at, "", "", m)))
            m.updated_at = m.verified_at
            if long_term and m.review_on < AS_OF and rng.random() < 0.6:
                m.reviewed_at, m.review_held = _at(m.review_on, 10), True
        return m

    def maybe_relapse(self, i: int, p: Problem, ms: list[Measure]) -> None:
        """A reviewed long-term measure found not to have held: the problem reopens and the
        measure goes back to work with a new deadline (twice for a few)."""
        reviewed = [m for m in ms if m.review_held]
        if not reviewed or self.rng.random() > 0.12:
            return
        m = reviewed[0]
        times = 2 if self.rng.random() < 0.15 else 1
        m.review_held, m.status = False, MeasureStatus.IN_PROGRESS
        m.deadline = m.review_on + dt.timedelta(days=30 * times)
        m.verified_at = m.verified_by = None
        m.updated_at = m.reviewed_at
        p.relapses, p.status, p.closed_at = times, ProblemStatus.OPEN, None
        p.updated_at = m.reviewed_at
        for k in range(times):
            at = m.reviewed_at + dt.timedelta(days=20 * k)
            note = "回头看发现问题反弹，要求重新整改"
            self.steps.append((i, self._step(StepKind.RELAPSED, at, note, "", m)))

    def _step(self, kind, at, note, to_status, measure=None) -> Step:
        return Step(
            kind=kind, at=at, note=note, to_status=to_status, by=self.office, measure=measure
        )

    def write(self) -> None:
        Problem.objects.bulk_create(self.problems, batch_size=BATCH)
        flat = [m for ms in self.measures for m in ms]
        for m in flat:
            m.problem_id = m.problem.pk
        Measure.objects.bulk_create(flat, batch_size=BATCH)
        steps = []
        for i, s in self.steps:
            s.problem_id = self.problems[i].pk
            if s.measure is not None:
                s.measure_id = s.measure.pk
            steps.append(s)
        Step.objects.bulk_create(steps, batch_size=BATCH)


def build(office: User) -> None:
    t = time.perf_counter()
    rng = random.Random(f"{SEED}:ledger")
    units, contacts = _units_and_contacts(rng)
    b = Builder(rng, office)
    b.county_of = dict(Unit.objects.filter(kind="county").values_list("path", "pk"))
    picks = rng.choices([u for u, _w in units], [w for _u, w in units], k=PROBLEMS)
    for unit in picks:
        b.problem(unit, contacts[unit.pk])
    b.write()
    print(
        f"  {len(b.problems):,} problems, {sum(map(len, b.measures)):,} measures, "
        f"{len(b.steps):,} steps in {time.perf_counter() - t:.0f} s",
        flush=True,
    )


def uptime() -> str:
    with open("/proc/loadavg") as f:
        return "load average: " + ", ".join(f.read().split()[:3])


print(f"start: {uptime()}", flush=True)
with clock.frozen(AS_OF):
    if not Unit.objects.exists():
        t = time.perf_counter()
        with transaction.atomic():
            # The tree and accounts only: this bench builds its own ledger.
            generator.load(size="province", seed=SEED, as_of=AS_OF, with_extensions=False)
        print(f"  province tree in {time.perf_counter() - t:.0f} s", flush=True)
    office = User.objects.get(username="office")
    if not Problem.objects.exists():
        with transaction.atomic():
            build(office)
    if vendor == "postgresql":
        # Fresh statistics, as autovacuum keeps them on a running server (it may be off here).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

today = AS_OF
overdue = Measure.objects.filter(queries.overdue_q(today)).count()
print(
    f"database: {vendor}; units: {Unit.objects.count():,}; "
    f"problems: {Problem.objects.count():,}; measures: {Measure.objects.count():,}; "
    f"overdue measures: {overdue:,}",
    flush=True,
)
print(
    "measures by status:",
    dict(Measure.objects.order_by().values_list("status").annotate(n=Count("pk"))),
)
# The busiest county: the most problems in its subtree.
counties = Unit.objects.filter(kind="county").order_by("path")
busiest = max(
    counties,
    key=lambda c: (Problem.objects.filter(unit__path__startswith=c.path).count(), c.path),
)
county_problems = Problem.objects.filter(unit__path__startswith=busiest.path).count()
county_measures = Measure.objects.filter(problem__unit__path__startswith=busiest.path).count()
print(f"busiest county: {busiest.name} ({county_problems} problems, {county_measures} measures)")

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
with clock.frozen(AS_OF):
    office = User.objects.get(username="office")
    rows = queries.overview(office)
    print(f"overview rows: {len(rows):,}; {uptime()}", flush=True)
    figure("ledger_overview_ms", round(median_ms(lambda: queries.overview(office), RUNS), 1))

    def ledger_page_reads():
        qs = queries.ledger(office, busiest)
        return qs.count(), list(qs[:100])

    figure("unit_ledger_ms", round(median_ms(ledger_page_reads, RUNS), 1))

    client = Client(HTTP_HOST="localhost")
    client.force_login(office)

    def page(url: str):
        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return get

    pages = {
        "ledger_overview_page_ms": reverse("rect_overview"),
        "unit_ledger_page_ms": reverse("rect_ledger", args=[busiest.pk]),
        "problem_list_page_ms": reverse("problem_list") + "?overdue=1",
    }
    for name, url in pages.items():
        figure(name, round(median_ms(page(url), RUNS), 1))
    print(uptime(), flush=True)

    codes = [code for code, rule in RULES.items() if rule.group == "rectification"]
    Signal.objects.filter(rule__in=codes).delete()  # the first run raises every signal afresh
    for name in ("rect_rules_s", "rect_rules_repeat_s"):
        t = time.perf_counter()
        report = runner.run_rules(as_of=AS_OF, group="rectification")
        figure(name, round(time.perf_counter() - t, 2))
        print(
            "  "
            + "; ".join(
                f"{c}: {report.seconds[c]:.2f} s, raised {report.results[c].raised}, "
                f"updated {report.results[c].updated}"
                for c in codes
            ),
            flush=True,
        )

    samples, exported = [], 0
    ledger_export.export_ledger(busiest, by=office)  # warm
    for _ in range(3):
        t = time.perf_counter()
        data = ledger_export.export_ledger(busiest, by=office)
        samples.append(time.perf_counter() - t)
    exported = len(ledger_export.export_rows(ledger_export.ledger_problems(busiest, office))[0])
    print(
        f"export: {exported:,} rows, {len(data) / 1e6:.1f} MB, {statistics.median(samples):.2f} s",
        flush=True,
    )
    figure("ledger_export_rows_per_s", round(exported / statistics.median(samples)))

    rows = ledger_export.export_rows(ledger_export.ledger_problems(busiest, office))[0]
    keys = [c.key for c in ledger_export.EXPORT]
    number, description = keys.index(ledger_export.NUMBER), keys.index(ledger_export.DESCRIPTION)
    deadline, review_on = keys.index(ledger_export.DEADLINE), keys.index(ledger_export.REVIEW_ON)
    for row in rows:
        row[description] = f"{row[number]}、{row[description]}"
        # A relapsed measure's new deadline lies past its review date: a ledger names a later one.
        if row[review_on] and row[deadline] and row[review_on] < row[deadline]:
            row[review_on] = row[deadline]
    data = excel.write_workbook([("整改台账", [c.header for c in ledger_export.EXPORT], rows)])
    samples = []
    for _ in range(4):  # the first warms
        t = time.perf_counter()
        with transaction.atomic():
            record = ledger_import.import_ledger(
                by=office, unit=office.home_unit, source=Source.OFFICE, filename="台账.xlsx",
                data=data,
            )  # fmt: skip
            samples.append(time.perf_counter() - t)
            transaction.set_rollback(True)
    print(
        f"import: {record.rows:,} rows, {record.created:,} problems, "
        f"{statistics.median(samples[1:]):.2f} s",
        flush=True,
    )
    figure("ledger_import_rows_per_s", round(record.rows / statistics.median(samples[1:])))
print(f"end: {uptime()}; database {connection.vendor}", flush=True)
