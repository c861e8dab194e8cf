"""The session store and the account backend read and write with plain statements: they must keep
Django's behaviour (expiry, a session deleted elsewhere, inactive accounts, aware datetimes)."""

import datetime as dt
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jianfu.core.middleware import LAST_SEEN, ROLES
from jianfu.core.models import User
from jianfu.core.security import AccountBackend
from jianfu.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_session_is_read_back_until_it_expires():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    assert SessionStore(store.session_key)["answer"] == 42
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.get("answer") is None and expired.session_key is None


def test_a_session_is_updated_in_place():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    store["answer"] = 43
    store.save()
    assert Session.objects.count() == 1
    assert SessionStore(store.session_key)["answer"] == 43


def test_a_session_deleted_elsewhere_is_not_written_back():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    Session.objects.all().delete()
    store["answer"] = 43
    with pytest.raises(UpdateError):
        store.save()
    assert not Session.objects.exists()


def test_the_account_is_read_as_the_orm_reads_it(people):
    user = people["office"]
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now())
    expected = User.objects.get(pk=user.pk)
    found = AccountBackend().get_user(user.pk)
    assert found == expected and not found._state.adding
    for field in User._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert timezone.is_aware(found.password_changed_at)


def test_an_inactive_or_missing_account_is_not_signed_in(people):
    user = people["office"]
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert AccountBackend().get_user(user.pk) is None
    assert AccountBackend().get_user(10**9) is None


def test_login_keeps_the_roles_and_the_time_so_the_next_request_writes_no_session(client, people):
    client.force_login(people["contact_a"])
    session = client.session
    assert session[ROLES][1] == sorted(people["contact_a"].role_codes)
    assert time.time() - session[LAST_SEEN] < 60
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert client.session[SESSION_KEY] == str(people["contact_a"].pk)
