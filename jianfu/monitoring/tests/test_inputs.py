"""What reporters and the office type into monitoring: text answers and notes without control
characters, numbers that are numbers ("NaN" is not), sample-point dates within the plausible
range — each a clear answer, never a 5xx."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.monitoring.models import Report, SamplePoint
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


def submit(client, point_id, *, note="", key=None, period="2025-03", **overrides):
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


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-inf"])
def test_a_number_that_is_not_one_is_refused_per_question(login, point, value):
    response = submit(login("reporter"), point.pk, docs_total=value)
    assert response.status_code == 400
    assert "docs_total" in response.json()["errors"]
    assert not Report.objects.exists()


@pytest.mark.parametrize("char,code", [("\x07", "U+0007"), ("\x00", "U+0000")])
def test_a_text_answer_with_a_control_character_is_refused_naming_the_question(
    login, point, char, code
):
    response = submit(login("reporter"), point.pk, problems=f"会议{char}太多")
    assert response.status_code == 400
    message = response.json()["errors"]["problems"]
    assert message == f"“突出问题（可不填）”中含有不可见的控制字符（{code}），请删除后重试。"
    assert not Report.objects.exists()


def test_a_text_answer_keeps_its_line_breaks(login, point):
    response = submit(login("reporter"), point.pk, problems="一、会议多\n二、材料多")
    assert response.status_code in (200, 201), response.content
    assert Report.objects.get().values["problems"] == "一、会议多\n二、材料多"


@pytest.mark.parametrize(
    "field,value",
    [("note", "更正\x00"), ("client_key", "key-\x00-12345"), ("period", "2025-0\x00")],
)
def test_a_nul_byte_in_the_note_key_or_period_is_a_4xx(login, point, field, value):
    kwargs = {field if field != "client_key" else "key": value}
    response = submit(login("reporter"), point.pk, **kwargs)
    assert 400 <= response.status_code < 500
    assert not Report.objects.exists()


def test_the_page_refuses_a_nul_byte_in_the_note(login, point):
    url = reverse("report_fill", args=[point.pk, "2025-03"])
    data = {k: str(v) for k, v in answers().items()} | {
        "client_key": str(uuid.uuid4()),
        "note": "更正\x00",
    }
    response = login("reporter").post(url, data)
    assert 400 <= response.status_code < 500
    assert "U+0000" in response.content.decode()
    assert not Report.objects.exists()


def test_a_point_cannot_start_at_an_implausible_date(login, units):
    from jianfu.core.models import RoleGrant, User

    user = User.objects.create(username="r-ta01", home_unit=units["TA01"])
    RoleGrant.objects.create(user=user, role="reporter")
    response = login("office").post(
        reverse("point_create"),
        {"unit": units["TA01"].pk, "since": "9999-12-31", "reporters": [user.pk], "note": ""},
    )
    assert response.status_code == 400
    assert "“设立日期”9999-12-31 超出合理范围（2015-01-01 至 2026-12-31），请核对。" in (
        response.content.decode()
    )
    assert not SamplePoint.objects.filter(unit=units["TA01"]).exists()


def test_a_point_cannot_close_at_an_implausible_date(login, point):
    response = login("office").post(
        reverse("point_close", args=[point.pk]), {"until": "9999-01-01"}
    )
    assert response.status_code == 400
    point.refresh_from_db()
    assert point.until is None


def test_the_note_on_the_point_form_refuses_a_control_character(login, point):
    response = login("office").post(
        reverse("point_edit", args=[point.pk]), {"since": "2023-01-01", "note": "换\x07人"}
    )
    assert response.status_code == 400
    assert "“备注”中含有不可见的控制字符（U+0007），请删除后重试。" in response.content.decode()
