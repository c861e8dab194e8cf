"""The reporter's pages: the periods to fill, the form (who and when only, never last period's
numbers), submitting without JavaScript, bad answers shown per question with what was typed kept,
late, closed and future periods, corrections with every version kept, and the home page's card."""

import datetime as dt
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from jianfu.core import clock
from jianfu.core.models import RoleGrant, Unit, User
from jianfu.monitoring.models import Report, ReportVersion, SamplePoint
from jianfu.monitoring.reports import services
from jianfu.monitoring.tests.test_submit import answers

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 4, 3)  # March is due on 5 April; February is late; January is closed


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def point(db):
    return SamplePoint.objects.get(unit__code="TA0101")


def fill_url(point, period="2025-03"):
    return reverse("report_fill", args=[point.pk, period])


def post(client, point, period="2025-03", key=None, **overrides):
    data = {k: "" if v is None else v for k, v in answers(**overrides).items()}
    data["client_key"] = key or str(uuid.uuid4())
    return client.post(fill_url(point, period), data)


def field_values(html: str) -> dict[str, str]:
    """The value each text box and number box of the form shows (radios: the checked one)."""
    values: dict[str, str] = {}
    for match in re.finditer(r"<input\b[^>]*>", html, re.S):
        tag = match.group(0)
        name = re.search(r'\bname="(\w+)"', tag)
        if not name or name.group(1) in ("csrfmiddlewaretoken", "client_key", "language", "next"):
            continue
        value = re.search(r'\bvalue="([^"]*)"', tag)
        if 'type="radio"' in tag:
            if " checked" in tag:
                values[name.group(1)] = value.group(1)
            else:
                values.setdefault(name.group(1), "")
        else:
            values[name.group(1)] = value.group(1) if value else ""
    for match in re.finditer(r'<textarea\b[^>]*\bname="(\w+)"[^>]*>(.*?)</textarea>', html, re.S):
        values[match.group(1)] = match.group(2)
    return values


@pytest.fixture
def other_point(db):
    """乙一镇, a sample point of county B with a reporter of its own."""
    unit = Unit.objects.get(code="TB01")
    user = User.objects.create(username="reporter_b", full_name="乙填报员", home_unit=unit)
    RoleGrant.objects.create(user=user, role="reporter")
    p = SamplePoint.objects.create(
        unit=unit, county=Unit.objects.get(code="TB"), kind="township", since=dt.date(2023, 1, 1)
    )
    p.reporters.set([user])
    return p


# --- The list of periods and the home page -------------------------------------------------------


def test_reporter_sees_the_periods_to_fill_with_their_state(login, point):
    html = login("reporter").get(reverse("report_home")).content.decode()
    assert "甲一村" in html
    for label, state in [
        ("2025年3月", "待填报"),
        ("2025年2月", "逾期可补报"),
        ("2025年1月", "已关闭"),
    ]:
        assert re.search(label + r".*?" + state, html, re.S), (label, state)
    assert "2025年4月" not in html  # April opens in its last week
    # The one big button goes to March: due on 5 April, before February closes.
    big = re.search(r'class="btn btn-primary btn-lg w-100 jf-big-button mb-3" href="([^"]+)"', html)
    assert big and big.group(1) == fill_url(point)


def test_a_submitted_period_reads_submitted_and_can_be_corrected(login, point):
    client = login("reporter")
    post(client, point)
    html = client.get(reverse("report_home")).content.decode()
    assert re.search(r"2025年3月.*?已提交（可更正）", html, re.S)
    assert "更正" in html
    # The big button now goes to the late February report.
    assert f'jf-big-button mb-3" href="{fill_url(point, "2025-02")}"' in html


def test_home_page_leads_the_reporter_to_the_report_in_one_tap(login, point):
    html = login("reporter").get(reverse("home")).content.decode()
    assert "jf-report-card" in html
    assert f'href="{fill_url(point)}"' in html
    assert "jf-report-card" not in login("office").get(reverse("home")).content.decode()


def test_report_home_is_for_reporters_only(login):
    assert login("office").get(reverse("report_home")).status_code == 403


# --- Who may open the form -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status"),
    [("reporter", 200), ("office", 403), ("contact_a", 403), ("leader", 403), ("contact_b", 404)],
)
def test_only_the_points_reporter_opens_its_form(login, point, username, status):
    """The office and county A see the point (403: no reporter's permission); county B does not
    (404: it does not exist for them)."""
    assert login(username).get(fill_url(point)).status_code == status


def test_another_reporters_point_does_not_exist_for_a_reporter(login, other_point):
    client = login("reporter")
    assert client.get(fill_url(other_point)).status_code == 404
    assert post(client, other_point).status_code == 404
    history = reverse("report_history", args=[other_point.pk, "2025-03"])
    assert client.get(history).status_code == 404
    assert not Report.objects.exists()


def test_a_missing_point_is_404(login):
    missing = reverse("report_fill", args=[999999, "2025-03"])
    assert login("reporter").get(missing).status_code == 404


# --- The form -----------------------------------------------------------------------------------


def test_the_form_fills_in_who_and_when_and_nothing_else(login, point):
    client = login("reporter")
    html = client.get(fill_url(point)).content.decode()
    assert "甲一村" in html and "2025年3月" in html and "reporter" in html
    assert "2025-04-05" in html  # the due date
    values = field_values(html)
    keys = [q["key"] for q in services.form_for("burden", dt.date(2025, 3, 1)).questions]
    assert set(keys) <= set(values)
    assert all(values[k] == "" for k in keys)
    # Numeric keyboards on the phone; one section a screen; a submission key for the no-JS post.
    assert 'inputmode="numeric"' in html and 'inputmode="decimal"' in html
    assert html.count("data-step ") == 7
    assert re.search(r'name="client_key" value="[0-9a-f-]{36}"', html)
    assert "js/report.js" in html and "css/report.css" in html
    assert "不能大于上面填的总数" in html


def test_last_months_numbers_are_never_filled_in(login, point):
    """March submitted; in April's last week the April form opens empty."""
    client = login("reporter")
    march = post(client, point, docs_total=37, docs_city=7, problems="村里表格太多")
    assert march.status_code == 302
    with clock.frozen(dt.date(2025, 4, 25)):
        html = client.get(fill_url(point, "2025-04")).content.decode()
    assert "2025年4月" in html
    values = field_values(html)
    assert values and all(v == "" for v in values.values()), values
    assert "村里表格太多" not in html and 'value="37"' not in html


def test_submitting_the_page_without_javascript(login, point):
    client = login("reporter")
    key = str(uuid.uuid4())
    response = post(client, point, key=key)
    assert response.status_code == 302
    assert response["Location"] == reverse("report_done", args=[point.pk, "2025-03"])
    report = Report.objects.get(point=point, period="2025-03")
    assert report.version == 1 and not report.late
    assert report.versions.get().client_key == key
    html = client.get(response["Location"]).content.decode()
    assert "本期已提交，可在关闭前更正。" in html
    assert timezone.localtime(report.submitted_at).strftime("%Y-%m-%d %H:%M") in html
    assert fill_url(point) in html  # correct
    assert reverse("report_history", args=[point.pk, "2025-03"]) in html


def test_a_double_tap_posts_one_report(login, point):
    client = login("reporter")
    key = str(uuid.uuid4())
    first, second = post(client, point, key=key), post(client, point, key=key)
    assert first.status_code == second.status_code == 302
    assert Report.objects.count() == 1 and ReportVersion.objects.count() == 1


def test_bad_answers_are_shown_per_question_and_nothing_typed_is_lost(login, point):
    client = login("reporter")
    key = str(uuid.uuid4())
    response = post(
        client,
        point,
        key=key,
        meetings_total="三十",
        inspections_total=-1,
        burden_score=None,
        forms_filled="",
        problems="会太多",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert not Report.objects.exists()
    errors = {
        "meetings_total": "“三十”不是数字，请填写数字。",
        "inspections_total": "不能为负数。",
        "burden_score": "请填写（没有请填 0）。",
        "forms_filled": "请填写（没有请填 0）。",
    }
    for key_, message in errors.items():
        assert re.search(rf'id="err-{key_}"[^>]*>{re.escape(message)}</div>', html), key_
    values = field_values(html)
    assert values["meetings_total"] == "三十"
    assert values["inspections_total"] == "-1"
    assert values["docs_total"] == "30" and values["meetings_hours"] == "14.5"
    assert values["problems"] == "会太多"
    assert 'data-first-error="meetings"' in html  # the section with the first error opens
    assert f'name="client_key" value="{key}"' in html  # nothing stored: the same key is fine
    assert "有 4 处需要修改" in html


def test_a_part_greater_than_its_whole_is_named(login, point):
    response = post(login("reporter"), point, docs_total=10, docs_county=12)
    html = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'id="err-docs_county"[^>]*>不能大于“[^”]+”的 10。</div>', html)
    assert "不能大于上面填的 10" in html  # the hint follows what was typed above


def test_after_the_due_day_a_report_is_accepted_and_marked_late(login, point):
    client = login("reporter")
    with clock.frozen(dt.date(2025, 4, 20)):
        html = client.get(fill_url(point)).content.decode()
        assert "已过截止日，提交记为迟报" in html
        response = post(client, point)
        assert response.status_code == 302
        done = client.get(response["Location"]).content.decode()
    assert Report.objects.get().late
    assert "迟报" in done


def test_a_closed_period_says_so_and_stores_nothing(login, point):
    client = login("reporter")
    response = client.get(fill_url(point, "2025-01"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "周期“2025年1月”已关闭，不能再填报或更正。" in html
    assert 'id="jf-report-form"' not in html
    response = post(client, point, "2025-01", docs_total=44)
    assert response.status_code == 409
    assert "已关闭" in response.content.decode()
    assert field_values(response.content.decode())["docs_total"] == "44"  # kept
    assert not Report.objects.exists()


def test_a_period_not_yet_open_and_one_that_does_not_exist(login, point):
    client = login("reporter")
    future = client.get(fill_url(point, "2025-06"))
    assert future.status_code == 200 and "尚未开始填报" in future.content.decode()
    missing = client.get(fill_url(point, "2025-13"))
    assert missing.status_code == 404 and "不存在的填报周期" in missing.content.decode()
    before = client.get(fill_url(point, "2022-12"))  # before the point was set up
    assert before.status_code == 404 and "不在监测期内" in before.content.decode()


def test_a_correction_opens_with_the_submitted_answers_and_keeps_every_version(login, point):
    client = login("reporter")
    post(client, point, docs_total=30, meetings_hours=14.5)
    html = client.get(fill_url(point)).content.decode()
    values = field_values(html)
    assert values["docs_total"] == "30" and values["meetings_hours"] == "14.5"
    assert values["burden_score"] == "3"
    assert "第 1 版" in html and 'name="note"' in html
    response = client.post(
        fill_url(point),
        {
            **{k: "" if v is None else v for k, v in answers(docs_total=31).items()},
            "client_key": str(uuid.uuid4()),
            "note": "漏了一份通知",
        },
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.version == 2 and report.values["docs_total"] == 31
    assert list(report.versions.order_by("version").values_list("version", flat=True)) == [1, 2]
    history = client.get(reverse("report_history", args=[point.pk, "2025-03"])).content.decode()
    assert "第 2 版" in history and "第 1 版" in history and "首次提交" in history
    assert "漏了一份通知" in history
    assert re.search(r"<del[^>]*>30</del>.*?<strong>31</strong>", history, re.S)


def test_done_and_history_before_any_submission_lead_to_the_form(login, point):
    client = login("reporter")
    for name in ("report_done", "report_history"):
        response = client.get(reverse(name, args=[point.pk, "2025-03"]))
        assert response.status_code == 302 and response["Location"] == fill_url(point)


def test_a_closed_period_shows_what_was_submitted(login, point):
    client = login("reporter")
    post(client, point, docs_total=33)
    with clock.frozen(dt.date(2025, 6, 10)):
        html = client.get(fill_url(point)).content.decode()
    assert "已关闭" in html and 'id="jf-report-form"' not in html
    assert re.search(r"<dd>33</dd>", html)
