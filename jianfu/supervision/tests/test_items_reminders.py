"""Reminders of supervision items: before and after each due date, by the nightly job, to a real
local SMTP server and a local group robot — once, never twice; and by hand, once a day."""

import datetime as dt
import email
import email.policy

import pytest
from django.core.exceptions import PermissionDenied

from jianfu.core import clock
from jianfu.core.errors import DomainError
from jianfu.notify import services as notify_services
from jianfu.notify.models import Notice
from jianfu.notify.tests.conftest import robot, smtp, smtp_server  # noqa: F401
from jianfu.supervision.items import queries, reminders, services
from jianfu.supervision.items.models import Reminder, ReminderKind

pytestmark = pytest.mark.django_db


def subjects(raw_mails) -> list[str]:
    return [
        email.message_from_bytes(raw.encode(), policy=email.policy.default)["Subject"].strip()
        for _f, _t, raw in raw_mails
    ]


def reminded(mails):
    return [s for s in subjects(mails) if s.startswith("督办事项")]


def test_the_nightly_reminders_go_once_by_email_and_robot(
    people,
    units,
    smtp,  # noqa: F811
    robot,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    contact = people["contact_a"]
    contact.email = "contact_a@example.cn"
    contact.save(update_fields=["email"])
    notify_services.robot_set(
        by=people["office"], unit=units["TA"], channel="dingtalk", url=robot.url
    )
    with clock.frozen(dt.date(2026, 3, 2)), django_capture_on_commit_callbacks(execute=True):
        item = services.item_create(
            by=people["office"],
            source="meeting",
            title="清理规范各类考核",
            deadline=dt.date(2026, 3, 13),
            lead_unit_id=units["TA"].pk,
            issue=True,
        )
    assert subjects(smtp.mails) == ["新交办督办事项：清理规范各类考核"]
    robot.requests.clear()
    # 11 March: two working days before the deadline — reminded; the second run sends nothing.
    for _ in range(2):
        with clock.frozen(dt.date(2026, 3, 11)), django_capture_on_commit_callbacks(execute=True):
            reminders.nightly()
    assert reminded(smtp.mails) == ["督办事项即将到期：清理规范各类考核"]
    assert len(robot.requests) == 1
    # The next day the same due date is not reminded again.
    with clock.frozen(dt.date(2026, 3, 12)), django_capture_on_commit_callbacks(execute=True):
        assert reminders.nightly() == 0
    # After the deadline: one overdue reminder, then nothing on later nights.
    for day in (16, 16, 17):
        with clock.frozen(dt.date(2026, 3, day)), django_capture_on_commit_callbacks(execute=True):
            reminders.nightly()
    assert reminded(smtp.mails) == [
        "督办事项即将到期：清理规范各类考核",
        "督办事项已逾期：清理规范各类考核",
    ]
    assert len(robot.requests) == 2
    rows = list(Reminder.objects.filter(item=item).values_list("kind", "due_on"))
    assert sorted(rows) == [
        (ReminderKind.AFTER_DUE, dt.date(2026, 3, 13)),
        (ReminderKind.BEFORE_DUE, dt.date(2026, 3, 13)),
    ]
    assert Notice.objects.filter(kind=reminders.KIND).count() == 2
    assert queries.requests_received(units["TA"].pk, dt.date(2026, 3, 1)) == {
        "items": 1,
        "feedback_due": 1,
        "reporting": 0,
        "reminders": 2,
        "total": 4,
    }


def test_feedback_due_dates_are_reminded_and_answered_ones_are_not(people, units):
    with clock.frozen(dt.date(2026, 3, 2)):
        item = services.item_create(
            by=people["office"],
            source="annual",
            title="每周调度",
            deadline=dt.date(2026, 4, 30),
            lead_unit_id=units["TA"].pk,
            co_unit_ids=[units["TB"].pk],
            feedback_rule="weekly",
            issue=True,
        )
    # First weekly due date: 9 March. On 6 March (Friday) it is one working day away.
    with clock.frozen(dt.date(2026, 3, 6)):
        services.feedback_submit(by=people["contact_a"], item_id=item.pk, text="推进中", percent=20)
        assert reminders.nightly() == 1  # only 乙县, who has not answered
    [row] = Reminder.objects.filter(item=item)
    assert (row.assignment.unit_id, row.what, row.due_on) == (
        units["TB"].pk,
        "feedback",
        dt.date(2026, 3, 9),
    )


def test_the_offices_manual_reminder_is_sent_once_a_day(people, units):
    with clock.frozen(dt.date(2026, 3, 2)):
        item = services.item_create(
            by=people["office"],
            source="annual",
            title="催办测试",
            deadline=dt.date(2026, 4, 30),
            lead_unit_id=units["TA"].pk,
            issue=True,
        )
        lead = item.assignments.get()
        reminders.remind(by=people["office"], assignment_id=lead.pk, note="请加快进度")
        with pytest.raises(DomainError) as err:
            reminders.remind(by=people["office"], assignment_id=lead.pk)
        assert "今天已催办过“甲县”" in str(err.value.message)
        with pytest.raises(PermissionDenied):
            reminders.remind(by=people["contact_a"], assignment_id=lead.pk)
    with clock.frozen(dt.date(2026, 3, 3)):
        reminders.remind(by=people["office"], assignment_id=lead.pk)
    assert Reminder.objects.filter(kind=ReminderKind.MANUAL).count() == 2
    assert Notice.objects.filter(kind=reminders.KIND).count() == 2
