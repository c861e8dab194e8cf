"""The demo's mid-year review: targets, key work and livelihood projects for the first city's
units, the planted counties (and only they) lagging on the review page, the bulletin's section
naming the same units."""

import datetime as dt

import pytest

from jianfu.core import bulletin_sections as bs
from jianfu.core import clock
from jianfu.core.models import Unit, User
from jianfu.demo import generator, supervision_review
from jianfu.supervision.review import queries
from jianfu.supervision.review.models import Target, TargetKind

AS_OF = dt.date(2025, 9, 30)


@pytest.fixture
def demo(db):
    generator.populate("tiny", 11, AS_OF, username_prefix="demo-")
    return Unit.objects.get(code="410900")


def test_the_planted_counties_lag_and_only_they(demo):
    targets = Target.objects.filter(unit__path__startswith=demo.path)
    assert {t.kind for t in targets} == set(TargetKind.values)
    office = User.objects.get(username="demo-office")
    with clock.frozen(AS_OF):
        stock = queries.stock(office, 2025)
    counties = list(
        Unit.objects.filter(
            kind="county", path__startswith=demo.path, depth=demo.depth + 1
        ).order_by("path")
    )
    assert stock.as_of == dt.date(2025, 6, 30)
    assert stock.lagging
    assert {r.unit_id for r in stock.lagging} == {
        u.pk for u in supervision_review.planted(counties)
    }
    assert all(r.gap > stock.margin for r in stock.lagging)
    ctx = bs.Context(office, dt.date(2025, 7, 1), AS_OF, "7—9月")
    with clock.frozen(AS_OF):
        part = bs.SECTIONS["supervision_review"].build(ctx)
    assert [line["unit"] for line in part.lines] == [r.unit_id for r in stock.lagging]
    # One target of the first county waits for its contact.
    assert targets.filter(entered_at__isnull=True).count() == 1
