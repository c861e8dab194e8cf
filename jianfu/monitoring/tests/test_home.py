"""Home pages and reminders: a reporter finds the reminders addressed to them at the top of their
home with the report to fill as the one big button, and one tap (opening the report, or
dismissing) marks them read; the office sees which reminders were seen; the office's count of
missing reports leads to exactly those points; a leader sees the reporting rate."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.core.models import RoleGrant, Unit, User
from jianfu.monitoring.models import Reminder, SamplePoint
from jianfu.monitoring.points import services
from jianfu.monitoring.tests.test_reminders import points, submit  # noqa: F401

TODAY = dt.date(2025, 4, 3)  # March's report is due on 5 April; reminders from the 3rd


@pytest.fixture
def reminded(points):  # noqa: F811
    services.reminders_due(TODAY)
    return points


def home(client) -> str:
    with clock.frozen(TODAY):
        return client.get(reverse("home")).content.decode()


def test_the_reporter_sees_the_reminder_and_the_report_to_fill(reminded, login):
    page = home(login("reporter"))
    assert "您有 1 条填报提醒" in page
    assert "2025年3月的填报尚未提交" in page
    assert "截止 2025-04-05" in page
    # The reminders come before anything else on the page.
    assert page.index("填报提醒") < page.index("所在单位")
    # The big button opens March's form through the "read" endpoint: one tap does both.
    fill = reverse("report_fill", args=[reminded[0].pk, "2025-03"])
    button = re.search(
        r'<form method="post" action="/monitoring/reminders/read/" class="mb-2">(.*?)</form>',
        page,
        re.S,
    )
    assert button and f'name="next" value="{fill}"' in button.group(1)
    assert "填报2025年3月" in button.group(1)


def test_opening_the_report_marks_the_reminder_read_in_one_tap(reminded, login):
    reminder = Reminder.objects.get()
    fill = reverse("report_fill", args=[reminded[0].pk, "2025-03"])
    client = login("reporter")
    with clock.frozen(TODAY):
        response = client.post(reverse("reminder_read"), {"id": [reminder.pk], "next": fill})
    assert response.status_code == 302 and response["Location"] == fill
    reminder.refresh_from_db()
    assert reminder.read_at is not None
    page = home(client)
    assert "填报提醒" not in page
    assert "填报2025年3月" in page  # the report itself is still to do


def test_dismissing_a_reminder_marks_it_read_without_leaving_the_page(reminded, login):
    reminder = Reminder.objects.get()
    with clock.frozen(TODAY):
        response = login("reporter").post(
            reverse("reminder_read"), {"id": [reminder.pk]}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200 and response.content == b""
    reminder.refresh_from_db()
    assert reminder.read_at is not None


def test_a_reporter_without_reminders_sees_the_report_without_them(points, login):  # noqa: F811
    page = home(login("reporter"))
    assert "填报提醒" not in page and "填报2025年3月" in page


def test_the_office_sees_whether_each_reminder_was_seen(reminded, login):
    url = reverse("completeness") + "?missing=2025-03"
    with clock.frozen(TODAY):
        page = login("office").get(url).content.decode()
    assert "甲一村" in page and "未读" in page and "已提醒" in page
    reminder = Reminder.objects.get()
    services.reminders_read(by=User.objects.get(username="reporter"), ids=[reminder.pk])
    reminder.refresh_from_db()
    seen_at = reminder.read_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    with clock.frozen(TODAY):
        page = login("office").get(url).content.decode()
    assert f"{seen_at:%m-%d %H:%M} 已读" in page and "未读" not in page
    with clock.frozen(TODAY):
        detail = login("office").get(reverse("point_detail", args=[reminded[0].pk]))
    assert "已读" in detail.content.decode()


def test_the_office_count_of_missing_reports_leads_to_exactly_those_points(points, login):  # noqa: F811
    # March: 甲一村 is missing; 甲一镇 reported; 乙一镇 left monitoring in February.
    with clock.frozen(TODAY):
        page = home(login("office"))
    cards = {
        re.sub(r"<[^>]+>|\s+", "", m.group(2)): m.group(1)
        for m in re.finditer(r'<a class="card jf-todo[^"]*" href="([^"]+)">(.*?)</a>', page, re.S)
    }
    ((text, url),) = [(t, u) for t, u in cards.items() if "本期未报的样本点" in t]
    assert text.startswith("1本期未报的样本点") and "2025-03截止2025-04-05" in text
    assert url == reverse("completeness") + "?missing=2025-03#missing"
    with clock.frozen(TODAY):
        listed = login("office").get(url.split("#")[0]).content.decode()
    missing = listed[listed.index('id="missing"') :]
    assert "甲一村" in missing and "甲一镇" not in missing and "乙一镇" not in missing


def test_a_county_office_counts_only_its_own_points(points, login):  # noqa: F811
    office_b = User.objects.create(username="office-b", home_unit=Unit.objects.get(code="TB"))
    RoleGrant.objects.create(user=office_b, role="office")
    page = home(login("office-b"))
    assert "本期未报的样本点" not in page  # none missing in county B
    assert "没有待办事项" in page


def test_the_leader_sees_the_reporting_rate(points, login):  # noqa: F811
    # February, the last period past its due day on 3 April: 甲一村, 甲一镇 and 乙一镇 reported.
    page = home(login("leader"))
    glance = page[page.index("样本点报送率") :]
    assert "100%" in glance[:400] and "2025-02 完整率" in glance


def test_the_reporter_home_takes_a_bounded_number_of_queries(
    reminded, login, django_assert_max_num_queries
):
    client = login("reporter")
    home(client)
    with django_assert_max_num_queries(20):
        home(client)
    # More reminders (three more periods) cost no more queries.
    point = reminded[0]
    for period in ("2024-12", "2025-01", "2024-11"):
        services.reminders_send(by=None, form_code="burden", period=period, kind="manual")
    assert Reminder.objects.filter(point=point).count() >= 2
    with django_assert_max_num_queries(20):
        home(client)


def test_a_point_without_the_reporter_shows_no_panel(points, login):  # noqa: F811
    SamplePoint.objects.get(unit__code="TA0101").reporters.clear()
    page = home(login("reporter"))
    assert "填报提醒" not in page and "填报2025年3月" not in page
