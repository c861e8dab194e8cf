"""Supervision items at province size: colours and the nightly reminders for 20,000 open items.

    .venv/bin/python bench/supervision.py                      # SQLite (bench/.data/supervision/)
    DATABASE_URL=postgres://…/jianfu_bench_supervision .venv/bin/python bench/supervision.py

Builds, when absent (bench data, not a business path: bulk-created with the ORM, no services, no
audit, from one seed): the province tree (generator.load, as bench/dashboard.py) and 20,000 open
items issued by the province's office, each with a lead unit (a county or a department) and up to
two co-units, deadlines spread from two months overdue to eight months ahead, every feedback rule,
one in ten carrying a leader's instruction, percents at random, some feedback already in.

Figures:
- colours_s: the colour of every open item (queries.colours over the open items' queryset: one
  read of the columns, the working days of the date range counted once, numpy over the rows),
  median of five; colours_anchor_s: the plain read of the same rows' columns (values_list), the
  same way; colours_ratio their ratio. Also assignment_colours_s for every open assignment.
- reminders_cold_s: the first night of the reminders (reminders.nightly: what is due, before and
  after each due date, sent through notify.send_many and recorded) after the earlier runs'
  reminders are cleared: every overdue date of every item at once (about 30,000 notices, most of
  the time in notify's inserts of notices, messages and deliveries); reminders_s: the next night
  (what fell due since); reminders_second_s: that night's run again at once (sends nothing).
- reminders_sent_twice: reminders sent more than once — the second run's new reminders, plus
  notices of the kind beyond the distinct (assignment, kind, due date) triples recorded, plus
  triples recorded twice. Must be 0.
"""

import datetime as dt
import random
import statistics
import time

from _setup import figure, start

vendor = start("supervision")

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from jianfu.core import clock  # noqa: E402
from jianfu.core.models import Unit, User  # noqa: E402
from jianfu.core.scope_guard import unscoped  # noqa: E402
from jianfu.demo import generator  # noqa: E402
from jianfu.notify.models import Notice  # noqa: E402
from jianfu.supervision.items import queries, reminders  # noqa: E402
from jianfu.supervision.items.models import (  # noqa: E402
    OPEN_STATUSES,
    Assignment,
    AssignmentRole,
    Feedback,
    FeedbackRule,
    Item,
    ItemSource,
    ItemStatus,
    Reminder,
)

AS_OF = dt.date(2026, 11, 20)
SEED = 2026
ITEMS = 20_000
BATCH = 5000


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def build_items(rng: random.Random, office: User) -> None:
    carriers = list(
        Unit.objects.filter(kind__in=("county", "department")).values_list("pk", flat=True)
    )
    issuer = office.home_unit_id
    rules = list(FeedbackRule.values)
    sources = list(ItemSource.values)
    statuses = [ItemStatus.ISSUED, ItemStatus.SIGNED, ItemStatus.IN_PROGRESS, ItemStatus.RETURNED]
    items = []
    for n in range(ITEMS):
        created = AS_OF - dt.timedelta(days=rng.randint(10, 240))
        deadline = max(created, AS_OF + dt.timedelta(days=rng.randint(-60, 240)))
        rule = rng.choice(rules)
        stones = []
        if rule == FeedbackRule.MILESTONES:
            span = (deadline - created).days
            stones = sorted(
                {(created + dt.timedelta(days=rng.randint(1, max(1, span)))).isoformat()}
                | {(created + dt.timedelta(days=max(1, span // 2))).isoformat()}
            )
        items.append(
            Item(
                number=f"BENCH-{n:06d}",
                source=rng.choice(sources),
                title=f"督办事项 {n}",
                instruction="按期办结",
                leader="分管领导",
                issuer_id=issuer,
                created_on=created,
                deadline=deadline,
                feedback_rule=rule,
                milestones=stones,
                working_days=rng.random() < 0.8,
                leader_instruction=rng.random() < 0.1,
                status=rng.choice(statuses),
                percent=rng.randint(0, 100),
                issued_at=_at(created),
                created_by=office,
                created_at=_at(created),
            )
        )
    Item.objects.bulk_create(items, batch_size=BATCH)
    items = list(Item.objects.filter(number__startswith="BENCH-").only("pk", "percent", "deadline"))
    assignments = []
    for item in items:
        units = rng.sample(carriers, 1 + rng.choice((0, 0, 1, 2)))
        co = len(units) - 1
        for i, unit in enumerate(units):
            assignments.append(
                Assignment(
                    item_id=item.pk,
                    unit_id=unit,
                    role=AssignmentRole.LEAD if i == 0 else AssignmentRole.CO,
                    weight=1 if co == 0 else (0.7 if i == 0 else round(0.3 / co, 4)),
                    percent=item.percent,
                )
            )
    Assignment.objects.bulk_create(assignments, batch_size=BATCH)
    feedback = [
        Feedback(
            assignment_id=a.pk,
            due_on=AS_OF - dt.timedelta(days=rng.randint(1, 30)),
            text="按计划推进",
            percent=a.percent,
            submitted_by=office,
            submitted_at=_at(AS_OF - dt.timedelta(days=1)),
        )
        for a in Assignment.objects.filter(item__number__startswith="BENCH-").only("pk", "percent")
        if rng.random() < 0.3
    ]
    Feedback.objects.bulk_create(feedback, batch_size=BATCH)
    print(
        f"items: {len(items):,}; assignments: {len(assignments):,}; feedback: {len(feedback):,}",
        flush=True,
    )


def median_s(fn, runs: int = 5) -> float:
    fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


t = time.perf_counter()
with clock.frozen(AS_OF), unscoped():
    if not Unit.objects.exists():
        generator.load(size="province", seed=2025, as_of=AS_OF, with_extensions=False)
        print(f"built the province tree in {time.perf_counter() - t:.1f} s", flush=True)
    office = User.objects.get(username="office")
    with transaction.atomic():
        if not Item.objects.filter(number__startswith="BENCH-").exists():
            build_items(random.Random(SEED), office)
if vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
print(f"data ready in {time.perf_counter() - t:.1f} s", flush=True)

COLUMNS = (
    "pk",
    "created_on",
    "deadline",
    "percent",
    "working_days",
    "leader_instruction",
    "status",
)

with clock.frozen(AS_OF), unscoped():
    open_items = Item.objects.filter(status__in=OPEN_STATUSES)
    n_open = open_items.count()
    result = queries.colours(open_items, AS_OF)
    counts = {c: list(result.values()).count(c) for c in queries.COLOURS}
    print(f"database: {vendor}; open items: {n_open:,}; colours: {counts}", flush=True)
    colours_s = median_s(lambda: queries.colours(open_items, AS_OF))
    anchor_s = median_s(lambda: list(open_items.values_list(*COLUMNS)))
    open_assignments = Assignment.objects.filter(active=True, item__status__in=OPEN_STATUSES)
    assignment_s = median_s(lambda: queries.assignment_colours(open_assignments, AS_OF))
    figure("colours_s", round(colours_s, 3))
    figure("colours_anchor_s", round(anchor_s, 3))
    figure("colours_ratio", round(colours_s / anchor_s, 1))
    figure("assignment_colours_s", round(assignment_s, 3))

    # The nightly run from a clean slate (earlier runs of this bench sent theirs).
    with transaction.atomic():
        Reminder.objects.all().delete()
        Notice.objects.filter(kind=reminders.KIND).delete()
    # The first night: everything due at once (every overdue date of 20,000 items).
    t = time.perf_counter()
    cold = reminders.nightly(AS_OF - dt.timedelta(days=1))
    cold_s = time.perf_counter() - t
    # The next night: what fell due since.
    t = time.perf_counter()
    first = reminders.nightly(AS_OF)
    first_s = time.perf_counter() - t
    # The same night again: nothing.
    t = time.perf_counter()
    second = reminders.nightly(AS_OF)
    second_s = time.perf_counter() - t
    notices = Notice.objects.filter(kind=reminders.KIND).count()
    triples = Reminder.objects.values("assignment_id", "kind", "due_on").distinct().count()
    doubled = (
        Reminder.objects.values("assignment_id", "kind", "due_on")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    print(
        f"reminders: first night {cold:,}, next night {first:,} new, the same night again "
        f"{second:,} new; notices {notices:,}; "
        f"recorded (assignment, kind, due date) {triples:,}",
        flush=True,
    )
    figure("reminders_cold_s", round(cold_s, 3))
    figure("reminders_s", round(first_s, 3))
    figure("reminders_second_s", round(second_s, 3))
    figure("reminders_sent_twice", second + max(0, notices - triples) + doubled)
