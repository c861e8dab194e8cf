"""The rules run in the background: after a registry import (the registry announces it through
core.events; the test settings' immediate backend runs the task at once) and nightly through the
worker's scheduler — never inside a page request."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from jianfu.core import clock, events, scheduler
from jianfu.signals import tasks
from jianfu.signals.models import Signal

from . import factories as f

pytestmark = pytest.mark.django_db


def test_an_import_runs_the_rules_for_its_units(units, django_capture_on_commit_callbacks):
    ta, tb = units["TA"], units["TB"]
    for unit in (ta, tb):
        f.quota(unit, 2025, "document", 10)
    with (
        clock.frozen(dt.date(2025, 6, 30)),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        f.documents(ta, 2025, f.flat(4, 6))
        f.documents(tb, 2025, f.flat(4, 6))
        events.data_changed("registry", unit_ids=[ta.pk], import_id=None)
        assert not Signal.objects.exists()  # nothing runs before the commit
    assert len(callbacks) == 1
    s = Signal.objects.get()
    assert (s.rule, s.unit, s.subject) == ("quota_pacing", ta, "document")
    assert "exceeded" in s.evidence["conditions"]


def test_the_task_is_subscribed_to_registry_events():
    assert tasks.run_rules_after_import in events._subscribers["registry"]


def test_the_nightly_run_is_scheduled_and_runs_every_rule(units):
    job = next(j for j in scheduler.JOBS if j.name == "signals.rules")
    assert job.task is tasks.run_all_rules and job.at == dt.time(2, 0)
    tb = units["TB"]
    f.meetings(tb, 2024, f.flat(2))
    f.meetings(tb, 2025, f.flat(5, 6))
    evening = timezone.make_aware(dt.datetime(2025, 6, 30, 22, 0))
    with clock.frozen(evening):
        scheduler.tick()  # first sight of the job: schedules it for 02:00
    assert not Signal.objects.exists()
    with clock.frozen(evening + dt.timedelta(hours=5)):
        started = scheduler.tick()
    assert "signals.rules" in started
    s = Signal.objects.get(rule="quota_rising")
    assert s.unit == tb and s.evidence["as_of"] == "2025-07-01"


def test_an_event_without_units_runs_nothing(units):
    assert tasks.run_rules_after_import.call(import_id=None, unit_ids=[]) == {}
