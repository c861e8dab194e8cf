"""A unit's feedback through the real server (granian, CSRF checked), as a browser posts it: the
item's page gives the form and its token, the post without the token is refused, with it the
feedback is saved and the page shows it."""

import re


def test_feedback_posted_with_csrf_through_the_real_server(granian_server):
    out = granian_server.run_python(
        "from jianfu.core.scope_guard import unscoped\n"
        "from jianfu.supervision.items import services\n"
        "import datetime as dt\n"
        "from jianfu.core import clock\n"
        "office = User.objects.get(username='office')\n"
        "ta = Unit.objects.get(code='TA')\n"
        "deadline = clock.today() + dt.timedelta(days=60)\n"
        "item = services.item_create(by=office, source='instruction', title='实时服务器反馈',\n"
        "    deadline=deadline, lead_unit_id=ta.pk, issue=True)\n"
        "print(item.pk)\n"
    )
    pk = int(out.strip().splitlines()[-1])
    client = granian_server.client("contact_a")
    page = client.get(f"/supervision/items/{pk}/")
    assert page.status_code == 200, page.text[:300]
    assert "实时服务器反馈" in page.text
    url = f"/supervision/items/{pk}/feedback/"
    data = {"text": "已完成现场核查", "percent": "30", "evidence_note": ""}
    headers = {"Referer": f"{granian_server.url}/supervision/items/{pk}/"}
    refused = client.post(url, data=data, headers=headers)
    assert refused.status_code == 403  # no CSRF token: another site's page cannot post
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = client.post(url, data={**data, "csrfmiddlewaretoken": token}, headers=headers)
    assert answer.status_code == 302, answer.text[:500]
    after = client.get(f"/supervision/items/{pk}/")
    assert "已完成现场核查" in after.text and "30%" in after.text
