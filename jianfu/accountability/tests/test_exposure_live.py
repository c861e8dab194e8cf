"""A typical case through the real server (granian, CSRF checked): the commission publishes it,
the public page shows it to a visitor with no session, and a contact records its unit's study
once however often the form is posted."""

import json
import os
import re
import subprocess
import uuid

import pytest

from jianfu.testing import browser

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


BROWSER = r"""
import json, os, sys
from playwright.sync_api import sync_playwright
url, pk = sys.argv[1], sys.argv[2]
out = {}
with sync_playwright() as p:
    chromium = os.environ["JIANFU_CHROMIUM"]
    browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(url + "/accountability/public/typical/")
    out["public"] = page.evaluate(
        "document.scrollingElement.scrollWidth - document.documentElement.clientWidth")
    page.goto(url + "/login/")
    page.fill("input[name=username]", "contact_a")
    page.fill("input[name=password]", "Jianfu@2025")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{url}/accountability/typical/{pk}/")
    out["case"] = page.evaluate(
        "document.scrollingElement.scrollWidth - document.documentElement.clientWidth")
    page.click("#study button[type=submit]")
    page.wait_for_load_state()
    out["studied"] = page.locator("#studied").count()
    browser.close()
print(json.dumps(out))
"""


@browser.needed
def test_a_published_case_at_phone_width_in_a_real_browser(granian_server):
    suffix = uuid.uuid4().hex[:6]
    setup = SETUP.replace("{suffix}", suffix).replace(
        "print(json.dumps(t.pk))",
        "services.typical_publish(by=d1, typical=t, to_units=True, public=True, bulletin=False)\n"
        "print(json.dumps(t.pk))",
    )
    pk = json.loads(granian_server.run_python("import json\n" + setup).strip().splitlines()[-1])
    done = subprocess.run(
        [browser.PYTHON, "-c", BROWSER, granian_server.url, str(pk)],
        capture_output=True, text=True, timeout=180,
        env={**os.environ, "JIANFU_CHROMIUM": browser.CHROMIUM},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["public"] <= 0 and out["case"] <= 0  # no sideways scrolling at 390 px
    assert out["studied"] == 1  # one tap: the day and format come filled
