import datetime as dt
import time

import pytest
from django.urls import reverse

from jianfu.core import clock, services
from jianfu.core.errors import DomainError
from jianfu.core.middleware import LAST_SEEN
from jianfu.core.models import AuditEntry, User
from jianfu.core.security import ComplexityValidator

PASSWORD = "Jianfu@2025"


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Abcdef1!", True),
        ("abcdefg1A", True),
        ("Ab1!", False),  # too short
        ("abcdefgh1", False),  # two classes
        ("ABCDEFGH!", False),  # two classes
        ("office-Pass1", False),  # contains the username
        ("长城长城长城1a", True),  # other scripts count as special characters
    ],
)
def test_password_rules(password, ok):
    user = User(username="office")
    try:
        ComplexityValidator().validate(password, user)
        valid = True
    except Exception:
        valid = False
    assert valid is ok


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.mark.django_db
def test_login_and_logout_are_audited(client):
    response = _login(client, "office", PASSWORD)
    assert response.status_code == 302
    assert AuditEntry.objects.filter(
        code="jianfu.core.login.succeeded", actor_name="office"
    ).exists()
    client.post(reverse("logout"))
    assert AuditEntry.objects.filter(code="jianfu.core.logout", actor_name="office").exists()


@pytest.mark.django_db
def test_login_is_case_insensitive_on_the_name(client):
    assert _login(client, "Office", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_unknown_user_and_wrong_password_get_the_same_answer(client):
    wrong = _login(client, "office", "Wrong-pass1").context["form"].non_field_errors()
    unknown = _login(client, "nobody", "Wrong-pass1").context["form"].non_field_errors()
    assert list(wrong) == list(unknown)
    assert "用户名或密码错误" in wrong[0]


@pytest.mark.django_db
def test_five_failures_lock_the_account_from_that_address(client):
    for _ in range(5):
        _login(client, "office", "Wrong-pass1")
    locked = _login(client, "office", PASSWORD)
    assert locked.status_code == 200
    assert "锁定" in locked.context["form"].non_field_errors()[0]
    # Someone failing from elsewhere cannot lock the office out of its own desk.
    assert _login(client, "office", PASSWORD, ip="10.9.9.9").status_code == 302
    assert AuditEntry.objects.filter(code="jianfu.core.login.locked").exists()


@pytest.mark.django_db
def test_failures_outside_the_window_do_not_count(client):
    start = clock.now()
    for i in range(4):
        with clock.frozen(start + dt.timedelta(minutes=i)):
            _login(client, "office", "Wrong-pass1")
    with clock.frozen(start + dt.timedelta(minutes=20)):
        _login(client, "office", "Wrong-pass1")
        assert _login(client, "office", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_lockout_expires_after_thirty_minutes(client):
    start = clock.now()
    with clock.frozen(start):
        for _ in range(5):
            _login(client, "office", "Wrong-pass1")
    with clock.frozen(start + dt.timedelta(minutes=29)):
        assert _login(client, "office", PASSWORD).status_code == 200
    with clock.frozen(start + dt.timedelta(minutes=31)):
        assert _login(client, "office", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_security_administrator_unlocks(client, login, people):
    for _ in range(5):
        _login(client, "office", "Wrong-pass1")
    login("secadmin").post(reverse("account_unlock", args=[people["office"].pk]))
    client.logout()
    assert _login(client, "office", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_idle_session_ends(login, people):
    client = login("contact_a")
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[LAST_SEEN] = time.time() - 31 * 60
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_office_staff_time_out_sooner_than_contacts(login):
    for username, minutes, expired in [("office", 16, True), ("contact_a", 16, False)]:
        client = login(username)
        client.get(reverse("home"))
        session = client.session
        session[LAST_SEEN] = time.time() - minutes * 60
        session.save()
        assert (client.get(reverse("home")).status_code == 302) is expired


@pytest.mark.django_db
def test_security_headers_and_strict_csp(login):
    response = login("office").get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_json_answers_may_load_nothing_and_be_framed_nowhere(login):
    client = login("office")
    response = client.get("/api/units")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    # The API's documentation is a page, and has the page's policy.
    docs = client.get("/api/docs")
    assert "script-src 'self'" in docs["Content-Security-Policy"]


@pytest.mark.django_db
def test_csrf_is_enforced_on_login_forms():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"username": "office", "password": PASSWORD})
    assert response.status_code == 403


@pytest.mark.django_db
def test_new_account_must_change_its_temporary_password(client, people, units):
    user, temporary = services.account_create(
        by=people["sysadmin"], username="newbie", home_unit=units["TA"]
    )
    assert _login(client, "newbie", temporary).status_code == 302
    assert client.get(reverse("home")).url == reverse("password_change")
    response = client.post(
        reverse("password_change"),
        {"old_password": temporary, "new_password": "Fresh#Pass9", "new_password2": "Fresh#Pass9"},
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_password_change_refuses_weak_and_same(people):
    with pytest.raises(DomainError) as weak:
        services.password_change(
            user=people["office"], old_password=PASSWORD, new_password="password"
        )
    assert weak.value.field == "password"
    with pytest.raises(DomainError):
        services.password_change(
            user=people["office"], old_password=PASSWORD, new_password=PASSWORD
        )


@pytest.mark.django_db
def test_three_administrators_hold_no_other_role(people):
    with pytest.raises(DomainError) as e:
        services.role_grant(by=people["secadmin"], user=people["sysadmin"], role="office")
    assert e.value.code == "separation"
    with pytest.raises(DomainError):
        services.role_grant(by=people["secadmin"], user=people["office"], role="auditor")


@pytest.mark.django_db
def test_runtime_settings_are_changed_by_their_owner_and_audited(login):
    assert (
        login("office")
        .post(reverse("setting_list"), {"key": "security.lockout_threshold", "value": "3"})
        .status_code
        == 403
    )
    response = login("secadmin").post(
        reverse("setting_list"), {"key": "security.lockout_threshold", "value": "3"}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(code="jianfu.core.setting.changed").latest("seq")
    assert entry.changes == {"security.lockout_threshold": [5, 3]}
    bad = login("secadmin").post(
        reverse("setting_list"), {"key": "security.lockout_threshold", "value": "99"}
    )
    assert bad.status_code == 400 and "之间" in bad.content.decode()
