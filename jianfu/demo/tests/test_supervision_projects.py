"""The demo's key projects: the three planted troubles raise exactly their signals (signed and
never started, money stalled, started again), and the clean projects beside them raise none."""

import datetime as dt

import pytest

from jianfu.core.models import Unit
from jianfu.demo import generator
from jianfu.signals.models import Signal
from jianfu.supervision.projects import health
from jianfu.supervision.projects.models import Project

AS_OF = dt.date(2025, 9, 30)


@pytest.fixture
def demo(db):
    generator.populate("tiny", 11, AS_OF, username_prefix="demo-")
    return Unit.objects.get(code="410900")


def test_the_planted_projects_raise_exactly_their_signals(demo):
    projects = Project.objects.filter(unit__path__startswith=demo.path)
    assert projects.count() >= 8
    found = {
        (s.rule, health.project_id(s.subject)) for s in Signal.objects.filter(rule__in=health.CODES)
    }
    by_name = {p.pk: p.name for p in projects}
    named = {(rule, by_name[pk]) for rule, pk in found}
    assert {rule for rule, _ in named} == {"proj_unstarted", "proj_money_stalled", "proj_restarted"}
    assert len(named) == 3
    names = dict((rule, name) for rule, name in named)
    assert names["proj_unstarted"].endswith("高端纺织产业基地")
    assert names["proj_money_stalled"].endswith("文旅综合体")
    assert names["proj_restarted"].endswith("职业教育实训基地")
