"""Credential stuffing: one address failing on many login names is blocked, whichever names
exist; another address is not; the block ends by itself."""

import datetime as dt

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.core.models import AddressBlock, AuditEntry

PASSWORD = "Jianfu@2025"
NAMES = [
    "office",
    "leader",
    "discipline",
    "contact_a",
    "contact_b",
    "reporter",
    "auditor",
    *[f"nobody{i}" for i in range(8)],
]


def _login(client, username, password, ip="10.1.1.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _errors(response) -> str:
    return " ".join(response.context["form"].non_field_errors())


@pytest.mark.django_db
def test_one_wrong_password_on_fifteen_accounts_blocks_the_address(client):
    assert len(NAMES) == 15
    answers = [_login(client, name, "Wrong-pass1") for name in NAMES]
    assert "用户名或密码错误" in _errors(answers[0])
    assert "本地址登录失败次数过多" in _errors(answers[-1])
    # The right password from that address is refused too, with the same words for a name that
    # exists and one that does not.
    refused = _login(client, "office", PASSWORD)
    assert refused.status_code == 200
    assert _errors(refused) == _errors(_login(client, "no-such-person", PASSWORD))
    assert AuditEntry.objects.filter(
        code="jianfu.core.login.address_blocked", actor_name="10.1.1.1"
    ).exists()
    # Another address is not blocked.
    assert _login(client, "office", PASSWORD, ip="10.2.2.2").status_code == 302


@pytest.mark.django_db
def test_the_threshold_counts_names_not_failures(client):
    # One person mistyping their own password is the lockout's business, not the address's.
    for _ in range(4):
        _login(client, "contact_a", "Wrong-pass1")
    for name in NAMES[:8]:
        if name != "contact_a":
            _login(client, name, "Wrong-pass1")
    assert not AddressBlock.objects.exists()  # 8 names < 10
    assert _login(client, "contact_b", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_block_ends_after_its_minutes(client):
    start = clock.now()
    with clock.frozen(start):
        for name in NAMES[:10]:
            _login(client, name, "Wrong-pass1")
        assert AddressBlock.objects.filter(ip="10.1.1.1").exists()
    with clock.frozen(start + dt.timedelta(minutes=29)):
        assert _login(client, "office", PASSWORD).status_code == 200
    with clock.frozen(start + dt.timedelta(minutes=31)):
        assert _login(client, "office", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_security_administrator_tunes_the_throttle(login, client, people):
    admin = login("secadmin")
    admin.post(reverse("setting_list"), {"key": "security.address_threshold", "value": "3"})
    admin.post(reverse("logout"))
    for name in NAMES[:3]:
        _login(client, name, "Wrong-pass1")
    assert AddressBlock.objects.filter(ip="10.1.1.1").exists()
