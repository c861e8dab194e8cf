"""Stale and expired accounts: the nightly run disables an account unused for the setting's days
and one past its validity end date, with the reason audited, and never the last active security
administrator. An account past its end date cannot log in even before the nightly run."""

import datetime as dt

import pytest
from django.urls import reverse

from jianfu.core import clock, scheduler
from jianfu.core.account_expiry import disable_stale_accounts
from jianfu.core.models import AuditEntry, User

PASSWORD = "Jianfu@2025"


@pytest.fixture
def everyone_recent(db):
    User.objects.update(last_login=clock.now() - dt.timedelta(days=1))


def _days_ago(n: int) -> dt.datetime:
    return clock.now() - dt.timedelta(days=n)


def test_the_nightly_run_is_registered():
    assert any(job.name == "accounts.expire" for job in scheduler.JOBS)


def test_an_account_unused_for_ninety_days_is_disabled(everyone_recent):
    User.objects.filter(username="leader").update(last_login=_days_ago(91))
    User.objects.filter(username="discipline").update(last_login=_days_ago(89))
    disabled = disable_stale_accounts()
    assert [u.username for u in disabled] == ["leader"]
    assert not User.objects.get(username="leader").is_active
    assert User.objects.get(username="discipline").is_active
    entry = AuditEntry.objects.get(code="jianfu.core.account.deactivated")
    assert entry.actor_name == "system" and entry.extra["reason"] == "stale"
    assert disable_stale_accounts() == []  # twice: nothing more


def test_an_account_never_used_counts_from_its_creation(everyone_recent):
    User.objects.filter(username="leader").update(last_login=None, date_joined=_days_ago(100))
    User.objects.filter(username="reporter").update(last_login=None, date_joined=_days_ago(10))
    assert [u.username for u in disable_stale_accounts()] == ["leader"]


def test_an_account_past_its_end_date_cannot_log_in_and_is_disabled(client, everyone_recent):
    User.objects.filter(username="contact_b").update(
        valid_until=clock.today() - dt.timedelta(days=1)
    )
    answer = client.post(reverse("login"), {"username": "contact_b", "password": PASSWORD})
    assert answer.status_code == 200 and "用户名或密码错误" in answer.content.decode()
    disable_stale_accounts()
    assert not User.objects.get(username="contact_b").is_active
    assert AuditEntry.objects.get(code="jianfu.core.account.deactivated").extra["reason"] == (
        "expired"
    )


def test_an_end_date_today_still_logs_in(client, everyone_recent):
    User.objects.filter(username="contact_b").update(valid_until=clock.today())
    answer = client.post(reverse("login"), {"username": "contact_b", "password": PASSWORD})
    assert answer.status_code == 302
    assert disable_stale_accounts() == []


def test_a_session_ends_when_its_account_expires(login, everyone_recent):
    client = login("contact_b")
    assert client.get(reverse("home")).status_code == 200
    User.objects.filter(username="contact_b").update(
        valid_until=clock.today() - dt.timedelta(days=1)
    )
    assert client.get(reverse("home")).status_code == 302


def test_the_last_security_administrator_is_never_disabled(everyone_recent):
    User.objects.filter(username="secadmin").update(last_login=_days_ago(400))
    assert disable_stale_accounts() == []
    assert User.objects.get(username="secadmin").is_active


def test_a_second_security_administrator_may_go(everyone_recent, people, units):
    from jianfu.core.models import RoleGrant

    spare = User.objects.create(username="secadmin2", home_unit=units["T"])
    RoleGrant.objects.create(user=spare, role="secadmin")
    User.objects.filter(username__in=["secadmin", "secadmin2"]).update(last_login=_days_ago(400))
    disabled = disable_stale_accounts()
    assert len(disabled) == 1 and disabled[0].username in {"secadmin", "secadmin2"}
    assert User.objects.filter(role_grants__role="secadmin", is_active=True).count() == 1


def test_the_sysadmin_sets_an_end_date_on_the_account_page(login, people):
    pk = people["contact_a"].pk
    end = clock.today() + dt.timedelta(days=30)
    answer = login("sysadmin").post(
        reverse("account_edit", args=[pk]),
        {"full_name": "甲", "phone": "", "unit_code": "TA", "valid_until": end.isoformat()},
    )
    assert answer.status_code == 302
    assert User.objects.get(pk=pk).valid_until == end
    entry = AuditEntry.objects.get(code="jianfu.core.account.updated")
    assert entry.changes["valid_until"] == [None, end.isoformat()]
