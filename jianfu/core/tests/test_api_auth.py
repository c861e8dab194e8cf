"""Who may write through the API, with the CSRF check on: a system with its bearer token writes
without any CSRF token; the browser's session writes only with it. The default test client skips
CSRF checks, so these use Client(enforce_csrf_checks=True); test_api_live.py the real server."""

import datetime as dt

import pytest
from django.test import Client

from jianfu.core import clock
from jianfu.core import services as core_services
from jianfu.registry.models import Document

DOC = {
    "title": "关于开展汛前检查的通知",
    "number": "甲政办〔2025〕31号",
    "issued_on": "2025-04-01",
    "kind": "red_header",
}


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(dt.date(2025, 6, 15)):
        yield


@pytest.fixture
def strict():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def oa(people, units):
    _token, secret = core_services.token_issue(
        by=people["secadmin"],
        name="甲县OA",
        unit=units["TA"],
        scopes=["registry.record:view", "registry.record:edit"],
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def signed_in(client: Client, people, username: str) -> str:
    """Sign `client` in and return the CSRF token a page hands the browser."""
    client.force_login(people[username])
    assert client.get("/").status_code == 200
    return client.cookies["csrftoken"].value


@pytest.mark.django_db
def test_token_writes_need_no_csrf_token(strict, oa):
    put = strict.put(
        "/api/registry/documents/by-external-id/OA-1",
        DOC,
        content_type="application/json",
        **oa,
    )
    assert put.status_code == 201, put.content
    post = strict.post(
        "/api/registry/documents",
        DOC | {"number": "甲政办〔2025〕32号", "external_id": "OA-2"},
        content_type="application/json",
        **oa,
    )
    assert post.status_code == 201, post.content
    gone = strict.delete(f"/api/registry/documents/{put.json()['id']}", **oa)
    assert gone.status_code == 204
    assert list(Document.objects.values_list("external_id", flat=True)) == ["OA-2"]


@pytest.mark.django_db
def test_token_write_is_not_refused_for_the_cookies_riding_along(strict, oa, people):
    """A system's request that happens to carry a signed-in browser's cookies is still the
    system's: the token decides, and no CSRF token is asked for."""
    signed_in(strict, people, "contact_b")
    response = strict.put(
        "/api/registry/documents/by-external-id/OA-3",
        DOC,
        content_type="application/json",
        **oa,
    )
    assert response.status_code == 201, response.content
    assert response.json()["unit"] == "TA"


@pytest.mark.django_db
def test_session_write_without_csrf_token_is_refused_with_a_code(strict, people):
    signed_in(strict, people, "contact_a")
    response = strict.put(
        "/api/registry/documents/by-external-id/S-1", DOC, content_type="application/json"
    )
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "csrf_failed" and "CSRF" in body["detail"]
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_session_write_with_csrf_token_is_accepted(strict, people):
    token = signed_in(strict, people, "contact_a")
    response = strict.put(
        "/api/registry/documents/by-external-id/S-2",
        DOC,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201, response.content
    assert Document.objects.get().created_by == people["contact_a"]


@pytest.mark.django_db
def test_session_reads_need_no_csrf_token(strict, people):
    signed_in(strict, people, "contact_a")
    assert strict.get("/api/registry/documents").status_code == 200


@pytest.mark.django_db
def test_bad_token_and_no_session_is_401_with_code(strict):
    response = strict.put(
        "/api/registry/documents/by-external-id/X-1",
        DOC,
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer not-a-token",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
