"""The office ticks several signals in the inbox and confirms or dismisses them with one reason:
one audited service call, all or nothing; a signal outside its scope refuses the whole batch as
not found; only those who triage may."""

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.core.models import AuditEntry, Unit
from jianfu.rectification.models import Problem
from jianfu.signals.models import Signal, SignalStatus
from jianfu.signals.problems import problems

from .test_pages import signals  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def post(client, ids, action, text="", query=""):
    url = reverse("signal_bulk") + (f"?{query}" if query else "")
    return client.post(url, {"signal": [str(i) for i in ids], "action": action, "text": text})


def statuses(*signals_):
    return [Signal.objects.get(pk=s.pk).status for s in signals_]


def test_the_inbox_offers_a_box_per_open_signal_to_the_office(signals, login):  # noqa: F811
    page = login("office").get(reverse("signal_list")).content.decode()
    assert 'id="signal-bulk"' in page
    for s in signals.values():
        assert f'name="signal" value="{s.pk}" form="signal-bulk"' in page
    page = login("contact_a").get(reverse("signal_list")).content.decode()
    assert 'id="signal-bulk"' not in page and 'name="signal"' not in page


def test_several_signals_dismissed_with_one_reason(signals, login):  # noqa: F811
    chosen = [signals["pacing"], signals["rising"]]
    response = post(
        login("office"),
        [s.pk for s in chosen],
        "dismiss",
        "已核实：年初集中部署，属正常。",
        query="status=open&severity=3",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("signal_list") + "?status=open&severity=3"
    assert statuses(*chosen) == [SignalStatus.DISMISSED] * 2
    assert statuses(signals["plan"]) == [SignalStatus.OPEN]
    for s in chosen:
        s.refresh_from_db()
        assert s.reason == "已核实：年初集中部署，属正常。"
    entries = AuditEntry.objects.filter(code="jianfu.signals.signal.dismissed")
    assert entries.count() == 2
    assert all(e.extra.get("batch") == 2 for e in entries)


def test_several_signals_confirmed_each_become_one_problem(signals, login):  # noqa: F811
    chosen = [signals["pacing"], signals["plan"]]
    response = post(login("office"), [s.pk for s in chosen], "confirm", "经核实属实")
    assert response.status_code == 302
    assert statuses(*chosen) == [SignalStatus.CONFIRMED] * 2
    assert problems(chosen).count() == 2


def test_a_dismissal_without_a_reason_keeps_what_was_ticked(signals, login):  # noqa: F811
    chosen = [signals["pacing"], signals["rising"]]
    response = post(login("office"), [s.pk for s in chosen], "dismiss", "  ")
    assert response.status_code == 400
    body = response.content.decode()
    assert "排除预警须填写理由。" in body
    for s in chosen:
        assert f'value="{s.pk}" form="signal-bulk" checked' in body
    assert statuses(*chosen) == [SignalStatus.OPEN] * 2


def test_a_signal_outside_ones_scope_refuses_the_whole_batch(signals, login):  # noqa: F811
    other_city = Unit.objects.add_root({"code": "X", "name": "外市", "kind": "city"})
    now = clock.now()
    foreign = Signal.objects.create(
        rule="quota_rising",
        unit=other_city,
        period="2025",
        subject="meeting",
        severity=2,
        evidence={},
        threshold={},
        first_raised_at=now,
        last_seen_at=now,
    )
    client = login("office")
    response = post(client, [signals["pacing"].pk, foreign.pk], "dismiss", "已核实")
    assert response.status_code == 404
    assert statuses(signals["pacing"], foreign) == [SignalStatus.OPEN] * 2
    assert not AuditEntry.objects.filter(code="jianfu.signals.signal.dismissed").exists()


def test_a_signal_no_longer_open_refuses_the_batch_by_name(signals, login):  # noqa: F811
    Signal.objects.filter(pk=signals["plan"].pk).update(status="dismissed", reason="早前已排除")
    chosen = [signals["pacing"], signals["plan"]]
    response = post(login("office"), [s.pk for s in chosen], "confirm")
    assert response.status_code == 400
    assert "以下预警已不是待研判状态，本批未作处理：计划外督查检查考核 2025（已排除）" in (
        response.content.decode()
    )
    assert statuses(signals["pacing"]) == [SignalStatus.OPEN]
    assert not Problem.objects.exists()


@pytest.mark.parametrize("role", ["contact_a", "leader", "discipline"])
def test_only_the_office_may_decide_in_bulk(signals, login, role):  # noqa: F811
    response = post(login(role), [signals["pacing"].pk], "dismiss", "已核实")
    assert response.status_code == 403
    assert statuses(signals["pacing"]) == [SignalStatus.OPEN]
