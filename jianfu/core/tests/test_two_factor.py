"""The second factor of login: enrolment before anything else, a code after the password, recovery
codes, lockout on wrong codes, the security administrator's reset, and the roles the setting
names (by default the office and the three administrators)."""

import time

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from jianfu.core import runtime, services, two_factor
from jianfu.core.models import AuditEntry, LoginFailure, RuntimeSetting

PASSWORD = "Jianfu@2025"


@pytest.fixture
def enforced(db):
    """A fresh install: the setting at its default (the test city turns it off)."""
    RuntimeSetting.objects.filter(key="security.two_factor_roles").delete()
    runtime.invalidate()


def code(device, step=0) -> str:
    # step=1: the next 30-second code (a code once accepted is never accepted again).
    return f"{totp(device.bin_key, step=device.step, drift=step):06d}"


def enrol(user) -> TOTPDevice:
    device = two_factor.enrolment_device(user)
    assert two_factor.enrol_confirm(user=user, device=device, code=code(device)) is not None
    device.refresh_from_db()
    return device


def password_step(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_default_asks_the_office_and_the_three_administrators():
    default = runtime.DEFINITIONS["security.two_factor_roles"].default
    assert runtime.role_list(default) == {"office", "sysadmin", "secadmin", "auditor"}


def test_office_must_enrol_before_anything_else(client, enforced):
    answer = password_step(client, "office")
    assert answer.status_code == 302 and answer.url == reverse("login_enrol")
    # Not signed in yet: the home page sends to login.
    assert client.get(reverse("home")).url.startswith(reverse("login"))

    page = client.get(reverse("login_enrol"))
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.content.decode()
    device = TOTPDevice.objects.get(user__username="office", confirmed=False)
    assert page.context["secret"].replace(" ", "") in device.config_url

    wrong = client.post(reverse("login_enrol"), {"code": "000000"}, REMOTE_ADDR="10.0.0.1")
    assert "验证码不正确" in wrong.content.decode()
    assert LoginFailure.objects.filter(username="office").count() == 1

    time.sleep(1.1)  # django-otp's own throttle after a wrong code
    done = client.post(reverse("login_enrol"), {"code": code(device)}, REMOTE_ADDR="10.0.0.1")
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(reverse("home")).status_code == 200
    assert AuditEntry.objects.filter(
        code="jianfu.core.two_factor.enrolled", actor_name="office"
    ).exists()
    # The codes are kept only as digests.
    assert not StaticToken.objects.filter(token__in=[c.replace("-", "") for c in codes]).exists()


def test_an_enrolled_account_gives_a_code_after_its_password(client, people, enforced):
    device = enrol(people["office"])
    answer = password_step(client, "office")
    assert answer.url == reverse("login_verify")
    assert client.get(reverse("home")).status_code == 302
    done = client.post(reverse("login_verify"), {"code": code(device, step=1)})
    assert done.status_code == 302 and done.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert AuditEntry.objects.filter(
        code="jianfu.core.login.succeeded", actor_name="office"
    ).exists()


def test_an_enrolled_account_is_asked_even_when_its_role_is_not_named(client, people):
    # The test city asks no role; an account that set up an authenticator still uses it.
    device = enrol(people["contact_a"])
    assert password_step(client, "contact_a").url == reverse("login_verify")
    assert client.post(reverse("login_verify"), {"code": code(device, 1)}).status_code == 302


def test_roles_not_named_log_in_with_a_password(client, enforced):
    answer = password_step(client, "contact_a")
    assert answer.status_code == 302 and answer.url == reverse("home")


def test_a_recovery_code_works_once_and_its_use_is_audited(client, people, enforced):
    user = people["office"]
    device = two_factor.enrolment_device(user)
    codes = two_factor.enrol_confirm(user=user, device=device, code=code(device))
    password_step(client, "office")
    assert client.post(reverse("login_verify"), {"code": codes[0].upper()}).status_code == 302
    entry = AuditEntry.objects.get(code="jianfu.core.two_factor.recovery_used")
    assert entry.extra == {"codes_left": 9}
    client.post(reverse("logout"))
    password_step(client, "office")
    again = client.post(reverse("login_verify"), {"code": codes[0]})
    assert again.status_code == 200 and "验证码不正确" in again.content.decode()


def test_wrong_codes_lock_the_account_as_wrong_passwords_do(client, people, enforced):
    device = enrol(people["office"])
    password_step(client, "office")
    for _ in range(4):
        client.post(reverse("login_verify"), {"code": "123456"}, REMOTE_ADDR="10.0.0.1")
    locked = client.post(
        reverse("login_verify"), {"code": "123456"}, REMOTE_ADDR="10.0.0.1", follow=True
    )
    assert locked.redirect_chain[-1][0] == reverse("login")
    assert "锁定" in locked.content.decode()
    # The pending login is gone, and the password step is locked too.
    assert client.get(reverse("login_verify")).url == reverse("login")
    refused = password_step(client, "office")
    assert refused.status_code == 200 and "锁定" in refused.context["form"].non_field_errors()[0]
    assert client.get(reverse("home")).status_code == 302
    assert device.pk  # the authenticator itself is untouched


def test_a_pending_login_expires(client, enforced):
    password_step(client, "office")
    session = client.session
    session[two_factor.PENDING]["at"] = time.time() - two_factor.PENDING_SECONDS - 1
    session.save()
    answer = client.get(reverse("login_enrol"))
    assert answer.url == reverse("login")


def test_security_administrator_resets_a_lost_phone(client, login, people, enforced):
    enrol(people["office"])
    page = login("secadmin").get(reverse("account_detail", args=[people["office"].pk]))
    assert "重置双因素认证" in page.content.decode()
    answer = client.post(reverse("account_two_factor_reset", args=[people["office"].pk]))
    assert answer.status_code == 302
    assert not two_factor.is_enrolled(people["office"])
    assert AuditEntry.objects.filter(
        code="jianfu.core.two_factor.reset", actor_name="secadmin"
    ).exists()
    client.post(reverse("logout"))
    assert password_step(client, "office").url == reverse("login_enrol")


def test_only_the_security_administrator_resets(login, people):
    enrol(people["office"])
    answer = login("sysadmin").post(reverse("account_two_factor_reset", args=[people["office"].pk]))
    assert answer.status_code == 403
    assert two_factor.is_enrolled(people["office"])


def test_new_recovery_codes_replace_the_old(login, people):
    device = enrol(people["office"])
    client = login("office")
    assert "剩余恢复码 10 个" in client.get(reverse("two_factor")).content.decode()
    wrong = client.post(reverse("two_factor"), {"code": "000000"})
    assert "验证码不正确" in wrong.content.decode()
    time.sleep(1.1)  # django-otp's own throttle after a wrong code
    fresh = client.post(reverse("two_factor"), {"code": code(device, step=1)})
    assert len(fresh.context["codes"]) == 10
    assert AuditEntry.objects.filter(code="jianfu.core.two_factor.recovery_regenerated").exists()
    assert two_factor.recovery_codes_left(people["office"]) == 10


def test_the_setting_refuses_unknown_roles(people):
    from jianfu.core.errors import DomainError

    with pytest.raises(DomainError) as e:
        services.setting_update(
            by=people["secadmin"], key="security.two_factor_roles", value="office,boss"
        )
    assert "boss" in str(e.value.message)
    services.setting_update(
        by=people["secadmin"], key="security.two_factor_roles", value="office, leader"
    )
    assert two_factor.required_for(people["leader"])


def test_api_tokens_need_no_second_factor(client, people, units, enforced):
    _token, secret = services.token_issue(
        by=people["secadmin"], name="甲县OA", unit=units["TA"], scopes=["core.unit:view"]
    )
    answer = client.get("/api/units", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200
