"""The API through the real server (granian, as `jianfu serve` runs it), where the CSRF check is
not skipped: a system writes with its bearer token alone; the browser's session writes only with
its CSRF token; errors come back as JSON with a code."""

import datetime as dt
import uuid

import pytest

SCOPES = ["registry.record:view", "registry.record:edit"]


@pytest.fixture(scope="module")
def secret(granian_server):
    """A token for 甲县's OA, issued on the server's database."""
    name = f"live-oa-{uuid.uuid4().hex[:8]}"
    out = granian_server.run_python(
        "from jianfu.core import services\n"
        "_t, secret = services.token_issue(by=User.objects.get(username='secadmin'), "
        f"name={name!r}, unit=Unit.objects.get(code='TA'), scopes={SCOPES!r})\n"
        "print(secret)\n"
    )
    return out.strip().splitlines()[-1]


def document(tag: str) -> dict:
    return {
        "title": f"关于{tag}的通知",
        "number": f"甲政办〔{tag}〕1号",
        "issued_on": (dt.date.today() - dt.timedelta(days=3)).isoformat(),
        "kind": "red_header",
    }


def stored(server, external_id: str) -> int:
    return int(
        server.run_python(f"print(Document.objects.filter(external_id={external_id!r}).count())")
    )


def test_token_writes_through_the_real_server_without_csrf(granian_server, secret):
    tag = uuid.uuid4().hex[:10]
    system = granian_server.client()  # no cookies, no CSRF token: a system, not a browser
    bearer = {"Authorization": f"Bearer {secret}"}
    post = system.post(
        "/api/registry/documents",
        json=document(f"{tag}p") | {"external_id": f"POST-{tag}", "unit": "TA"},
        headers=bearer,
    )
    assert post.status_code == 201, post.text
    put = system.put(
        f"/api/registry/documents/by-external-id/PUT-{tag}", json=document(tag), headers=bearer
    )
    assert put.status_code == 201, put.text
    again = system.put(
        f"/api/registry/documents/by-external-id/PUT-{tag}",
        json=document(tag) | {"title": "改后的标题"},
        headers=bearer,
    )
    assert again.status_code == 200 and again.json()["title"] == "改后的标题"
    assert stored(granian_server, f"PUT-{tag}") == 1
    gone = system.delete(f"/api/registry/documents/{put.json()['id']}", headers=bearer)
    assert gone.status_code == 204, gone.text
    gone = system.delete(
        f"/api/registry/documents/by-external-id/POST-{tag}?unit=TA", headers=bearer
    )
    assert gone.status_code == 204, gone.text
    assert stored(granian_server, f"PUT-{tag}") == stored(granian_server, f"POST-{tag}") == 0


def test_session_write_through_the_real_server_needs_the_csrf_token(granian_server):
    tag = uuid.uuid4().hex[:10]
    browser = granian_server.client("contact_a")
    url = f"/api/registry/documents/by-external-id/S-{tag}"
    refused = browser.put(url, json=document(tag))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/json")
    assert refused.json()["code"] == "csrf_failed"
    assert stored(granian_server, f"S-{tag}") == 0
    accepted = browser.put(
        url, json=document(tag), headers={"X-CSRFToken": browser.cookies["csrftoken"]}
    )
    assert accepted.status_code == 201, accepted.text
    assert stored(granian_server, f"S-{tag}") == 1


def test_errors_through_the_real_server_are_json_with_a_code(granian_server, secret):
    system = granian_server.client()
    bearer = {"Authorization": f"Bearer {secret}"}
    answers = {
        "unknown path": (system.get("/api/no-such-thing", headers=bearer), 404, "not_found"),
        "wrong method": (system.patch("/api/registry/quotas", headers=bearer), 405, None),
        "year": (system.get("/api/registry/documents?year=-1", headers=bearer), 422, "invalid"),
        "page": (
            system.get("/api/registry/meetings?page=99999999999999999999", headers=bearer),
            422,
            "invalid",
        ),
        "multipart": (
            system.post("/api/registry/documents", files={"f": b"x"}, headers=bearer),
            415,
            "unsupported_media_type",
        ),
        "no token": (system.get("/api/registry/documents"), 401, "unauthorized"),
    }
    for what, (response, status, code) in answers.items():
        assert response.status_code == status, (what, response.text)
        assert response.headers["content-type"].startswith("application/json"), what
        assert response.json()["code"] == (code or "method_not_allowed"), what
    assert granian_server.alive()
