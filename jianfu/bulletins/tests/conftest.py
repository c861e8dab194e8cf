"""A small city with something to report for last month: county A over its document quota, a
confirmed rising signal of A and a confirmed truthfulness signal of B, an overdue measure of B
and a relapsed problem of A; and helpers to draft and move a bulletin."""

import datetime as dt

import pytest
from django.utils import timezone

from jianfu.bulletins import periods, services
from jianfu.bulletins.models import Bulletin
from jianfu.core import clock
from jianfu.rectification.models import Measure, MeasureStatus, Problem, ProblemStatus
from jianfu.registry.models import Category
from jianfu.signals.models import Signal
from jianfu.signals.tests import factories


def last_month() -> tuple[dt.date, dt.date, str]:
    return periods.previous("monthly", clock.today())


@pytest.fixture
def city(units, people):
    start, end, _label = last_month()
    year = end.year
    factories.documents(units["TA"], year, factories.flat(3, end.month))
    factories.quota(units["TA"], year, Category.DOCUMENT, 20)
    factories.documents(units["TB"], year, factories.flat(1, end.month))
    factories.quota(units["TB"], year, Category.DOCUMENT, 100)
    decided = timezone.make_aware(dt.datetime.combine(end - dt.timedelta(days=3), dt.time(10)))
    now = timezone.now()
    signals = {}
    for code, rule, subject in (("TA", "quota_rising", "document"), ("TB", "truth_outliers", "")):
        signals[code] = Signal.objects.create(
            rule=rule,
            unit=units[code],
            period=str(year),
            subject=subject,
            severity=3,
            status="confirmed",
            evidence={},
            decided_by=people["office"],
            decided_at=decided,
            first_raised_at=now,
            last_seen_at=now,
        )
    problems = {}
    for code, relapses in (("TB", 0), ("TA", 1)):
        problems[code] = Problem.objects.create(
            unit=units[code],
            source="signal",
            description="问题",
            severity=2,
            found_on=start,
            status=ProblemStatus.OPEN,
            relapses=relapses,
            created_at=now,
            updated_at=now,
        )
    Measure.objects.create(
        problem=problems["TB"],
        content="整改",
        responsible_unit=units["TB"],
        responsible_person="张三",
        deadline=clock.today() - dt.timedelta(days=5),
        status=MeasureStatus.IN_PROGRESS,
        created_at=now,
        updated_at=now,
    )
    return {"signals": signals, "problems": problems, "year": year}


def draft(by, start=None, end=None, label=None) -> Bulletin:
    """A bulletin of last month drafted now (the task run at once, as on commit)."""
    s, e, lbl = last_month()
    b = services.bulletin_create(
        by=by, kind="monthly", start=start or s, end=end or e, label=label or lbl
    )
    services.bulletin_generate(b.pk)
    b.refresh_from_db()
    return b


def published(people, by="office") -> Bulletin:
    b = draft(people[by])
    services.bulletin_submit(bulletin=b, by=people["office"])
    services.bulletin_approve(bulletin=b, by=people["leader"])
    return services.bulletin_publish(bulletin=b, by=people["office"])
