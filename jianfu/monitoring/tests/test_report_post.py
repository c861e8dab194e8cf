"""The phone page's submission (POST /api/monitoring/submit, a plain view beside the API) answers
exactly as POST /api/monitoring/reports: the API's submission tests run here again against it
(their `submit` posts to test_report_api.URL, pointed at this endpoint for this module), and
the page posts there."""

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from jianfu.monitoring.models import Report
from jianfu.monitoring.tests import test_report_api
from jianfu.monitoring.tests.test_report_api import (  # noqa: F401  (collected again here)
    other_point,
    point,
    test_a_correction_is_a_new_version,
    test_a_key_used_for_another_period_is_refused,
    test_a_late_submission_is_marked,
    test_a_point_that_is_not_theirs_is_404,
    test_a_submission_is_created_once_and_a_retry_gets_the_same_version,
    test_bad_answers_come_back_per_question,
    test_closed_future_and_made_up_periods_are_refused_in_chinese,
    test_the_browser_page_submits_with_its_session_and_csrf_token,
    test_the_office_cannot_submit_for_a_point,
    test_two_first_reports_at_once_keep_both_as_versions,
    test_without_a_session_the_api_answers_401,
)
from jianfu.monitoring.tests.test_submit import answers

pytestmark = pytest.mark.django_db

URL = "/api/monitoring/submit"


@pytest.fixture(autouse=True)
def _today():
    from jianfu.core import clock

    with clock.frozen(test_report_api.TODAY):
        yield


@pytest.fixture(autouse=True)
def _post_here(monkeypatch):
    monkeypatch.setattr(test_report_api, "URL", URL)


def test_the_phone_page_posts_here(login, point):  # noqa: F811
    assert reverse("report_post") == URL
    page = login("reporter").get(reverse("report_fill", args=[point.pk, "2025-03"]))
    assert f'data-api="{URL}"' in page.content.decode()


def test_a_body_of_the_wrong_shape_is_422_and_stores_nothing(login, point):  # noqa: F811
    client = login("reporter")
    good = {"point": point.pk, "period": "2025-03", "client_key": str(uuid.uuid4())}
    for body, field in [
        ({**good, "values": answers(), "point": "x"}, "point"),
        ({**good, "values": answers(), "client_key": "short"}, "client_key"),
        ({**good, "values": [1]}, "values"),
        (good, "values"),
        ({**good, "values": answers(), "note": "长" * 201}, "note"),
    ]:
        response = client.post(URL, body, content_type="application/json")
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field
    assert client.post(URL, "{", content_type="application/json").json()["code"] == "bad_body"
    assert client.post(URL, {"point": point.pk}).status_code == 415  # a form body
    assert client.get(URL).status_code == 405
    assert not Report.objects.exists()


def test_without_the_csrf_token_the_answer_says_so(people, point):  # noqa: F811
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["reporter"])
    payload = {"point": point.pk, "period": "2025-03", "client_key": str(uuid.uuid4())}
    refused = browser.post(URL, {**payload, "values": answers()}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    assert re.search(r"[\u4e00-\u9fff]", refused.json()["detail"])
    assert not Report.objects.exists()
