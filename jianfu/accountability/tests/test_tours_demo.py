"""The demo's tour: four planted target units, their findings on their problem lists and being
rectified, one finding referred as a clue, and exactly one unit — a planted one — fixing nothing,
which the tour's page flags and acc_tour_unfixed raises."""

import datetime as dt

import pytest
from django.urls import reverse

from jianfu.accountability.clues.models import Clue
from jianfu.accountability.tours.models import Finding, Tour
from jianfu.core import clock
from jianfu.core.models import Unit, User
from jianfu.demo import generator
from jianfu.demo.registry import choose_planted
from jianfu.rectification.models import Problem
from jianfu.signals.models import Signal

AS_OF = dt.date(2025, 9, 30)


@pytest.fixture
def demo(db):
    generator.populate("tiny", 11, AS_OF, username_prefix="demo-")
    root = Unit.objects.get(code="410900")
    planted = choose_planted(
        list(Unit.objects.filter(kind="county", path__startswith=root.path).order_by("path")),
        list(
            Unit.objects.filter(kind="department", depth=2, path__startswith=root.path).order_by(
                "path"
            )
        ),
    )
    return planted


def test_the_demo_tour_is_being_rectified_with_one_planted_unit_fixing_nothing(demo, client):
    tour = Tour.objects.get()
    assert set(tour.targets.all()) == set(demo.values())
    findings = Finding.objects.filter(tour=tour)
    assert findings.count() == 8 and not findings.filter(problem_id__isnull=True).exists()
    problems = Problem.objects.filter(source_kind="tour_finding")
    assert problems.count() == 8 and problems.filter(status="closed").count() == 1
    assert Clue.objects.filter(channel="tour", source_kind="tour_finding").count() == 1
    signals = list(Signal.objects.filter(rule="acc_tour_unfixed"))
    assert [s.unit for s in signals] == [demo["rising"]]
    client.force_login(User.objects.get(username="demo-office"))
    with clock.frozen(AS_OF):
        response = client.get(reverse("tour_detail", args=[tour.pk]))
    flagged = [u.unit for u in response.context["units"] if u.fixes_nothing]
    assert flagged == [demo["rising"]]
