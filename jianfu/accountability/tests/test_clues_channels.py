"""The internal channels: a sample-point report's free-text answers become a clue (once, however
often the button is pressed; the office may, without reading any informant), and signals of the
configured rules left open become clues — nightly and by the commission's button, once per
signal."""

import datetime as dt

import pytest
from django.urls import reverse

from jianfu.accountability.clues import services, tasks
from jianfu.accountability.clues.models import Clue
from jianfu.core import clock, runtime
from jianfu.core.models import RuntimeSetting
from jianfu.core.scope_guard import unscoped
from jianfu.monitoring.models import Report, ReportForm, SamplePoint
from jianfu.signals.models import Signal

pytestmark = pytest.mark.django_db

PROBLEM = "县里各部门要求我们村每月报送同样的人口数据，三个表格内容一样，格式不同。"


@pytest.fixture
def report(people):
    now = clock.now()
    return Report.objects.create(
        point=SamplePoint.objects.get(unit__code="TA0101"),
        period="2026-10",
        form=ReportForm.objects.order_by("version").first(),
        values={"problems": PROBLEM, "suggestions": "", "docs_senders": "县统计局"},
        reporter=people["reporter"],
        first_submitted_at=now,
        submitted_at=now,
    )


def _signal(unit, rule="rect_relapse", days=30):
    raised = clock.now() - dt.timedelta(days=days)
    return Signal.objects.create(
        rule=rule,
        unit=unit,
        period="2026",
        subject=f"p{days}",
        severity=2,
        evidence={},
        threshold={},
        first_raised_at=raised,
        last_seen_at=clock.now(),
    )


def test_office_turns_a_report_into_a_clue_once(report, login):
    client = login("office")
    page = client.get(reverse("clue_sample_points"))
    assert page.status_code == 200
    assert PROBLEM in page.content.decode() and "转为问题线索" in page.content.decode()
    url = reverse("clue_from_report", args=[report.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    clue = Clue.objects.get()
    assert clue.channel == "sample_point"
    assert (clue.source_kind, clue.source_id) == ("monitoring.report", report.pk)
    assert clue.subject_unit.code == "TA" and PROBLEM in clue.text and "县统计局" in clue.text
    assert "已转为问题线索" in client.get(reverse("clue_sample_points")).content.decode()
    # The office made it but reads no clue page, and no informant.
    assert client.get(reverse("clue_detail", args=[clue.pk])).status_code == 403


def test_report_without_free_text_is_not_listed_and_refused(report, people):
    report.values = {"problems": "", "suggestions": "", "docs_senders": ""}
    report.save()
    from jianfu.core.errors import DomainError
    from jianfu.core.scope_guard import active

    with active(people["office"]), pytest.raises(DomainError):
        services.clue_from_report(by=people["office"], report_id=report.pk)


def test_contact_and_reporter_cannot_turn_reports_into_clues(report, login):
    assert login("contact_a").get(reverse("clue_sample_points")).status_code == 403
    url = reverse("clue_from_report", args=[report.pk])
    assert login("reporter").post(url).status_code == 403
    assert not Clue.objects.exists()


def test_nightly_job_escalates_open_signals_of_the_configured_rules_once(units):
    old = _signal(units["TA"], days=30)
    _signal(units["TB"], days=2)  # too recent
    _signal(units["TB"], rule="quota_pacing", days=40)  # not a configured rule
    with unscoped():
        made = tasks.escalate.call()
        again = tasks.escalate.call()
    assert again == []
    clue = Clue.objects.get(pk__in=made)
    assert (clue.channel, clue.source_id, clue.subject_unit_id) == (
        "signal",
        old.pk,
        units["TA"].pk,
    )
    RuntimeSetting.objects.create(key="accountability.clues.escalate_rules", value="quota_pacing")
    runtime.invalidate()
    with unscoped():
        assert len(services.escalate_signals()) == 1


def test_commission_escalates_a_signal_by_hand(units, login):
    signal = _signal(units["TA"], rule="quota_pacing", days=1)
    client = login("discipline")
    page = client.get(reverse("clue_signals"))
    assert page.status_code == 200 and "升级为问题线索" in page.content.decode()
    url = reverse("clue_escalate", args=[signal.pk])
    first = client.post(url)
    second = client.post(url)
    assert first.status_code == 302 and first["Location"] == second["Location"]
    assert Clue.objects.filter(channel="signal").count() == 1
    assert login("office").post(url).status_code == 403
