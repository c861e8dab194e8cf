"""The registries' API: idempotent pushes from OA systems (a retry never duplicates), scope by
token, domain errors as 400 with code, detail and field, scoped lists and quotas."""

import datetime as dt

import pytest

from jianfu.core import clock
from jianfu.core import services as core_services
from jianfu.core.models import AuditEntry
from jianfu.registry.models import Document, Inspection, Meeting
from jianfu.registry.quotas import services as quota_services
from jianfu.registry.records import services

TODAY = dt.date(2025, 6, 15)


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def oa(people, units):
    """甲县's OA system: a token bound to county A that may push records."""
    _token, secret = core_services.token_issue(
        by=people["secadmin"],
        name="甲县OA",
        unit=units["TA"],
        scopes=["registry.record:view", "registry.record:edit"],
    )
    return bearer(secret)


@pytest.fixture
def reader(people, units):
    _token, secret = core_services.token_issue(
        by=people["secadmin"], name="只读", unit=units["TA"], scopes=["registry.record:view"]
    )
    return bearer(secret)


DOC = {
    "title": "关于开展汛前检查的通知",
    "number": "甲政办〔2025〕12号",
    "issued_on": "2025-04-01",
    "kind": "red_header",
    "addressed_levels": ["township"],
    "pages": 2,
    "characters": 1500,
}


def by_external_id(path):
    """documents/OA-1 → documents/by-external-id/OA-1: the pushing system's own id."""
    kind, _, key = path.partition("/")
    return f"{kind}/by-external-id/{key}"


def put(client, path, body, headers, **query):
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return client.put(
        f"/api/registry/{by_external_id(path)}" + (f"?{qs}" if qs else ""),
        body,
        content_type="application/json",
        **headers,
    )


@pytest.mark.django_db
def test_put_is_idempotent_on_unit_and_external_id(client, oa, units):
    first = put(client, "documents/OA-1", DOC, oa, unit="TA")
    assert first.status_code == 201, first.content
    assert first.json()["counted"] is True and first.json()["unit"] == "TA"
    again = put(client, "documents/OA-1", DOC | {"title": "改后的标题"}, oa, unit="TA")
    assert again.status_code == 200
    assert Document.objects.count() == 1
    obj = Document.objects.get()
    assert obj.title == "改后的标题" and obj.external_id == "OA-1" and obj.unit == units["TA"]
    codes = list(
        AuditEntry.objects.filter(object_type="registry.document", object_id=str(obj.pk))
        .order_by("seq")
        .values_list("code", flat=True)
    )
    assert codes == ["jianfu.registry.document.created", "jianfu.registry.document.updated"]
    entry = AuditEntry.objects.get(code="jianfu.registry.document.updated")
    assert entry.changes["title"] == ["关于开展汛前检查的通知", "改后的标题"]
    assert entry.actor_name.startswith("token:")


@pytest.mark.django_db
def test_put_defaults_to_the_tokens_unit_and_reaches_units_below(client, oa, units):
    assert put(client, "documents/OA-2", DOC, oa).status_code == 201
    assert Document.objects.get(external_id="OA-2").unit == units["TA"]
    response = put(client, "documents/OA-2", DOC | {"number": "甲一镇〔2025〕1号"}, oa, unit="TA01")
    assert response.status_code == 201  # the same key in another unit is another record
    assert Document.objects.count() == 2


@pytest.mark.django_db
def test_post_with_external_id_in_body_is_idempotent_too(client, oa):
    body = DOC | {"external_id": "OA-3", "unit": "TA"}
    url = "/api/registry/documents"
    first = client.post(url, body, content_type="application/json", **oa)
    second = client.post(url, body, content_type="application/json", **oa)
    assert (first.status_code, second.status_code) == (201, 200)
    assert Document.objects.filter(external_id="OA-3").count() == 1


@pytest.mark.django_db
def test_token_cannot_push_outside_its_county(client, oa, units):
    response = put(client, "documents/OA-4", DOC, oa, unit="TB")
    assert response.status_code == 404
    response = put(client, "documents/OA-4", DOC, oa, unit="T")
    assert response.status_code == 404
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_token_without_edit_scope_is_refused(client, reader):
    assert put(client, "documents/OA-5", DOC, reader, unit="TA").status_code == 403
    assert client.get("/api/registry/documents", **reader).status_code == 200


@pytest.mark.django_db
def test_domain_errors_are_400_with_code_detail_and_field(client, oa):
    response = put(client, "documents/OA-6", DOC | {"number": ""}, oa)
    assert response.status_code == 400
    assert response.json() == {
        "code": "required",
        "detail": "红头文件须填写文号。",
        "field": "number",
    }
    response = put(client, "documents/OA-6", DOC | {"co_issuers": ["TB"], "kind": "joint"}, oa)
    assert response.status_code == 400 and response.json()["field"] == "co_issuers"
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_duplicate_number_under_another_external_id_is_refused(client, oa):
    assert put(client, "documents/OA-7", DOC, oa).status_code == 201
    response = put(client, "documents/OA-8", DOC, oa)
    assert response.status_code == 400 and response.json()["code"] == "duplicate_number"


@pytest.mark.django_db
def test_delete_by_external_id(client, oa):
    put(client, "documents/OA-9", DOC, oa)
    response = client.delete("/api/registry/documents/by-external-id/OA-9?unit=TA", **oa)
    assert response.status_code == 204
    assert not Document.objects.exists()
    assert (
        client.delete("/api/registry/documents/by-external-id/OA-9?unit=TA", **oa).status_code
        == 404
    )
    assert AuditEntry.objects.filter(code="jianfu.registry.document.deleted").exists()


@pytest.mark.django_db
def test_detail_by_id_or_by_external_id(client, oa, login):
    created = put(client, "documents/OA-10", DOC, oa).json()
    by_id = client.get(f"/api/registry/documents/{created['id']}", **oa)
    by_key = client.get("/api/registry/documents/by-external-id/OA-10?unit=TA", **oa)
    assert by_id.json() == by_key.json()
    assert by_id.json()["external_id"] == "OA-10"
    other = login("contact_b")
    assert other.get(f"/api/registry/documents/{created['id']}").status_code == 404


@pytest.mark.django_db
def test_meetings_push_with_a_merged_meeting(client, oa):
    body = {"title": "防汛会", "held_on": "2025-05-01", "level": "county", "form": "in_person"}
    assert put(client, "meetings/M-1", body, oa).status_code == 201
    merged = body | {"title": "安全生产会", "form": "merged", "merged_with": "M-1"}
    response = put(client, "meetings/M-2", merged, oa)
    assert response.status_code == 201, response.content
    assert response.json()["counted"] is False
    main, other = Meeting.objects.get(external_id="M-1"), Meeting.objects.get(external_id="M-2")
    assert other.merged_with == main
    bad = put(client, "meetings/M-3", merged | {"merged_with": "nope"}, oa)
    assert bad.status_code == 400 and bad.json()["field"] == "merged_with"
    late = body | {"starts_at": "10:00", "ends_at": "09:00"}
    assert put(client, "meetings/M-4", late, oa).json()["code"] == "end_before_start"


@pytest.mark.django_db
def test_inspections_push_with_targets(client, oa):
    body = {
        "title": "专项督查",
        "kind": "supervision",
        "method": "materials",
        "targets": ["TA01", "TA0101"],
        "starts_on": "2025-05-06",
        "ends_on": "2025-05-08",
        "in_plan": False,
    }
    response = put(client, "inspections/I-1", body, oa)
    assert response.status_code == 201
    assert sorted(response.json()["targets"]) == ["TA01", "TA0101"]
    assert put(client, "inspections/I-1", body | {"targets": ["TA01"]}, oa).status_code == 200
    assert list(Inspection.objects.get().targets.values_list("code", flat=True)) == ["TA01"]


@pytest.mark.django_db
def test_unknown_choice_is_a_validation_error(client, oa):
    assert put(client, "documents/OA-11", DOC | {"kind": "purple"}, oa).status_code == 422


@pytest.mark.django_db
def test_list_is_scoped_filtered_and_paginated(client, oa, login, people, units):
    for i, unit in enumerate(["TA", "TA01", "TB"]):
        services.record_create(
            Document,
            by=people["office"],
            unit=units[unit],
            title=f"文{i}",
            number=f"号{i}",
            issued_on=dt.date(2025, 3 + i, 1),
            kind="red_header",
        )
    items = client.get("/api/registry/documents", **oa).json()["items"]
    assert {d["unit"] for d in items} == {"TA", "TA01"}
    only = client.get("/api/registry/documents?unit=TA01", **oa).json()
    assert only["count"] == 1 and only["items"][0]["title"] == "文1"
    assert client.get("/api/registry/documents?month_from=5", **oa).json()["count"] == 0
    assert client.get("/api/registry/documents?unit=TB", **oa).status_code == 404
    everything = login("office").get("/api/registry/documents").json()
    assert everything["count"] == 3


@pytest.mark.django_db
def test_quotas_endpoint(login, people, units):
    quota_services.quota_set(
        by=people["office"], unit=units["TA"], year=2025, category="document", limit=9
    )
    quota_services.quota_set(
        by=people["office"], unit=units["TB"], year=2025, category="document", limit=8
    )
    services.record_create(
        Document,
        by=people["office"],
        unit=units["TA"],
        title="文",
        number="号",
        issued_on=dt.date(2025, 3, 1),
        kind="red_header",
    )
    mine = login("contact_a").get("/api/registry/quotas?year=2025").json()
    assert mine["count"] == 1
    assert mine["items"][0] | {} == {
        "unit": "TA",
        "unit_name": "甲县",
        "year": 2025,
        "category": "document",
        "limit": 9,
        "used": 1,
    }
    assert login("office").get("/api/registry/quotas?year=2025").json()["count"] == 2
    assert login("auditor").get("/api/registry/quotas").status_code == 403


@pytest.mark.django_db
def test_openapi_documents_the_push(login):
    schema = login("office").get("/api/openapi.json").json()
    put_op = schema["paths"]["/api/registry/documents/by-external-id/{external_id}"]["put"]
    assert "幂等" in put_op["summary"]


@pytest.mark.django_db
def test_the_id_path_means_the_platform_id_only(client, oa):
    """A DELETE meant for the platform's record N deletes that record, never the ones whose
    external id happens to be "N"."""
    target = put(client, "documents/OA-20", DOC, oa).json()
    key = str(target["id"])
    lookalike = put(client, f"documents/{key}", DOC | {"number": "甲政办〔2025〕99号"}, oa)
    assert lookalike.status_code == 201 and lookalike.json()["id"] != target["id"]
    assert client.get(f"/api/registry/documents/{key}", **oa).json()["external_id"] == "OA-20"
    assert client.delete(f"/api/registry/documents/{key}?unit=TA", **oa).status_code == 204
    assert list(Document.objects.values_list("external_id", flat=True)) == [key]
    assert client.get(f"/api/registry/documents/{key}", **oa).status_code == 404


@pytest.mark.django_db
def test_by_external_id_paths_read_update_and_delete_in_one_unit(client, oa):
    assert put(client, "documents/OA/2025/7", DOC, oa, unit="TA01").status_code == 201
    url = "/api/registry/documents/by-external-id/OA/2025/7"
    assert client.get(url, **oa).status_code == 404  # the token's own unit holds no such record
    found = client.get(f"{url}?unit=TA01", **oa)
    assert found.status_code == 200 and found.json()["external_id"] == "OA/2025/7"
    assert client.delete(url, **oa).status_code == 404
    assert client.delete(f"{url}?unit=TA01", **oa).status_code == 204
    assert not Document.objects.exists()


def test_openapi_documents_both_record_paths():
    from jianfu.api import api

    paths = api.get_openapi_schema()["paths"]
    assert set(paths["/api/registry/documents/{record_id}"]) == {"get", "delete"}
    assert set(paths["/api/registry/documents/by-external-id/{external_id}"]) == {
        "get",
        "put",
        "delete",
    }
