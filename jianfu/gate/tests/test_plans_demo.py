"""The demo's plans: most units filed, some waiting or returned, one planted split raising
gate_split (and no other unit raising it), one change pending, and the registry's quotas as the
office set them (a filed plan overwrote none)."""

import datetime as dt

import pytest

from jianfu.core.models import AuditEntry, Unit
from jianfu.demo import generator
from jianfu.demo.registry import choose_planted
from jianfu.gate.plans import queries
from jianfu.gate.plans.models import AnnualPlan, ChangeStatus, PlanChange, PlanStatus
from jianfu.signals.models import Signal

AS_OF = dt.date(2025, 9, 30)


@pytest.fixture
def demo(db):
    generator.populate("tiny", 11, AS_OF, username_prefix="demo-")
    root = Unit.objects.get(code="410900")
    counties = list(Unit.objects.filter(kind="county", path__startswith=root.path).order_by("path"))
    departments = list(
        Unit.objects.filter(kind="department", depth=2, path__startswith=root.path).order_by("path")
    )
    return {"planted": choose_planted(counties, departments), "root": root}


def test_the_demo_files_plans_in_every_state(demo):
    states = set(AnnualPlan.objects.values_list("status", flat=True))
    assert {PlanStatus.FILED, PlanStatus.SUBMITTED, PlanStatus.RETURNED} <= states
    assert AnnualPlan.objects.filter(status=PlanStatus.FILED).count() >= 3
    assert PlanChange.objects.filter(status=ChangeStatus.PENDING).count() == 1


def test_the_planted_split_raises_gate_split_and_no_other_unit_does(demo):
    unit = demo["planted"]["pacing"]
    groups = queries.splits(AS_OF.year)
    assert [g.unit_id for g in groups] == [unit.pk]
    assert len(groups[0].entries) == 2
    signals = list(Signal.objects.filter(rule="gate_split"))
    assert [s.unit_id for s in signals] == [unit.pk]


def test_filing_left_the_quotas_the_office_set(demo):
    # The registry stage set every quota of the year; filing kept each (the plan applied none).
    filed = AnnualPlan.objects.filter(status=PlanStatus.FILED)
    assert filed.exists()
    assert all(p.applied_quotas == {} for p in filed)
    assert not AuditEntry.objects.filter(code="jianfu.registry.quota.set").exists()
