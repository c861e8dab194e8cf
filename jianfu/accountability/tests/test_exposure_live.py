"""A typical case through the real server (granian, CSRF checked): the commission publishes it,
the public page shows it to a visitor with no session, and a contact records its unit's study
once however often the form is posted."""

import json
import re
import uuid

import pytest

SETUP = """
import datetime as dt
from jianfu.accountability.exposure import services
from jianfu.accountability.tests.exposure_fixtures import CLEAN_BODY, make_case, second_commissioner
s = "{suffix}"
d1 = User.objects.get(username="discipline")
case = make_case(d1, title="甲县某局过度留痕问题" + s)
t = services.typical_draft(by=d1, case=case)
services.typical_edit(by=d1, typical=t, title="甲县教育局过度留痕问题" + s,
                      body=CLEAN_BODY + "<script>alert('x')</script>")
services.typical_redact(by=d1, typical=t)
services.typical_approve(by=second_commissioner("discipline-" + s), typical=t)
print(json.dumps(t.pk))
"""


def _token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


@pytest.fixture(scope="module")
def approved(granian_server):
    suffix = uuid.uuid4().hex[:6]
    out = granian_server.run_python("import json\n" + SETUP.replace("{suffix}", suffix))
    return suffix, json.loads(out.strip().splitlines()[-1])


def test_published_through_the_server_public_without_login_studied_once(granian_server, approved):
    suffix, pk = approved
    title = f"甲县教育局过度留痕问题{suffix}"
    visitor = granian_server.client()
    assert title not in visitor.get("/accountability/public/typical/").text  # approved only

    commission = granian_server.client("discipline")
    url = f"/accountability/typical/{pk}/"
    page = commission.get(url)
    assert page.status_code == 200
    headers = {"Referer": f"{granian_server.url}{url}"}
    data = {"action": "publish", "to_units": "1", "public": "1", "bulletin": "1"}
    act = f"/accountability/typical/{pk}/act/"
    assert commission.post(act, data=data, headers=headers).status_code == 403  # no CSRF token
    done = commission.post(
        act, data={**data, "csrfmiddlewaretoken": _token(page.text)}, headers=headers
    )
    assert done.status_code == 302

    public = visitor.get("/accountability/public/typical/")
    assert public.status_code == 200 and title in public.text
    assert "<script" not in public.text and "&lt;script&gt;" in public.text
    assert "王建国" not in public.text
    assert "script-src" in public.headers.get("Content-Security-Policy", "")

    contact = granian_server.client("contact_a")
    page = contact.get(url)
    assert page.status_code == 200 and "本单位已组织学习" in page.text
    form = {"studied_on": "", "format": "branch", "csrfmiddlewaretoken": _token(page.text)}
    form["studied_on"] = re.search(r'name="studied_on" value="([^"]+)"', page.text).group(1)
    study = f"/accountability/typical/{pk}/study/"
    assert contact.post(study, data=form, headers=headers).status_code == 302
    assert contact.post(study, data={**form, "format": "self"}, headers=headers).status_code == 302
    stored = granian_server.run_python(
        "from jianfu.accountability.exposure.models import Study\n"
        f"rows = Study.objects.filter(typical_id={pk}, unit__code='TA')\n"
        "print(rows.count(), rows.get().format)\n"
        "from jianfu.notify.models import Notice\n"
        f"print(Notice.objects.filter(key__startswith='accountability.typical_published:{pk}:').count())\n"
    )
    assert stored.split() == ["1", "branch", "2"]
