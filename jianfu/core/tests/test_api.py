import pytest
from django.test import Client

from jianfu.core import clock, services
from jianfu.core.models import AuditEntry


def _bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def token(people, units):
    _token, secret = services.token_issue(
        by=people["secadmin"], name="甲县OA", unit=units["TA"], scopes=["core.unit:view"]
    )
    return _token, secret


@pytest.mark.django_db
def test_token_sees_its_unit_subtree_only(client, token, units):
    _token, secret = token
    response = client.get("/api/units", **_bearer(secret))
    assert response.status_code == 200
    assert {u["code"] for u in response.json()["items"]} == {"TA", "TA01", "TA0101"}
    assert client.get(f"/api/units/{units['TB'].pk}", **_bearer(secret)).status_code == 404


@pytest.mark.django_db
def test_revoked_or_expired_token_is_refused(client, token, people):
    t, secret = token
    services.token_revoke(by=people["secadmin"], token=t)
    assert client.get("/api/units", **_bearer(secret)).status_code == 401
    _t2, secret2 = services.token_issue(
        by=people["secadmin"],
        name="临时",
        unit=t.unit,
        scopes=["core.unit:view"],
        expires_at=clock.now(),
    )
    assert client.get("/api/units", **_bearer(secret2)).status_code == 401


@pytest.mark.django_db
def test_token_cannot_manage_units(client, token, units):
    _t, secret = token
    response = client.post(
        "/api/units",
        {"parent_id": units["TA"].pk, "code": "TA09", "name": "新镇", "kind": "township"},
        content_type="application/json",
        **_bearer(secret),
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_only_a_hash_of_the_secret_is_kept(token):
    t, secret = token
    assert secret not in (t.key_hash, t.prefix) and t.key_hash


@pytest.mark.django_db
def test_token_scopes_are_limited_to_grantable_codes(people, units):
    from jianfu.core.errors import DomainError

    with pytest.raises(DomainError):
        services.token_issue(
            by=people["secadmin"], name="x", unit=units["TA"], scopes=["core.audit:view"]
        )


@pytest.mark.django_db
def test_session_api_write_needs_csrf(people, units):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["sysadmin"])
    response = browser.post(
        "/api/units",
        {"parent_id": units["TA"].pk, "code": "TA09", "name": "新镇", "kind": "township"},
        content_type="application/json",
    )
    assert response.status_code in (401, 403)


@pytest.mark.django_db
def test_sysadmin_creates_a_unit_through_the_api(login, units):
    response = login("sysadmin").post(
        "/api/units",
        {"parent_id": units["TA"].pk, "code": "TA09", "name": "新镇", "kind": "township"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["parent_id"] == units["TA"].pk and body["kind_label"] == "乡镇（街道）"
    assert AuditEntry.objects.filter(
        code="jianfu.core.unit.created", object_id=str(body["id"])
    ).exists()


@pytest.mark.django_db
def test_api_errors_are_chinese_and_name_the_field(login, units):
    response = login("sysadmin").post(
        "/api/units",
        {"parent_id": units["TA"].pk, "code": "TA01", "name": "重复", "kind": "township"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "code" and "已被使用" in response.json()["detail"]


@pytest.mark.django_db
def test_me_describes_account_and_scope(login):
    body = login("contact_a").get("/api/me").json()
    assert body["unit"]["code"] == "TA" and body["roles"] == ["contact"]
    assert body["units_in_scope"] == 3


@pytest.mark.django_db
def test_openapi_docs_are_served(login):
    client = login("office")
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert "/api/units" in schema["paths"]


@pytest.mark.django_db
def test_anonymous_api_call_is_refused(client):
    assert client.get("/api/units").status_code == 401
