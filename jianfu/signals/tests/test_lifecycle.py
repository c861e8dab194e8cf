"""The signal lifecycle: one signal per key, updated in place; dismissed reopens only when the
severity rises; open resolves itself when the data no longer meet the rule; confirmed is frozen;
triage is audited and refused outside its rules."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from jianfu.core import clock
from jianfu.core.errors import DomainError
from jianfu.core.models import AuditEntry
from jianfu.registry.models import Document
from jianfu.signals import runner, services
from jianfu.signals.models import Signal

from . import factories as f

pytestmark = pytest.mark.django_db

MAY, JUNE, JULY = dt.date(2025, 5, 31), dt.date(2025, 6, 30), dt.date(2025, 7, 31)


def run(as_of, **kwargs):
    with clock.frozen(as_of):
        return runner.run(rules=["quota_pacing"], **kwargs)


def events(signal) -> list[str]:
    return list(signal.events.order_by("pk").values_list("kind", flat=True))


@pytest.fixture
def early(units):
    """甲县 used 60 of its 100 documents by May: pacing, medium (over half in five months)."""
    ta = units["TA"]
    f.quota(ta, 2025, "document", 100)
    f.documents(ta, 2024, f.flat(10))
    f.documents(ta, 2025, f.flat(12, 5))
    run(MAY)
    return Signal.objects.get(rule="quota_pacing", unit=ta)


def test_a_second_run_updates_the_one_signal_instead_of_adding_another(early):
    first_seen = early.last_seen_at
    with clock.frozen(dt.datetime(2025, 6, 1, 3, 0, tzinfo=dt.UTC)):
        runner.run(rules=["quota_pacing"], as_of=MAY)
    assert Signal.objects.filter(rule="quota_pacing").count() == 1
    early.refresh_from_db()
    assert early.last_seen_at > first_seen
    assert events(early) == ["raised"]


def test_a_rising_severity_is_written_into_the_history(early):
    f.documents(early.unit, 2025, [0, 0, 0, 0, 0, 50])
    run(JUNE)
    early.refresh_from_db()
    assert early.severity == 3 and early.status == "open"
    assert events(early) == ["raised", "severity_rose"]


def test_a_dismissed_signal_stays_dismissed_while_its_severity_does_not_rise(early, people):
    services.signal_dismiss(by=people["office"], signal=early, reason="年初集中部署，已说明情况")
    f.documents(early.unit, 2025, [0, 0, 0, 0, 0, 3])
    run(JUNE)
    early.refresh_from_db()
    assert early.status == "dismissed" and early.severity == 2
    assert early.reason == "年初集中部署，已说明情况"
    assert figures(early)["used"] == 63  # the evidence follows the data


def test_a_dismissed_signal_reopens_when_its_severity_rises(early, people):
    services.signal_dismiss(by=people["office"], signal=early, reason="已说明情况")
    f.documents(early.unit, 2025, [0, 0, 0, 0, 0, 50])
    run(JUNE)
    early.refresh_from_db()
    assert early.status == "open" and early.severity == 3
    assert early.decided_by is None and early.reason == ""
    assert events(early) == ["raised", "dismissed", "reopened"]
    reopened = early.events.get(kind="reopened")
    assert "中" in reopened.note and "高" in reopened.note


def test_an_open_signal_resolves_itself_when_the_data_no_longer_meet_the_rule(early):
    f.clear(Document, early.unit, 2025)
    f.documents(early.unit, 2025, f.flat(3, 5))
    run(MAY)
    early.refresh_from_db()
    assert early.status == "resolved" and early.resolved_at is not None
    assert events(early) == ["raised", "resolved"]
    # The data meet the rule again: the same signal reopens, its history kept.
    f.documents(early.unit, 2025, [40])
    run(MAY)
    early.refresh_from_db()
    assert early.status == "open" and events(early) == ["raised", "resolved", "reopened"]
    assert Signal.objects.filter(rule="quota_pacing").count() == 1


def test_resolving_is_limited_to_the_units_evaluated(early, units):
    f.clear(Document, early.unit, 2025)
    run(MAY, unit_ids=[units["TB"].pk])
    early.refresh_from_db()
    assert early.status == "open"
    run(MAY, unit_ids=[early.unit_id])
    early.refresh_from_db()
    assert early.status == "resolved"


def test_last_years_signals_are_left_alone_in_the_new_year(early):
    f.clear(Document, early.unit, 2025)
    run(dt.date(2026, 1, 31))
    early.refresh_from_db()
    assert early.status == "open"


def test_confirming_freezes_the_evidence_and_the_threshold(early, people):
    services.signal_confirm(by=people["office"], signal=early, note="核实属实")
    early.refresh_from_db()
    assert early.status == "confirmed" and early.note == "核实属实"
    assert early.frozen["evidence"] == early.evidence
    assert early.frozen["threshold"]["signals.pacing.early_share_pct"] == 50
    assert early.frozen["severity"] == 2
    frozen = early.frozen
    f.documents(early.unit, 2025, [0, 0, 0, 0, 0, 50])
    run(JUNE)
    f.clear(Document, early.unit, 2025)
    run(JULY)
    early.refresh_from_db()
    assert early.status == "confirmed" and early.frozen == frozen
    assert early.evidence == frozen["evidence"]
    assert events(early) == ["raised", "confirmed"]


def test_triage_is_audited_with_its_codes(early, people):
    services.signal_confirm(by=people["office"], signal=early)
    entry = AuditEntry.objects.filter(code="jianfu.signals.signal.confirmed").get()
    assert entry.object_type == "signals.signal" and entry.object_id == str(early.pk)
    assert entry.actor_id == people["office"].pk
    assert entry.changes == {"status": ["open", "confirmed"]}


def test_dismissing_needs_a_reason(early, people):
    with pytest.raises(DomainError) as e:
        services.signal_dismiss(by=people["office"], signal=early, reason="  ")
    assert e.value.code == "reason_required" and str(e.value.message) == "排除预警须填写理由。"
    early.refresh_from_db()
    assert early.status == "open"
    services.signal_dismiss(by=people["office"], signal=early, reason="数据登记有误")
    assert AuditEntry.objects.filter(code="jianfu.signals.signal.dismissed").count() == 1


def test_only_an_open_signal_is_triaged(early, people):
    services.signal_dismiss(by=people["office"], signal=early, reason="已核实")
    with pytest.raises(DomainError) as e:
        services.signal_confirm(by=people["office"], signal=early)
    assert e.value.code == "not_open"


def test_triage_needs_the_office(early, people):
    with pytest.raises(PermissionDenied):
        services.signal_confirm(by=people["contact_a"], signal=early)
    with pytest.raises(PermissionDenied):
        services.signal_dismiss(by=people["leader"], signal=early, reason="理由")


def figures(signal) -> dict:
    return {x["key"]: x["value"] for x in signal.evidence["figures"]}
