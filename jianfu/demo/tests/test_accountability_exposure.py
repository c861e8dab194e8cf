"""The demo's typical cases: one published of a planted department, its text naming no one and
on the public page, studied by some of the units addressed but not all; one in draft."""

import datetime as dt

import pytest

from jianfu.accountability.exposure import queries
from jianfu.accountability.exposure.models import Study, TypicalStatus
from jianfu.core.models import Unit
from jianfu.demo import generator
from jianfu.demo.registry import choose_planted

AS_OF = dt.date(2025, 9, 30)


@pytest.fixture
def demo(db):
    generator.populate("tiny", 11, AS_OF, username_prefix="demo-")
    return Unit.objects.get(code="410900")


def test_the_demo_publishes_one_case_of_a_planted_unit_studied_by_some(demo, client):
    counties = list(Unit.objects.filter(kind="county", path__startswith=demo.path).order_by("path"))
    departments = list(
        Unit.objects.filter(kind="department", depth=2, path__startswith=demo.path).order_by("path")
    )
    planted = choose_planted(counties, departments)
    published = queries.published().get()
    assert published.case.unit == planted["paper"]
    assert published.approved_by != published.drafted_by
    assert queries.leaks_of(published) == []
    draft = queries.published().model.objects.get(status=TypicalStatus.DRAFT)
    assert draft.case.unit == planted["pacing"]
    studies = Study.objects.filter(typical=published)
    done = studies.filter(studied_on__isnull=False).count()
    assert 0 < done < studies.count()
    assert published.title in client.get("/accountability/public/typical/").content.decode()
