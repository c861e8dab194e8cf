"""The reporting demo: contacts for every county and department, a year of reports with
adoptions at every tier, two instructions, one false report, and one unit that missed the latest
commission — reminded once, then raising the signal; no other unit raises it."""

import datetime as dt

import pytest
from django.db import transaction

from jianfu.core.models import Unit
from jianfu.demo import generator
from jianfu.demo import reporting as demo_data
from jianfu.signals.models import Signal, SignalStatus
from jianfu.supervision.models import (
    Adoption,
    Instruction,
    ReportingContact,
    ReportingReminder,
    Submission,
)
from jianfu.supervision.reporting.rule import CODE

AS_OF = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            counts = generator.populate("tiny", 11, AS_OF, username_prefix="demo-")
            root = Unit.objects.get(code="410900")
            units = [
                u
                for u in Unit.objects.filter(path__startswith=root.path, depth=2).order_by("path")
                if not u.name.endswith("市委办公室")
            ]
            yield {"counts": counts, "root": root, "units": units}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_every_reporting_unit_has_its_contact(demo, db):
    designated = set(ReportingContact.objects.values_list("unit_id", flat=True))
    assert designated == {u.pk for u in demo["units"]}


def test_a_year_of_reports_with_adoptions_at_every_tier(demo, db):
    subs = Submission.objects.filter(unit__path__startswith=demo["root"].path)
    months = {s.submitted_at.strftime("%Y-%m") for s in subs}
    assert len(months) >= 12
    tiers = set(Adoption.objects.values_list("tier__code", flat=True))
    assert tiers == {"city", "province", "central"}
    assert Instruction.objects.count() == 2
    assert subs.filter(status="false").count() == 1
    assert subs.filter(on_time=False).exists()
    assert demo["counts"]["报送信息"] == subs.count()


def test_the_planted_unit_is_reminded_once_and_raises_the_signal(demo, db):
    planted = demo_data.planted_unit(demo["units"])
    [signal] = Signal.objects.filter(rule=CODE)
    assert signal.unit_id == planted.pk and signal.status == SignalStatus.OPEN
    silent = ReportingReminder.objects.filter(unit=planted, period="once")
    assert silent.count() == 1
    # Units that answered late were reminded too, and raise nothing.
    assert not Signal.objects.filter(rule=CODE).exclude(unit=planted).exists()
