"""The recipient's return through the real server (granian, CSRF checked): pre-filled, refused
without the token, a bad value named with what was typed kept, submitted once however often it is
posted; and, where Chromium and Playwright are on the machine, in a real browser at phone width
(390 px): one column with no sideways scrolling, touch targets of at least 44 px, confirm and
submit with the fewest taps."""

import json
import os
import re
import subprocess
import uuid

import pytest

from jianfu.testing import browser

SETUP = """
import datetime as dt
from jianfu.core import clock
from jianfu.gate.burden import services
from jianfu.registry.models import Document
office = User.objects.get(username="office")
contact = User.objects.get(username="contact_a")
ta = Unit.objects.get(code="TA")
s = "{suffix}"
hh = services.field_create(by=office, code="hh" + s, name="农户户数", type="number")
road = services.field_create(by=office, code="road" + s, name="村道路况", type="choice",
                             choices=["良好", "一般", "较差"])
clinic = services.field_create(by=office, code="clinic" + s, name="是否有卫生室", type="yesno")
docs = services.field_create(by=office, code="docs" + s, name="本月收到上级文件数",
                             type="number", held_in="registry.documents")
form = services.form_propose(by=contact, sender_id=ta.pk, name="村情" + s,
                             field_ids=[hh.pk, road.pk, clinic.pk, docs.pk])
services.form_admit(by=office, form=form)
form.refresh_from_db()
Document.objects.create(unit=ta, title="县通知" + s, issued_on=dt.date(2026, 1, 5),
                        kind="notice", reaches_grassroots=True)
req = services.request_draft(by=contact, form=form, title="村情填报" + s, levels=["village"],
                             frequency="monthly", first_period="2026-01", count=2,
                             due_on=clock.today() + dt.timedelta(days=5))
services.request_send(by=contact, request=req, confirm=True)
print([r.pk for r in req.returns.order_by("period")])
"""

BROWSER = r"""
import json, os, sys
from playwright.sync_api import sync_playwright
url, pk, suffix = sys.argv[1], sys.argv[2], sys.argv[3]
out = {}
with sync_playwright() as p:
    chromium = os.environ["JIANFU_CHROMIUM"]
    browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(url + "/login/")
    page.fill("input[name=username]", "reporter")
    page.fill("input[name=password]", "Jianfu@2025")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{url}/gate/burden/returns/{pk}/")
    out["overflow"] = page.evaluate(
        "document.scrollingElement.scrollWidth - document.documentElement.clientWidth")
    out["docs"] = page.input_value(f"input[name=docs{suffix}]")
    targets = ("#return-form input:not([type=hidden]):not(.btn-check), "
               "#return-form label.btn, #return-form button")
    sizes = page.evaluate('''(sel) => Array.from(document.querySelectorAll(sel))
        .map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })''', targets)
    out["smallest"] = min(h for _w, h in sizes)
    out["widest"] = max(w for w, _h in sizes)
    taps = 0
    page.fill(f"input[name=hh{suffix}]", "315"); taps += 1
    page.click(f"label[for=road{suffix}-1]"); taps += 1
    page.click(f"label[for=clinic{suffix}-yes]"); taps += 1
    page.click("#return-form button[type=submit]"); taps += 1
    page.wait_for_load_state()
    out["taps"] = taps
    out["landed"] = page.url
    browser.close()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def returns(granian_server):
    suffix = uuid.uuid4().hex[:6]
    out = granian_server.run_python(SETUP.replace("{suffix}", suffix))
    return suffix, json.loads(out.strip().splitlines()[-1])


def _token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_the_return_is_posted_with_csrf_and_submitted_once(granian_server, returns):
    suffix, (first, _second) = returns
    client = granian_server.client("reporter")
    url = f"/gate/burden/returns/{first}/"
    page = client.get(url)
    assert page.status_code == 200, page.text[:300]
    assert re.search(rf'name="docs{suffix}"[^>]*value="1"', page.text)  # from the registry
    headers = {"Referer": f"{granian_server.url}{url}"}
    data = {f"hh{suffix}": "312", f"road{suffix}": "良好", f"clinic{suffix}": "yes",
            f"docs{suffix}": "1"}  # fmt: skip
    assert client.post(url, data=data, headers=headers).status_code == 403  # no token
    token = _token(page.text)
    bad = client.post(
        url, data={**data, f"hh{suffix}": "三百", "csrfmiddlewaretoken": token}, headers=headers
    )
    assert bad.status_code == 400 and "“农户户数”应填数字" in bad.text
    assert re.search(rf'name="hh{suffix}"[^>]*value="三百"', bad.text)
    ok = client.post(url, data={**data, "csrfmiddlewaretoken": token}, headers=headers)
    assert ok.status_code == 302
    again = client.post(
        url, data={**data, f"hh{suffix}": "999", "csrfmiddlewaretoken": token}, headers=headers
    )
    assert again.status_code == 302
    stored = granian_server.run_python(
        "from jianfu.gate.burden.models import Return\n"
        f"r = Return.objects.get(pk={first})\n"
        f"print(r.values['hh{suffix}'], r.started_at is not None, r.submitted_at is not None)\n"
    )
    assert stored.split() == ["312", "True", "True"]


@browser.needed
def test_the_return_at_phone_width_in_a_real_browser(granian_server, returns):
    suffix, (_first, second) = returns
    done = subprocess.run(
        [browser.PYTHON, "-c", BROWSER, granian_server.url, str(second), suffix],
        capture_output=True, text=True, timeout=180,
        env={**os.environ, "JIANFU_CHROMIUM": browser.CHROMIUM},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["overflow"] <= 0  # no sideways scrolling at 390 px
    assert out["docs"] == "0"  # pre-filled: no document reached the village in February
    assert out["smallest"] >= 44 and out["widest"] <= 390
    assert out["taps"] == 4 and out["landed"].endswith("/gate/burden/todo/")
    stored = granian_server.run_python(
        "from jianfu.gate.burden.models import Return\n"
        f"r = Return.objects.get(pk={second})\n"
        f"print(r.values['hh{suffix}'], r.values['road{suffix}'], r.values['clinic{suffix}'])\n"
    )
    assert stored.split() == ["315", "良好", "True"]
