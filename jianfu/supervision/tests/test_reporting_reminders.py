"""Units that submit nothing by a deadline are reminded by the nightly job — in the inbox and by
email to a real local SMTP server — once and never twice, and the reminder is recorded; a unit
still silent the grace days after gets the signal, a unit that answered does not."""

import datetime as dt
import email
import email.policy

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.notify.models import Message, Notice
from jianfu.notify.tests.conftest import smtp, smtp_server  # noqa: F401
from jianfu.signals import runner
from jianfu.signals.models import Signal, SignalStatus
from jianfu.signals.rules import RULES
from jianfu.supervision.models import ReportingReminder
from jianfu.supervision.reporting import reminders, tasks
from jianfu.supervision.reporting.rule import CODE

from .reporting_setup import commission, designate, schedule, send

pytestmark = pytest.mark.django_db


def subjects(mails) -> list[str]:
    return [
        email.message_from_bytes(raw.encode(), policy=email.policy.default)["Subject"].strip()
        for _f, _t, raw in mails
    ]


@pytest.fixture
def missed(people, units):
    """A commission due 10 March: county A answered on time, county B did not."""
    designate(people, units)
    req = commission(people, units)
    send(people, "contact_a", requirement_id=req.pk, at=dt.date(2026, 3, 9))
    return req


def test_a_silent_unit_is_reminded_once_by_email_and_in_the_inbox(
    missed,
    people,
    smtp,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    contact_b = people["contact_b"]
    contact_b.email = "b@example.cn"
    contact_b.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.reminders_due(dt.date(2026, 3, 11)) == 1
    [message] = Message.objects.select_related("notice")
    assert message.recipient == contact_b
    assert message.notice.subject == "约稿逾期未报：优化营商环境经验做法"
    assert message.notice.link == reverse("reporting_todo")
    assert subjects(smtp.mails) == ["约稿逾期未报：优化营商环境经验做法"]
    [r] = ReportingReminder.objects.all()
    assert (r.unit.code, r.period, r.sent_on) == ("TB", "once", dt.date(2026, 3, 11))
    # The next nights: nothing sent twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.reminders_due(dt.date(2026, 3, 12)) == 0
        assert reminders.reminders_due(dt.date(2026, 3, 13)) == 0
    assert Notice.objects.count() == 1 and len(smtp.mails) == 1


def test_no_reminder_before_the_deadline_has_passed(missed):
    assert reminders.reminders_due(dt.date(2026, 3, 10)) == 0


def test_a_schedule_period_without_a_piece_reminds(people, units):
    designate(people, units)
    req = schedule(people, units)
    send(people, "contact_a", requirement_id=req.pk, at=dt.date(2026, 2, 12))
    assert reminders.reminders_due(dt.date(2026, 3, 1)) == 1
    [r] = ReportingReminder.objects.all()
    assert (r.unit.code, r.period, r.deadline) == ("TB", "2026-02", dt.date(2026, 2, 28))
    assert reminders.reminders_due(dt.date(2026, 3, 2)) == 0


def test_the_signal_for_the_silent_unit_and_not_the_clean_one(missed, units):
    reminders.reminders_due(dt.date(2026, 3, 11))
    runner.run(as_of=dt.date(2026, 3, 14), rules=[CODE])
    assert not Signal.objects.filter(rule=CODE).exists()  # still within the grace days
    runner.run(as_of=dt.date(2026, 3, 17), rules=[CODE])
    [signal] = Signal.objects.filter(rule=CODE)
    assert signal.unit == units["TB"] and signal.period == "2026"
    assert signal.severity == 2
    figures = {f["key"]: f["value"] for f in signal.evidence["figures"]}
    assert figures["reporting_deadline"] == "2026-03-10" and figures["submitted"] == 0
    assert figures["days_since_reminder"] == 6
    assert RULES[CODE].headline(signal.subject, signal.evidence).startswith("“优化营商环境")


def test_a_late_piece_resolves_the_signal(missed, people):
    reminders.reminders_due(dt.date(2026, 3, 11))
    runner.run(as_of=dt.date(2026, 3, 17), rules=[CODE])
    send(people, "contact_b", requirement_id=missed.pk, at=dt.date(2026, 3, 18))
    runner.run(as_of=dt.date(2026, 3, 19), rules=[CODE])
    assert Signal.objects.get(rule=CODE).status == SignalStatus.RESOLVED


def test_the_nightly_job_reminds_and_runs_the_rule(missed):
    with clock.frozen(dt.date(2026, 3, 11)):
        assert tasks.reporting_reminders.call() == 1
    with clock.frozen(dt.date(2026, 3, 20)):
        assert tasks.reporting_reminders.call() == 0
    assert Signal.objects.filter(rule=CODE, status=SignalStatus.OPEN).count() == 1


def test_the_rule_is_on_the_rules_page(login):
    page = login("office").get(reverse("signal_rules")).content.decode()
    assert 'id="rule-reporting_silent"' in page and "督查督办" in page


def test_the_signal_page_shows_the_evidence(missed, login):
    reminders.reminders_due(dt.date(2026, 3, 11))
    runner.run(as_of=dt.date(2026, 3, 17), rules=[CODE])
    signal = Signal.objects.get(rule=CODE)
    page = login("office").get(reverse("signal_detail", args=[signal.pk])).content.decode()
    assert "信息报送逾期未报" in page and "催报日期" in page and "2026-03-11" in page
    assert login("contact_a").get(reverse("signal_detail", args=[signal.pk])).status_code == 404


def test_the_silent_unit_is_on_the_coordination_meetings_draft_agenda(missed, people, units):
    """The meeting hears the units lagging in reporting (supervision/agenda.py), each with the
    quarter's figures; the unit that answered is not there."""
    from jianfu.supervision.meetings import services as meetings
    from jianfu.supervision.meetings.models import AgendaLine

    reminders.reminders_due(dt.date(2026, 3, 11))
    runner.run(as_of=dt.date(2026, 3, 17), rules=[CODE])
    with clock.frozen(dt.date(2026, 3, 18)):
        m = meetings.meeting_create(
            by=people["office"],
            title="第一季度秘书长联席会议",
            date=dt.date(2026, 3, 18),
            attendee_ids=[units["TA"].pk, units["TB"].pk],
        )
        meetings.agenda_draft(by=people["office"], meeting_id=m.pk)
    [line] = AgendaLine.objects.filter(meeting=m, section="reporting")
    assert line.unit_id == units["TB"].pk and "未按期报送信息" in line.text
    figures = {x["label"]: x["value"] for x in line.figures}
    assert figures["未按期报送"] == 1 and figures["本季度报送"] == 0


def test_the_units_count_of_requests_this_month_includes_reporting(missed, units):
    """ "No new burden": the unit's to-do page counts every ask of the platform, the commission
    and the reminder to report among them."""
    from jianfu.supervision.items import queries as items

    reminders.reminders_due(dt.date(2026, 3, 11))
    silent = items.requests_received(units["TB"].pk, dt.date(2026, 3, 20))
    answered = items.requests_received(units["TA"].pk, dt.date(2026, 3, 20))
    assert (silent["reporting"], silent["reminders"], silent["total"]) == (1, 1, 2)
    assert (answered["reporting"], answered["reminders"], answered["total"]) == (1, 0, 1)
    assert items.requests_received(units["TB"].pk, dt.date(2026, 4, 20))["total"] == 0
