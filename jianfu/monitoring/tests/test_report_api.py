"""The reporter's API: points and periods, the form, and submissions — idempotent on the device's
key, per-question errors, 404 for a point that is not the reporter's, 409 for a closed or future
period — with the session and the CSRF token the browser page sends."""

import datetime as dt
import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from jianfu.core import clock
from jianfu.core.models import RoleGrant, Unit, User
from jianfu.monitoring.models import Report, ReportVersion, SamplePoint
from jianfu.monitoring.tests.test_submit import answers

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 4, 3)
URL = "/api/monitoring/reports"


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def point(db):
    return SamplePoint.objects.get(unit__code="TA0101")


@pytest.fixture
def other_point(db):
    """乙一镇, a sample point of county B with a reporter of its own."""
    unit = Unit.objects.get(code="TB01")
    user = User.objects.create(username="reporter_b", home_unit=unit)
    RoleGrant.objects.create(user=user, role="reporter")
    p = SamplePoint.objects.create(
        unit=unit, county=Unit.objects.get(code="TB"), kind="township", since=dt.date(2023, 1, 1)
    )
    p.reporters.set([user])
    return p


def submit(client, point_id, period="2025-03", key=None, note="", **overrides):
    return client.post(
        URL,
        {
            "point": point_id,
            "period": period,
            "client_key": key or str(uuid.uuid4()),
            "values": answers(**overrides),
            "note": note,
        },
        content_type="application/json",
    )


def test_the_urls_are_named():
    assert reverse("api:report_submit") == URL
    assert reverse("api:report_my_points") == "/api/monitoring/my/points"


def test_my_points_lists_the_periods_with_state_and_due_date(login, point):
    client = login("reporter")
    submit(client, point.pk, "2025-02")
    body = client.get("/api/monitoring/my/points").json()
    assert [p["unit_code"] for p in body] == ["TA0101"]
    periods = {p["period"]: p for p in body[0]["periods"]}
    assert list(periods) == ["2025-03", "2025-02", "2025-01"]
    assert periods["2025-03"]["status"] == "due" and periods["2025-03"]["due_date"] == "2025-04-05"
    assert periods["2025-02"]["status"] == "submitted" and periods["2025-02"]["report"]["late"]
    assert periods["2025-01"]["status"] == "closed" and not periods["2025-01"]["can_fill"]


def test_my_points_is_for_reporters(login):
    assert login("office").get("/api/monitoring/my/points").status_code == 403


def test_the_form_has_its_questions_and_no_other_periods_numbers(login, point):
    client = login("reporter")
    submit(client, point.pk, "2025-02", docs_total=41)
    body = client.get(f"/api/monitoring/points/{point.pk}/periods/2025-03/form").json()
    assert body["point_name"] == "甲一村" and body["reporter"] == "reporter"
    assert body["report"] is None  # February's 41 is not offered for March
    questions = [q for s in body["sections"] for q in s["questions"]]
    assert len(questions) == 21
    docs_city = next(q for q in questions if q["key"] == "docs_city")
    assert docs_city["part_of"] == "docs_total" and docs_city["required"]
    own = client.get(f"/api/monitoring/points/{point.pk}/periods/2025-02/form").json()
    assert own["report"]["values"]["docs_total"] == 41 and own["report"]["version"] == 1


def test_the_form_of_a_closed_period_is_refused(login, point):
    response = login("reporter").get(f"/api/monitoring/points/{point.pk}/periods/2025-01/form")
    assert response.status_code == 409 and "已关闭" in response.json()["detail"]


def test_a_submission_is_created_once_and_a_retry_gets_the_same_version(login, point):
    client = login("reporter")
    key = str(uuid.uuid4())
    first = submit(client, point.pk, key=key)
    assert first.status_code == 201
    body = first.json()
    assert body["created"] and body["version"] == 1 and not body["late"]
    assert body["done_url"] == reverse("report_done", args=[point.pk, "2025-03"])
    again = submit(client, point.pk, key=key)
    assert again.status_code == 200
    assert not again.json()["created"] and again.json()["version"] == 1
    assert again.json()["report"] == body["report"]
    assert Report.objects.count() == 1 and ReportVersion.objects.count() == 1


def test_a_correction_is_a_new_version(login, point):
    client = login("reporter")
    submit(client, point.pk, docs_total=30)
    response = submit(client, point.pk, docs_total=32, note="补报一份")
    assert response.status_code == 201 and response.json()["version"] == 2
    assert list(ReportVersion.objects.order_by("version").values_list("note", flat=True)) == [
        "",
        "补报一份",
    ]


def test_bad_answers_come_back_per_question(login, point):
    response = submit(
        login("reporter"),
        point.pk,
        docs_total="abc",
        meetings_total=-2,
        burden_score=9,
        app_checkins="",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"docs_total", "meetings_total", "burden_score", "app_checkins"}
    assert body["errors"]["meetings_total"] == "不能为负数。"
    assert not Report.objects.exists()


def test_a_point_that_is_not_theirs_is_404(login, point, other_point):
    client = login("reporter")
    assert submit(client, other_point.pk).status_code == 404
    assert submit(client, 999999).status_code == 404
    form = f"/api/monitoring/points/{other_point.pk}/periods/2025-03/form"
    assert client.get(form).status_code == 404
    # A reporter of another point inside county B's scope: still not theirs.
    assert submit(login("contact_b"), point.pk).status_code == 404
    assert not Report.objects.exists()


def test_the_office_cannot_submit_for_a_point(login, point):
    response = submit(login("office"), point.pk)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


@pytest.mark.parametrize(
    ("period", "status", "code"),
    [("2025-01", 409, "closed"), ("2025-06", 409, "future"), ("2025-13", 400, "bad_period")],
)
def test_closed_future_and_made_up_periods_are_refused_in_chinese(
    login, point, period, status, code
):
    response = submit(login("reporter"), point.pk, period)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert re.search(r"[\u4e00-\u9fff]", response.json()["detail"])


def test_a_late_submission_is_marked(login, point):
    with clock.frozen(dt.date(2025, 4, 20)):
        response = submit(login("reporter"), point.pk)
    assert response.status_code == 201 and response.json()["late"]


def test_a_key_used_for_another_period_is_refused(login, point):
    client = login("reporter")
    key = str(uuid.uuid4())
    submit(client, point.pk, "2025-03", key=key)
    response = submit(client, point.pk, "2025-02", key=key)
    assert response.status_code == 409 and response.json()["code"] == "key_reused"


def test_the_browser_page_submits_with_its_session_and_csrf_token(people, point):
    """What report.js does: the token from the page's meta tag in X-CSRFToken."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["reporter"])
    payload = {
        "point": point.pk,
        "period": "2025-03",
        "client_key": str(uuid.uuid4()),
        "values": answers(),
    }
    refused = browser.post(URL, payload, content_type="application/json")
    assert refused.status_code == 403 and not Report.objects.exists()
    page = browser.get(reverse("report_fill", args=[point.pk, "2025-03"])).content.decode()
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)
    response = browser.post(URL, payload, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


def test_without_a_session_the_api_answers_401(client, point):
    assert submit(client, point.pk).status_code == 401


def test_two_first_reports_at_once_keep_both_as_versions(login, point, monkeypatch):
    """Two devices send the period's first report at the same moment with different keys: the
    later one meets the first in the database and is stored as its correction, not lost."""
    from jianfu.monitoring.reports import services

    client = login("reporter")
    assert submit(client, point.pk, docs_total=30).status_code == 201
    first_look = services._first_look

    def not_yet_seen(*args):
        found, stored, listed, closed, _reported = first_look(*args)
        return found, stored, listed, closed, False  # as if read before the other one committed

    monkeypatch.setattr(services, "_first_look", not_yet_seen)
    response = submit(client, point.pk, docs_total=31)
    assert response.status_code == 201 and response.json()["version"] == 2
    assert Report.objects.get().values["docs_total"] == 31
    assert ReportVersion.objects.count() == 2
