"""The reporter's phone flow through the real server (granian, CSRF checked): the page's script
posts the report to the API with the session cookie and the CSRF header, a retry with the same key
is the same report, and the page without JavaScript works too. The test client checks none of
this: it skips CSRF and never starts the server."""

import uuid

from jianfu.monitoring.tests.test_submit import answers


def _open_period(client) -> tuple[int, str]:
    points = client.get("/api/monitoring/my/points").json()
    assert len(points) == 1
    fillable = [p for p in points[0]["periods"] if p["can_fill"]]
    assert fillable, "the reporter has a period to fill today"
    return points[0]["id"], fillable[0]["period"]


def test_the_phone_submits_through_the_api_with_session_and_csrf(granian_server):
    client = granian_server.client("reporter")
    point, period = _open_period(client)
    payload = {
        "point": point,
        "period": period,
        "values": answers(),
        "client_key": str(uuid.uuid4()),
    }
    csrf = {"X-CSRFToken": client.cookies["csrftoken"]}

    refused = client.post("/api/monitoring/reports", json=payload)
    assert refused.status_code == 403  # no CSRF header: a page of another site cannot submit

    first = client.post("/api/monitoring/reports", json=payload, headers=csrf)
    assert first.status_code in (200, 201), first.text
    retry = client.post("/api/monitoring/reports", json=payload, headers=csrf)
    assert retry.status_code == 200  # the same key: the same report, not a second one
    assert retry.json()["version"] == first.json()["version"]

    done = client.get(f"/report/{point}/{period}/done/")
    assert done.status_code == 200
    assert "本期已提交" in done.text


def test_the_report_page_without_javascript_through_the_real_server(granian_server):
    client = granian_server.client("reporter")
    point, period = _open_period(client)
    page = client.get(f"/report/{point}/{period}/")
    assert page.status_code == 200
    data = {k: "" if v is None else str(v) for k, v in answers(docs_total=31).items()}
    data.update(client_key=str(uuid.uuid4()), csrfmiddlewaretoken=client.cookies["csrftoken"])
    answer = client.post(
        f"/report/{point}/{period}/",
        data=data,
        headers={"Referer": f"{granian_server.url}/report/{point}/{period}/"},
    )
    assert answer.status_code == 302, answer.text[:500]
    assert answer.headers["Location"].endswith(f"/report/{point}/{period}/done/")
