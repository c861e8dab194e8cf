"""What the API answers to input it cannot use: a 4xx in one JSON shape with a `code` and a
Chinese `detail`, never a server error or an HTML page; and the OpenAPI document says so.

The first tests are the causes the fuzzing found (year out of range, page numbers beyond 64-bit
integers, a time with an offset, a multipart body); then the shape of every error; then a walk
of the OpenAPI document that holds real answers to it, and a short deterministic fuzz."""

import datetime as dt
import json
import re

import pytest
from django.test import Client
from ninja.responses import NinjaJSONEncoder

from jianfu import api as api_module
from jianfu.core import clock
from jianfu.core import services as core_services
from jianfu.registry.models import Meeting
from jianfu.testing.openapi_check import check_answer, validate

LISTS = ["/api/registry/documents", "/api/registry/meetings", "/api/registry/inspections"]
MEETING = {"title": "防汛会", "held_on": "2025-05-01", "level": "county", "form": "in_person"}
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(dt.date(2025, 6, 15)):
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


@pytest.fixture
def office(db, people):
    client = Client(raise_request_exception=False)
    client.force_login(people["office"])
    return client


@pytest.fixture(scope="module")
def document():
    """The document as clients read it (JSON: status codes are strings there)."""
    schema = api_module.api.get_openapi_schema()
    return json.loads(json.dumps(schema, cls=NinjaJSONEncoder))


def refused(response, status: int, code: str, field: str | None = None) -> dict:
    """The answer is `status` with JSON {code, detail in Chinese[, field]}."""
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["code"] == code, body
    assert HAN.search(body["detail"]), body
    if field is not None:
        assert body["field"] == field, body
    return body


# --- The causes the fuzzing found ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS + ["/api/registry/quotas"])
@pytest.mark.parametrize("year", ["-1", "0", "10000", "99999999999999999999"])
def test_year_outside_1_to_9999_is_422(office, path, year):
    body = refused(office.get(path, {"year": year}), 422, "invalid", "year")
    assert "year" in body["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS)
def test_year_9999_to_december_is_an_answer_not_an_error(office, path):
    response = office.get(path, {"year": "9999", "month_to": "12"})
    assert response.status_code == 200 and response.json()["count"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    LISTS + ["/api/registry/quotas", "/api/units", "/api/rectification/problems"],
)
@pytest.mark.parametrize("param", ["page", "page_size"])
@pytest.mark.parametrize("value", ["9223372036854775808", "99999999999999999999999"])
def test_page_numbers_beyond_64_bit_are_422(office, path, param, value):
    body = refused(office.get(path, {param: value}), 422, "invalid", param)
    assert value in body["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/registry/documents/9223372036854775808",
        "/api/units/99999999999999999999",
        "/api/rectification/problems/99999999999999999999",
    ],
)
def test_ids_beyond_64_bit_are_422(office, path):
    refused(office.get(path), 422, "invalid")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value", ["09:00:00+08:00", "01:00:00Z", "09:00:00.5", "25:00", "9点", "32400"]
)
def test_meeting_time_with_an_offset_or_malformed_is_422(client, oa, value):
    response = client.put(
        "/api/registry/meetings/by-external-id/M-TZ",
        MEETING | {"starts_at": value},
        content_type="application/json",
        **oa,
    )
    body = refused(response, 422, "invalid", "starts_at")
    assert "HH:MM" in body["detail"]
    assert not Meeting.objects.exists()


@pytest.mark.django_db
def test_meeting_time_is_local_hh_mm_and_comes_back_as_declared(client, oa, document):
    response = client.put(
        "/api/registry/meetings/by-external-id/M-T",
        MEETING | {"starts_at": "09:00", "ends_at": "14:30:00"},
        content_type="application/json",
        **oa,
    )
    assert response.status_code == 201, response.content
    assert (response.json()["starts_at"], response.json()["ends_at"]) == ("09:00:00", "14:30:00")
    meeting = Meeting.objects.get()
    assert (meeting.starts_at, meeting.ends_at) == (dt.time(9), dt.time(14, 30))
    path = "/api/registry/meetings/by-external-id/{external_id}"
    check_answer(document, path, "put", 201, response.json())


@pytest.mark.django_db
def test_multipart_body_to_a_json_endpoint_is_415(client, oa, office):
    # Django's test client sends a dict as multipart/form-data.
    response = client.post("/api/registry/documents", {"title": "x"}, **oa)
    refused(response, 415, "unsupported_media_type")
    broken = client.put(
        "/api/registry/meetings/by-external-id/M-1",
        b"--x\r\nnot really multipart",
        content_type="multipart/form-data; boundary=x",
        **oa,
    )
    refused(broken, 415, "unsupported_media_type")
    # The session's write is refused the same way, before its CSRF check reads the body.
    refused(office.post("/api/registry/documents", {"title": "x"}), 415, "unsupported_media_type")


# --- One JSON shape for every error -------------------------------------------------------------


@pytest.mark.django_db
def test_unknown_api_path_is_json_404_with_code(office):
    refused(office.get("/api/no-such-thing"), 404, "not_found")
    refused(office.get("/api/registry/documents/not-a-number"), 404, "not_found")


@pytest.mark.django_db
def test_wrong_method_is_json_405_with_code(office):
    response = office.patch("/api/registry/quotas")
    refused(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


@pytest.mark.django_db
def test_unreadable_json_is_400_with_code(client, oa):
    response = client.put(
        "/api/registry/documents/by-external-id/OA-1",
        "{not json",
        content_type="application/json",
        **oa,
    )
    refused(response, 400, "bad_body")


@pytest.mark.django_db
def test_not_signed_in_is_json_401_with_code():
    refused(Client().get("/api/registry/documents"), 401, "unauthorized")


@pytest.mark.django_db
def test_validation_error_names_field_and_value_in_chinese(client, oa):
    response = client.put(
        "/api/registry/documents/by-external-id/OA-2",
        {"title": "标题", "issued_on": "2025-13-01", "kind": "purple"},
        content_type="application/json",
        **oa,
    )
    body = refused(response, 422, "invalid")
    fields = {e["field"]: e["detail"] for e in body["errors"]}
    assert set(fields) == {"issued_on", "kind"}
    assert "2025-13-01" in fields["issued_on"] and "YYYY-MM-DD" in fields["issued_on"]
    assert "purple" in fields["kind"]


@pytest.mark.django_db
def test_server_error_under_api_is_json_with_code(office, monkeypatch):
    from jianfu.registry.records import queries

    def broken(*args, **kwargs):
        raise RuntimeError("a fault")

    monkeypatch.setattr(queries, "records_for", broken)
    refused(office.get("/api/registry/documents"), 500, "server_error")


@pytest.mark.django_db
def test_pages_keep_their_html_error_pages(office):
    response = office.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


# --- The OpenAPI document holds to the answers --------------------------------------------------


def test_every_operation_declares_its_error_answers(document):
    assert document["components"]["schemas"]["ApiError"]["required"] == ["code", "detail"]
    for path, item in document["paths"].items():
        for method, op in item.items():
            declared = set(op["responses"])
            assert {"401", "403", "404", "422"} <= declared, (method, path, declared)
            if "requestBody" in op:
                assert {"400", "415"} <= declared, (method, path, declared)
            for status, response in op["responses"].items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    validate(document, schema, {"code": "x", "detail": "说明"})
                    with pytest.raises(AssertionError):
                        validate(document, schema, {"detail": "没有 code"})


def test_no_time_is_declared_in_a_format_the_api_does_not_answer(document):
    """JSON Schema's `time` format wants an offset ("14:30:00+08:00"); the API answers local
    times ("14:30:00"), and the document says so with a pattern instead."""
    text = str(document)
    assert "'format': 'time'" not in text
    meeting = document["components"]["schemas"]["MeetingOut"]["properties"]["starts_at"]
    validate(document, meeting, "14:30:00")
    validate(document, meeting, None)
    with pytest.raises(AssertionError):
        validate(document, meeting, "14:30:00+08:00")


@pytest.mark.django_db
def test_real_answers_match_the_document(client, oa, office, document, units):
    put = client.put(
        "/api/registry/meetings/by-external-id/M-D",
        MEETING | {"starts_at": "14:30", "ends_at": "16:00"},
        content_type="application/json",
        **oa,
    )
    check_answer(
        document, "/api/registry/meetings/by-external-id/{external_id}", "put", 201, put.json()
    )
    record_id = put.json()["id"]
    answers = [
        ("/api/registry/meetings/{record_id}", "get", f"/api/registry/meetings/{record_id}"),
        ("/api/registry/meetings", "get", "/api/registry/meetings"),
        ("/api/registry/meetings", "get", "/api/registry/meetings?year=-1"),
        ("/api/registry/meetings/{record_id}", "get", "/api/registry/meetings/999999"),
        ("/api/registry/quotas", "get", "/api/registry/quotas"),
        ("/api/units", "get", "/api/units?page=0"),
        ("/api/units/{unit_id}", "get", f"/api/units/{units['TA'].pk}"),
        ("/api/me", "get", "/api/me"),
    ]
    for template, method, url in answers:
        response = client.get(url, **oa) if "meetings" in url else office.get(url)
        check_answer(document, template, method, response.status_code, response.json())
    anonymous = Client().get("/api/registry/meetings")
    check_answer(document, "/api/registry/meetings", "get", 401, anonymous.json())
    bad = client.put(
        "/api/registry/meetings/by-external-id/M-E",
        MEETING | {"starts_at": "16:00", "ends_at": "09:00"},
        content_type="application/json",
        **oa,
    )
    assert bad.status_code == 400
    check_answer(
        document, "/api/registry/meetings/by-external-id/{external_id}", "put", 400, bad.json()
    )


# --- A short, deterministic fuzz of every operation ---------------------------------------------

ODD_VALUES = ["-1", "0", "9223372036854775808", "1e400", "", "x", "😀", "2025-02-30", "true"]


def _fill(path: str) -> str:
    return re.sub(r"{[^}]+}", "1", path)


@pytest.mark.django_db
def test_odd_parameters_on_every_operation_never_make_a_server_error(office, document):
    """Every operation, every query parameter, a handful of odd values; every path parameter
    too; and for each body a few odd bodies. No answer is a 5xx; every error is the shape with
    its code; and every answer's status is one the document declares."""
    seen = 0
    for path, item in document["paths"].items():
        for method, op in item.items():
            params = [p for p in op.get("parameters", []) if p["in"] == "query"]
            urls = [_fill(path)]
            urls += [f"{_fill(path)}?{p['name']}={v}" for p in params for v in ODD_VALUES]
            urls += [re.sub(r"{[^}]+}", v, path) for v in ("0", "-1", "x") if "{" in path]
            bodies = [None]
            if "requestBody" in op:
                bodies = ["{}", "[]", "null", '{"title": 1}', "{bad", "\x00"]
            for url in urls:
                for body in bodies:
                    send = getattr(office, method)
                    response = (
                        send(url)
                        if body is None
                        else send(url, body, content_type="application/json", HTTP_X_CSRFTOKEN="")
                    )
                    seen += 1
                    assert response.status_code < 500, (method, url, body, response.content)
                    assert response["Content-Type"].startswith("application/json"), (method, url)
                    if response.status_code >= 400:
                        assert "code" in response.json(), (method, url, response.content)
                    if response.status_code != 404 or "{" not in path:
                        check_answer(
                            document,
                            path,
                            method,
                            response.status_code,
                            response.json() if response.content else None,
                        )
    assert seen > 300


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["documents", "meetings", "inspections"])
def test_an_empty_title_is_refused_as_the_document_says(client, oa, document, kind):
    """The document declares a title of at least one character, so an empty one is a 422
    (before, the schema let it through and the service refused it with a 400)."""
    response = client.put(
        f"/api/registry/{kind}/by-external-id/E-1",
        {"title": ""},
        content_type="application/json",
        **oa,
    )
    body = refused(response, 422, "invalid")
    assert "title" in {e["field"] for e in body["errors"]}
    schema = document["components"]["schemas"]
    fields = {"documents": "DocumentFields", "meetings": "MeetingFields"}
    title = schema[fields.get(kind, "InspectionFields")]["properties"]["title"]
    assert title["minLength"] == 1
