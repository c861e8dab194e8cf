"""Passwords: common ones refused through their disguises, no reuse of the last five, and a
password past its age forces a change at login."""

import datetime as dt

import pytest
from django.urls import reverse

from jianfu.core import clock, services
from jianfu.core.errors import DomainError
from jianfu.core.models import PasswordHistory, User
from jianfu.core.passwords import CommonPasswordValidator

PASSWORD = "Jianfu@2025"


@pytest.mark.parametrize(
    "password",
    [
        "Passw0rd!",  # password
        "P@ssw0rd1",
        "Qwerty123!",
        "Admin@123",
        "Woaini1314!",  # pinyin favourites
        "Zhongguo#88",
        "Jianfu@2026",  # the platform's own name
        "!!Iloveyou99",
        "Dragon2024!",  # Django's list
    ],
)
def test_common_passwords_are_refused_through_their_disguises(password):
    with pytest.raises(Exception) as e:
        CommonPasswordValidator().validate(password)
    assert "常见" in str(e.value)


@pytest.mark.parametrize("password", ["Fresh#Pass9", "Tr0ub4dor&3", "Xk9#mQ2v!", "长城脚下7a"])
def test_uncommon_passwords_pass(password):
    CommonPasswordValidator().validate(password)


def _change(user, old, new):
    services.password_change(user=user, old_password=old, new_password=new)
    user.refresh_from_db()


@pytest.mark.django_db
def test_a_common_password_is_refused_on_the_page(login):
    response = login("contact_a").post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password": "Passw0rd!", "new_password2": "Passw0rd!"},
    )
    assert response.status_code == 200
    assert "密码过于常见" in response.content.decode()


@pytest.mark.django_db
def test_a_to_b_to_a_is_refused(people):
    user = people["contact_a"]
    _change(user, PASSWORD, "Acorn#Tree70")
    _change(user, "Acorn#Tree70", "Bamboo#Tree71")
    with pytest.raises(DomainError) as e:
        _change(user, "Bamboo#Tree71", "Acorn#Tree70")
    assert str(e.value.message) == "不能使用最近 5 次用过的密码。"


@pytest.mark.django_db
def test_the_sixth_password_back_may_be_used_again(people):
    user = people["contact_a"]
    chain = [PASSWORD, "Acorn#Tree70", "Bamboo#Tree71", "Cedar#Tree72", "Daisy#Tree73"]
    chain.append("Ebony#Tree74")
    for old, new in zip(chain, chain[1:], strict=False):
        _change(user, old, new)
    # In use: Ebony; remembered: Daisy, Cedar, Bamboo, Acorn — Acorn is one of the last five.
    with pytest.raises(DomainError):
        _change(user, "Ebony#Tree74", "Acorn#Tree70")
    _change(user, "Ebony#Tree74", "Fig#Tree75")
    _change(user, "Fig#Tree75", "Acorn#Tree70")  # now six back: allowed
    assert user.check_password("Acorn#Tree70")
    assert PasswordHistory.objects.filter(user=user).count() == 4


@pytest.mark.django_db
def test_a_reset_password_joins_the_history(people):
    user = people["contact_a"]
    services.account_reset_password(by=people["sysadmin"], user=user)
    assert PasswordHistory.objects.filter(user=user).count() == 1
    assert user.check_password(PASSWORD) is False


@pytest.mark.django_db
def test_an_old_password_forces_a_change_at_login(client, people):
    User.objects.filter(username="contact_a").update(
        password_changed_at=clock.now() - dt.timedelta(days=181)
    )
    answer = client.post(reverse("login"), {"username": "contact_a", "password": PASSWORD})
    assert answer.status_code == 302
    assert client.get(reverse("home")).url == reverse("password_change")
    assert client.get("/api/units").status_code == 403
    client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password": "Fresh#Pass9", "new_password2": "Fresh#Pass9"},
    )
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_a_password_within_its_age_asks_nothing(client):
    User.objects.filter(username="contact_a").update(
        password_changed_at=clock.now() - dt.timedelta(days=179)
    )
    client.post(reverse("login"), {"username": "contact_a", "password": PASSWORD})
    assert client.get(reverse("home")).status_code == 200
