"""The two-step login through the real server (granian), where CSRF is checked: enrolment with
the code computed from the secret shown on the page, then a later login with a fresh code.

Its own server: the setting is put back to the default (the office must use a second factor),
which the shared server's other tests must not see."""

import base64
import re
import time

import pytest
from django_otp.oath import totp

from jianfu.testing.live import PASSWORD, LiveServer


@pytest.fixture(scope="module")
def server(worker_id):
    server = LiveServer(suffix=f"tfa_{worker_id}").start()
    server.run_python("RuntimeSetting.objects.filter(key='security.two_factor_roles').delete()")
    yield server
    server.stop()


def _post(client, path, data, server):
    data = {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"]}
    return client.post(path, data=data, headers={"Referer": f"{server.url}{path}"})


def _code(key: bytes, drift: int = 0) -> str:
    return f"{totp(key, drift=drift):06d}"


def test_office_enrols_then_logs_in_with_a_code(server):
    client = server.client()
    client.get("/login/")
    answer = _post(client, "/login/", {"username": "office", "password": PASSWORD}, server)
    assert answer.status_code == 302 and answer.headers["location"] == "/login/enrol/"
    assert client.get("/").status_code == 302  # nothing before the second factor

    page = client.get("/login/enrol/")
    assert page.status_code == 200 and "data:image/svg+xml" in page.text
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))

    # Without the CSRF token the step is refused.
    assert client.post("/login/enrol/", data={"code": _code(key)}).status_code == 403

    done = _post(client, "/login/enrol/", {"code": _code(key)}, server)
    assert done.status_code == 200 and "恢复码（只显示这一次）" in done.text
    assert len(re.findall(r'<li><code class="jf-secret-value">', done.text)) == 10
    assert client.get("/").status_code == 200

    _post(client, "/logout/", {}, server)
    assert client.get("/").status_code == 302
    client.get("/login/")
    again = _post(client, "/login/", {"username": "office", "password": PASSWORD}, server)
    assert again.headers["location"] == "/login/verify/"
    wrong = _post(client, "/login/verify/", {"code": "000000"}, server)
    assert wrong.status_code == 200 and "验证码不正确" in wrong.text
    # A code once used is not taken again: the next 30-second code signs in.
    time.sleep(1.1)  # django-otp's own throttle after a wrong code
    signed_in = _post(client, "/login/verify/", {"code": _code(key, drift=1)}, server)
    assert signed_in.status_code == 302 and signed_in.headers["location"] == "/"
    assert client.get("/").status_code == 200
    failures = server.run_python(
        "print(LoginFailure.objects.filter(username='office').count())"
    ).strip()
    assert failures == "0"  # a completed login forgives the wrong code before it


def test_a_contact_logs_in_with_a_password_alone(server):
    client = server.client("contact_a")
    assert client.get("/").status_code == 200
