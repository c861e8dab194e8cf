"""What the registries take in and give out: text without control characters (forms, API,
imports), exports that survive one stored anyway, record dates within the plausible range, and
counts within their bounds — each a clear 4xx, never a 5xx, on SQLite and PostgreSQL."""

import datetime as dt
import io
import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from openpyxl import load_workbook

from jianfu.core import clock
from jianfu.core import services as core_services
from jianfu.core.tests.test_inputs import xlsx_with
from jianfu.registry import rollup
from jianfu.registry.models import MAX_PAGES, Category, Document, Meeting

TODAY = dt.date(2025, 6, 15)

DOC_POST = {
    "unit": "TA",
    "title": "关于开展防汛检查的通知",
    "number": "甲政办〔2025〕8号",
    "issued_on": "2025-04-01",
    "kind": "red_header",
    "pages": "3",
    "characters": "2100",
}
DOC_PUT = {
    "title": "关于开展汛前检查的通知",
    "number": "甲政办〔2025〕12号",
    "issued_on": "2025-04-01",
    "kind": "red_header",
    "pages": 2,
    "characters": 1500,
}


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def oa(people, units):
    _token, secret = core_services.token_issue(
        by=people["secadmin"],
        name="甲县OA",
        unit=units["TA"],
        scopes=["registry.record:view", "registry.record:edit"],
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def put(client, external_id, body, headers):
    return client.put(
        f"/api/registry/documents/by-external-id/{external_id}?unit=TA",
        body,
        content_type="application/json",
        **headers,
    )


def text_of(response) -> str:
    """The page's text as a person reads it: tags dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _upload(name: str, data: bytes):
    f = io.BytesIO(data)
    f.name = name
    return f


def stored_document(unit, **fields) -> Document:
    """A record written straight to the table, as one stored before the inputs were checked."""
    values = {
        "unit": unit,
        "title": "关于报送材料的通知",
        "issued_on": dt.date(2025, 3, 5),
        "kind": "white_header",
    } | fields
    return Document.objects.create(**values)


# --- Exports survive what is already stored ---------------------------------------------------


@pytest.mark.django_db
def test_document_export_survives_a_control_character_already_stored(login, units):
    stored_document(units["TA"], title="关于\x07报送材料的通知", number="甲\x1b1号")
    response = login("office").get(reverse("document_export"), {"year": ""})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert "关于\ufffd报送材料的通知" in values and "甲\ufffd1号" in values


@pytest.mark.django_db
def test_meeting_export_survives_a_control_character_already_stored(login, units):
    Meeting.objects.create(
        unit=units["TA"],
        title="全县\x07安全生产会议",
        held_on=dt.date(2025, 4, 2),
        level="county",
        form="in_person",
    )
    response = login("contact_a").get(reverse("meeting_export"), {"year": ""})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "全县\ufffd安全生产会议" in [c for row in sheet.iter_rows(values_only=True) for c in row]


# --- Text: forms, API, imports ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("char,code", [("\x07", "U+0007"), ("\x00", "U+0000")])
def test_form_refuses_a_control_character_naming_field_and_character(login, char, code):
    response = login("contact_a").post(
        reverse("document_create"), DOC_POST | {"title": f"关于{char}防汛的通知"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert f"“标题”中含有不可见的控制字符（{code}），请删除后重试。" in body
    assert 'value="甲政办〔2025〕8号"' in body  # the rest of the typing survives
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_form_textarea_keeps_line_breaks_and_tabs(login):
    response = login("contact_a").post(
        reverse("document_create"), DOC_POST | {"full_text": "第一段\r\n\t第二段"}
    )
    assert response.status_code == 302
    assert Document.objects.get().full_text == "第一段\r\n\t第二段"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field,value,code",
    [
        ("title", "关于\x07通知", "U+0007"),
        ("title", "关于\x00通知", "U+0000"),
        ("number", "甲\n1号", "U+000A"),
        ("full_text", "正文\x00", "U+0000"),
        ("co_issuers", ["TB\x00"], "U+0000"),
        ("title", "关于\ud800通知", None),  # pydantic refuses a lone surrogate itself
    ],
)
def test_api_refuses_control_characters_with_a_4xx(client, oa, field, value, code):
    response = put(client, "OA-1", DOC_PUT | {field: value}, oa)
    assert 400 <= response.status_code < 500, response.content
    assert code is None or code in response.content.decode()
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_api_full_text_keeps_line_breaks(client, oa):
    response = put(client, "OA-1", DOC_PUT | {"full_text": "一\n\t二"}, oa)
    assert response.status_code == 201
    assert Document.objects.get().full_text == "一\n\t二"


@pytest.mark.django_db
def test_api_filter_refuses_a_nul_byte(client, oa):
    response = client.get("/api/registry/documents?q=%00", **oa)
    assert 400 <= response.status_code < 500


@pytest.mark.django_db
@pytest.mark.parametrize("escape,code", [("_x0007_", "U+0007"), ("_x0000_", "U+0000")])
def test_import_refuses_a_control_character_naming_row_and_column(login, escape, code):
    data = xlsx_with(
        [
            ["标题", "发文日期", "文件类型", "文号"],
            ["关于防汛的通知", "2025-03-05", "红头文件", "甲1号"],
            ["关于BADHERE的通知", "2025-03-06", "红头文件", "甲2号"],
        ],
        {"BADHERE": escape},
    )
    response = login("contact_a").post(
        reverse("document_import"), {"file": _upload("x.xlsx", data)}
    )
    assert response.status_code == 400
    assert f" 3 标题 含有不可见的控制字符（{code}），请删除后重试。" in text_of(response)
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_import_refuses_a_control_character_in_a_csv(login):
    csv = "标题,发文日期,文件类型,文号\n关于\x07防汛的通知,2025-03-05,红头文件,甲1号\n"
    response = login("contact_a").post(
        reverse("document_import"), {"file": _upload("x.csv", csv.encode())}
    )
    assert response.status_code == 400
    assert "U+0007" in response.content.decode()
    assert not Document.objects.exists()


# --- Plausible dates ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_form_refuses_an_implausible_date_naming_value_and_range(login):
    response = login("contact_a").post(
        reverse("document_create"), DOC_POST | {"issued_on": "9999-12-31"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "“发文日期”9999-12-31 超出合理范围（2015-01-01 至 2026-12-31），请核对。" in body
    assert not Document.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["9999-12-31", "2001-05-01", "2027-01-01"])
def test_api_refuses_an_implausible_date(client, oa, day):
    response = put(client, "OA-1", DOC_PUT | {"issued_on": day}, oa)
    assert response.status_code == 400
    assert response.json()["field"] == "issued_on" and "超出合理范围" in response.json()["detail"]
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_meeting_and_inspection_dates_are_checked_too(client, oa):
    meeting = {"title": "会", "held_on": "2000-01-01", "level": "county", "form": "in_person"}
    response = client.put(
        "/api/registry/meetings/by-external-id/M-1?unit=TA",
        meeting,
        content_type="application/json",
        **oa,
    )
    assert response.status_code == 400 and response.json()["field"] == "held_on"
    inspection = {
        "title": "查",
        "kind": "check",
        "method": "on_site",
        "starts_on": "2025-05-01",
        "ends_on": "9999-01-01",
    }
    response = client.put(
        "/api/registry/inspections/by-external-id/I-1?unit=TA",
        inspection,
        content_type="application/json",
        **oa,
    )
    assert response.status_code == 400 and response.json()["field"] == "ends_on"


@pytest.mark.django_db
def test_import_refuses_a_date_outside_the_range(login):
    csv = "标题,发文日期,文件类型,文号\n关于防汛的通知,2001-05-01,红头文件,甲1号\n"
    response = login("contact_a").post(
        reverse("document_import"), {"file": _upload("x.csv", csv.encode())}
    )
    assert response.status_code == 400
    assert " 2 发文日期 日期“2001-05-01”超出合理范围（2015-01-01 至 2026-12-31）。" in text_of(
        response
    )
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_the_range_is_a_runtime_setting(client, oa, people):
    core_services.setting_update(by=people["office"], key="core.record_years_back", value="30")
    response = put(client, "OA-1", DOC_PUT | {"issued_on": "2001-05-01"}, oa)
    assert response.status_code == 201


@pytest.mark.django_db
def test_runtime_page_lists_the_range(login):
    body = login("office").get(reverse("setting_list")).content.decode()
    assert "记录日期最早可追溯的年数" in body and "记录日期最多可提前的年数" in body


@pytest.mark.django_db
def test_editing_an_old_record_keeps_its_date(login, units):
    old = stored_document(units["TA"], issued_on=dt.date(2003, 3, 5), number="甲老1号")
    data = DOC_POST | {"title": "改过的标题", "number": "甲老1号", "issued_on": "2003-03-05"}
    response = login("contact_a").post(reverse("document_edit", args=[old.pk]), data)
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.title == "改过的标题"


@pytest.mark.django_db
def test_year_filter_offers_only_plausible_years(login, units):
    stored_document(units["TA"], issued_on=dt.date(9999, 12, 31))
    stored_document(units["TA"], issued_on=dt.date(2023, 3, 5))
    rollup.refresh(Category.DOCUMENT, [units["TA"].pk], [9999, 2023])
    body = login("office").get(reverse("document_list")).content.decode()
    assert '<option value="2023"' in body
    assert '<option value="9999"' not in body


# --- Bounds on counts ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field,value", [("pages", 2**63), ("characters", 2**63), ("pages", 2**31), ("pages", 10_001)]
)
def test_form_refuses_counts_beyond_their_bounds(login, field, value):
    response = login("contact_a").post(reverse("document_create"), DOC_POST | {field: str(value)})
    assert response.status_code == 400
    assert not Document.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field,value", [("pages", 2**63), ("characters", 2**64), ("pages", 2**31), ("pages", 10_001)]
)
def test_api_refuses_counts_beyond_their_bounds(client, oa, field, value):
    response = put(client, "OA-1", DOC_PUT | {field: value}, oa)
    assert 400 <= response.status_code < 500
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_meeting_attendees_beyond_the_bound_are_refused(client, oa):
    meeting = {
        "title": "会",
        "held_on": "2025-05-01",
        "level": "county",
        "form": "in_person",
        "grassroots_attendees": 2**63,
    }
    response = client.put(
        "/api/registry/meetings/by-external-id/M-1?unit=TA",
        meeting,
        content_type="application/json",
        **oa,
    )
    assert 400 <= response.status_code < 500
    assert not Meeting.objects.exists()


@pytest.mark.django_db
def test_openapi_shows_the_bounds(login):
    schema = login("office").get("/api/openapi.json").json()
    fields = schema["components"]["schemas"]["DocumentFields"]["properties"]
    assert fields["pages"]["maximum"] == MAX_PAGES
    assert fields["characters"]["maximum"] == 10_000_000


@pytest.mark.django_db
def test_import_refuses_counts_beyond_their_bounds(login):
    csv = "标题,发文日期,文件类型,文号,页数\n关于防汛的通知,2025-03-05,红头文件,甲1号,20000\n"
    response = login("contact_a").post(
        reverse("document_import"), {"file": _upload("x.csv", csv.encode())}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "不能大于 10000" in body
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_counts_beyond_their_bounds(units):
    with pytest.raises(IntegrityError), transaction.atomic():
        stored_document(units["TA"], pages=MAX_PAGES + 1)


@pytest.mark.django_db
@pytest.mark.parametrize("year,status", [(9999, 200), (10000, 422), (2**63, 422), (0, 422)])
def test_api_year_filter_answers_without_failing(client, oa, year, status):
    response = client.get(f"/api/registry/documents?year={year}&month_to=12", **oa)
    assert response.status_code == status
