"""The apps' reminders go through the notifications: a sample point's reporter finds the reminder
in the inbox and by email, once per point, period and kind; a responsible unit is told when one of
its rectification measures becomes overdue, once per measure and deadline, by the nightly job."""

import datetime as dt
import email
import email.policy

import pytest

from jianfu.core import clock, scheduler
from jianfu.core.models import User
from jianfu.monitoring.points import services as points
from jianfu.monitoring.tests.test_reminders import points as sample_points  # noqa: F401
from jianfu.notify.models import Delivery, Message, Notice
from jianfu.rectification import tasks as rectification_tasks
from jianfu.rectification.models import Measure
from jianfu.rectification.problems import measures, reminders
from jianfu.rectification.problems import services as problems

pytestmark = pytest.mark.django_db


def subjects(raw_mails) -> list[str]:
    return [
        email.message_from_bytes(raw.encode(), policy=email.policy.default)["Subject"].strip()
        for _f, _t, raw in raw_mails
    ]


def test_a_missing_report_reminds_the_reporter_in_the_inbox_and_by_email(
    sample_points,  # noqa: F811
    smtp,
    django_capture_on_commit_callbacks,
):
    reporter = User.objects.get(username="reporter")
    reporter.email = "reporter@example.cn"
    reporter.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        points.reminders_due(dt.date(2025, 4, 6))
    [message] = Message.objects.select_related("notice")
    assert message.recipient == reporter
    assert message.notice.subject == "甲一村2025年3月的监测情况已逾期未报"
    assert message.notice.key == f"monitoring.reminder:{sample_points[0].pk}:2025-03:overdue"
    assert message.notice.link == f"/report/{sample_points[0].pk}/2025-03/"
    assert subjects(smtp.mails) == ["甲一村2025年3月的监测情况已逾期未报"]
    [(_sender, to, raw)] = smtp.mails
    assert to == ["reporter@example.cn"]
    assert f"https://jianfu.example.gov.cn/report/{sample_points[0].pk}/2025-03/" in raw
    # The next morning: the same reminder is not sent again.
    with django_capture_on_commit_callbacks(execute=True):
        points.reminders_due(dt.date(2025, 4, 7))
    assert Message.objects.count() == 1
    assert len(smtp.mails) == 1


def test_the_offices_manual_reminder_is_sent_at_most_once_a_day(sample_points, people):  # noqa: F811
    p1 = sample_points[0]
    with clock.frozen(dt.date(2025, 4, 6)):
        points.reminders_send(
            by=people["office"], form_code="burden", period="2025-03", point_ids=[p1.pk]
        )
        points.reminders_send(
            by=people["office"], form_code="burden", period="2025-03", point_ids=[p1.pk]
        )
    with clock.frozen(dt.date(2025, 4, 8)):
        points.reminders_send(
            by=people["office"], form_code="burden", period="2025-03", point_ids=[p1.pk]
        )
    keys = sorted(Notice.objects.values_list("key", flat=True))
    assert keys == [
        f"monitoring.reminder:{p1.pk}:2025-03:manual:2025-04-06",
        f"monitoring.reminder:{p1.pk}:2025-03:manual:2025-04-08",
    ]


TODAY = dt.date(2026, 3, 2)


def overdue_measure(people, units) -> Measure:
    with clock.frozen(dt.date(2026, 2, 2)):
        problem = problems.problem_create(
            by=people["office"],
            unit_id=units["TA"].pk,
            source="office",
            description="会议材料层层加码，要求基层重复报送",
        )
        return measures.measure_create(
            by=people["office"],
            problem=problem,
            data={
                "content": "清理重复报送的材料",
                "kind": "immediate",
                "responsible_unit_id": units["TA"].pk,
                "responsible_person": "张明",
                "deadline": dt.date(2026, 2, 20),
            },
        )


def test_an_overdue_measure_reminds_its_responsible_unit_once(
    people, units, smtp, django_capture_on_commit_callbacks
):
    contact = people["contact_a"]
    contact.email = "contact-a@example.cn"
    contact.save(update_fields=["email"])
    m = overdue_measure(people, units)
    with clock.frozen(TODAY), django_capture_on_commit_callbacks(execute=True):
        assert rectification_tasks.overdue_reminders.enqueue().return_value == 1
        assert reminders.overdue_reminders() == 0  # the same night again: nothing new
    [message] = Message.objects.select_related("notice", "recipient")
    assert message.recipient.username == "contact_a"
    assert message.notice.subject == "整改措施已逾期：甲县"
    assert "完成时限为 2026-02-20，已逾期 10 天" in message.notice.body
    assert message.notice.link == f"/rectification/problems/{m.problem_id}/#m{m.pk}"
    assert subjects(smtp.mails) == ["整改措施已逾期：甲县"]
    assert Delivery.objects.get().status == "sent"
    # A new deadline that passes too reminds again.
    Measure.objects.filter(pk=m.pk).update(deadline=dt.date(2026, 2, 27))
    with clock.frozen(TODAY):
        assert reminders.overdue_reminders() == 1


def test_the_jobs_are_registered_with_the_scheduler():
    names = {job.name for job in scheduler.JOBS}
    assert {"notify.deliveries", "rectification.overdue_reminders", "monitoring.reminders"} <= names


def test_the_due_deliveries_job_runs_every_minute(db):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with clock.frozen(start):
        assert "notify.deliveries" not in scheduler.tick()  # the first tick plans the runs
    with clock.frozen(start + dt.timedelta(seconds=30)):
        assert "notify.deliveries" not in scheduler.tick()
    with clock.frozen(start + dt.timedelta(seconds=61)):
        assert "notify.deliveries" in scheduler.tick()
    with clock.frozen(start + dt.timedelta(seconds=62)):
        assert "notify.deliveries" not in scheduler.tick()  # claimed once per interval
