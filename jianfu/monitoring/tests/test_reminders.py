"""Reminders: the daily job reminds only the points missing their report, once per point, period
and kind; the office's manual reminder; the reporter's unread reminders and marking them read."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from jianfu.core import clock, scheduler
from jianfu.core.models import AuditEntry, RoleGrant, Unit, User
from jianfu.core.services import setting_update
from jianfu.monitoring.models import Reminder, SamplePoint
from jianfu.monitoring.points import queries, services, tasks
from jianfu.monitoring.reports import services as report_services
from jianfu.monitoring.tests.test_submit import answers

DUE = dt.date(2025, 4, 5)  # March's report


@pytest.fixture
def points(db):
    """P1 (甲一村, `reporter`) misses March; P2 (甲一镇) reported it; P3 (乙一镇) left
    monitoring at the end of February, having reported February."""
    units = {u.code: u for u in Unit.objects.all()}
    p1 = SamplePoint.objects.get(unit__code="TA0101")
    r2 = User.objects.create(username="r-ta01", home_unit=units["TA01"])
    RoleGrant.objects.create(user=r2, role="reporter")
    p2 = SamplePoint.objects.create(
        unit=units["TA01"], county=units["TA"], kind="township", since=dt.date(2024, 1, 1)
    )
    p2.reporters.set([r2])
    p3 = SamplePoint.objects.create(
        unit=units["TB01"],
        county=units["TB"],
        kind="township",
        since=dt.date(2024, 1, 1),
        until=dt.date(2025, 2, 28),
    )
    r3 = User.objects.create(username="r-tb01", home_unit=units["TB01"])
    RoleGrant.objects.create(user=r3, role="reporter")
    p3.reporters.set([r3])
    for period in ("2025-02", "2025-03"):
        submit(p2, r2, period, dt.date(2025, 4, 2))
    submit(p3, r3, "2025-02", dt.date(2025, 3, 2))
    submit(p1, p1.reporters.get(), "2025-02", dt.date(2025, 3, 4))
    return p1, p2, p3


def submit(point, reporter, period, day):
    with clock.frozen(day):
        report_services.report_submit(
            by=reporter,
            point=point,
            period=period,
            values=answers(),
            client_key=str(uuid.uuid4()),
        )


def reminders():
    return sorted(Reminder.objects.values_list("point__unit__code", "period", "kind"))


def test_nothing_before_the_reminder_window(points):
    done = services.reminders_due(dt.date(2025, 4, 2))
    assert [d["period"] for d in done] == ["2025-02"]  # February is overdue, nobody missing
    assert reminders() == []


def test_a_point_without_reporters_is_not_reminded(points):
    p3 = points[2]
    p3.reports.all().delete()
    p3.reporters.clear()
    services.reminders_due(dt.date(2025, 4, 6))
    assert reminders() == [("TA0101", "2025-03", "overdue")]
    p3.reporters.set([User.objects.get(username="r-tb01")])
    services.reminders_due(dt.date(2025, 4, 7))
    assert reminders() == [("TA0101", "2025-03", "overdue"), ("TB01", "2025-02", "overdue")]


def test_before_due_then_overdue_once_each_and_only_for_missing_points(points):
    done = services.reminders_due(dt.date(2025, 4, 3))  # due 5 April, 2 days before
    assert reminders() == [("TA0101", "2025-03", "before_due")]
    assert [d["created"] for d in done if d["period"] == "2025-03"] == [1]
    # The next days do not nag again.
    services.reminders_due(dt.date(2025, 4, 4))
    services.reminders_due(DUE)
    assert reminders() == [("TA0101", "2025-03", "before_due")]
    services.reminders_due(dt.date(2025, 4, 6))
    services.reminders_due(dt.date(2025, 4, 7))
    assert reminders() == [
        ("TA0101", "2025-03", "before_due"),
        ("TA0101", "2025-03", "overdue"),
    ]
    entries = AuditEntry.objects.filter(code="jianfu.monitoring.reminder.sent")
    assert entries.count() == 2 and entries.first().actor_name == "system"


def test_a_report_stops_the_reminders(points):
    p1 = points[0]
    submit(p1, p1.reporters.get(), "2025-03", dt.date(2025, 4, 3))
    services.reminders_due(dt.date(2025, 4, 3))
    services.reminders_due(dt.date(2025, 4, 8))
    assert reminders() == []


def test_a_closed_period_is_not_reminded(points, people):
    report_services.period_close(by=people["office"], form_code="burden", period="2025-03")
    services.reminders_due(dt.date(2025, 4, 8))
    assert reminders() == []


def test_the_days_before_due_is_a_runtime_setting(points, people):
    setting_update(by=people["office"], key=queries.REMINDER_DAYS, value="0")
    services.reminders_due(dt.date(2025, 4, 4))
    assert reminders() == []
    services.reminders_due(DUE)
    assert reminders() == [("TA0101", "2025-03", "before_due")]


def test_the_daily_job_is_scheduled():
    job = next(j for j in scheduler.JOBS if j.name == tasks.DAILY_JOB)
    assert job.task is tasks.daily_reminders


def test_the_office_sends_reminders_now(points, login, django_capture_on_commit_callbacks):
    client = login("office")
    with clock.frozen(dt.date(2025, 4, 10)), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("completeness_remind"), {"form": "burden", "period": "2025-03"}
        )
    assert response.status_code == 302
    assert reminders() == [("TA0101", "2025-03", "manual")]
    reminder = Reminder.objects.get()
    services.reminders_read(by=points[0].reporters.get(), ids=[reminder.pk])
    # Sent again, the manual reminder comes back unread (still one row).
    with clock.frozen(dt.date(2025, 4, 12)), django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("completeness_remind"),
            {"form": "burden", "period": "2025-03", "point": points[0].pk},
        )
    reminder.refresh_from_db()
    assert reminder.read_at is None and reminder.sent_at.date() == dt.date(2025, 4, 12)
    assert Reminder.objects.count() == 1


def test_a_county_office_reminds_only_its_own_points(points):
    county_office = User.objects.create(username="office-b", home_unit=Unit.objects.get(code="TB"))
    RoleGrant.objects.create(user=county_office, role="office")
    with clock.frozen(dt.date(2025, 4, 10)):
        sent = services.reminders_send(by=county_office, form_code="burden", period="2025-03")
    assert sent == {"created": 0, "renewed": 0}  # 甲一村 is county A's


def test_the_reporter_sees_unread_reminders_and_marks_them_read(points, login):
    p1 = points[0]
    reporter = p1.reporters.get()
    services.reminders_due(dt.date(2025, 4, 3))
    services.reminders_due(dt.date(2025, 4, 6))
    items = queries.reminders_for(reporter, today=dt.date(2025, 4, 6))
    assert len(items) == 1  # one per point and period: the newest
    item = items[0]
    assert (item.point_name, item.period, item.kind, item.due, item.overdue) == (
        "甲一村",
        "2025-03",
        "overdue",
        DUE,
        True,
    )
    assert len(item.ids) == 2
    assert queries.reminders_for(User.objects.get(username="r-ta01")) == []
    # Someone else cannot mark them read.
    login("contact_a").post(reverse("reminder_read"), {"id": list(item.ids)})
    assert Reminder.objects.filter(read_at__isnull=True).count() == 2
    response = login("reporter").post(
        reverse("reminder_read"), {"id": list(item.ids), "next": "/report/"}
    )
    assert response.status_code == 302 and response["Location"] == "/report/"
    assert queries.reminders_for(reporter, today=dt.date(2025, 4, 6)) == []
    htmx = login("reporter").post(reverse("reminder_read"), {"all": "1"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and htmx.content == b""


def test_reminders_for_a_reported_period_are_not_shown(points):
    p1 = points[0]
    services.reminders_due(dt.date(2025, 4, 3))
    submit(p1, p1.reporters.get(), "2025-03", dt.date(2025, 4, 4))
    assert queries.reminders_for(p1.reporters.get(), today=dt.date(2025, 4, 4)) == []


def test_reminders_for_takes_two_queries(points, django_assert_max_num_queries):
    services.reminders_due(dt.date(2025, 4, 3))
    reporter = User.objects.get(username="reporter")
    with django_assert_max_num_queries(2):
        assert len(queries.reminders_for(reporter, today=dt.date(2025, 4, 3))) == 1


def test_reporters_cannot_send_reminders(points, login):
    assert (
        login("reporter").post(reverse("completeness_remind"), {"period": "2025-03"}).status_code
        == 403
    )
