"""Personal data at rest and on screen (等保 8.1.4.8, 8.1.4.11; 密评 8.4 e): an account's phone
number is SM4-encrypted in its column, masked in every list and in the audit log, shown whole only
on the account's own page to whoever may see accounts, and a changed key gives a clear notice
rather than a server error."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import FieldError
from django.db import connection
from django.urls import reverse

from jianfu.core import crypto, fields, services
from jianfu.core.masking import mask_id_number, mask_phone
from jianfu.core.models import AuditEntry, User
from jianfu.monitoring.models import SamplePoint

PHONE = "13812345678"
MASKED = "138****5678"


def raw_phone(user) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM core_user WHERE id = %s", [user.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def reporter(people):
    user = people["reporter"]
    user.phone = PHONE
    user.save(update_fields=["phone"])
    return user


def test_masks_hide_the_middle_and_never_show_a_short_number_whole():
    assert mask_phone(PHONE) == MASKED
    assert mask_phone("010-12345678") == "010*****5678"
    assert mask_id_number("110101199001011234") == "1101**********1234"
    assert mask_phone("1234") == "****"
    assert mask_phone("") == ""


def test_the_column_holds_no_plaintext_and_the_code_reads_the_number(reporter):
    stored = raw_phone(reporter)
    assert stored.startswith("sm4:")
    assert PHONE not in stored and "5678" not in stored
    assert User.objects.get(pk=reporter.pk).phone == PHONE
    # A fresh nonce each time: equal numbers do not look equal in the column.
    reporter.save(update_fields=["phone"])
    assert raw_phone(reporter) != stored


def test_an_account_created_through_the_service_is_stored_encrypted(people, units):
    user, _ = services.account_create(
        by=people["sysadmin"], username="newbie", home_unit=units["TA"], phone=PHONE
    )
    assert PHONE not in raw_phone(user)
    entry = AuditEntry.objects.filter(code="jianfu.core.account.created").latest("seq")
    assert PHONE not in str(entry.changes) and MASKED in str(entry.changes)


def test_lookups_by_value_are_refused_not_silently_empty(reporter):
    with pytest.raises(FieldError):
        list(User.objects.filter(phone=PHONE))
    with pytest.raises(FieldError):
        list(User.objects.filter(phone__startswith="138"))
    assert User.objects.filter(pk=reporter.pk).exclude(phone="").exists()


@pytest.mark.parametrize(
    "who, url",
    [
        ("office", lambda: reverse("point_detail", args=[SamplePoint.objects.get().pk])),
        ("office", lambda: reverse("completeness")),
    ],
)
def test_lists_show_only_the_mask(login, reporter, who, url):
    body = login(who).get(url()).content.decode()
    assert MASKED in body
    assert PHONE not in body


def test_the_contact_list_shows_only_the_mask(login, people, reporter, units):
    from jianfu.supervision.reporting.models import ReportingContact

    ReportingContact.objects.create(unit=units["TA0101"], user=reporter, since="2025-01-01")
    body = login("office").get(reverse("reporting_contact_list")).content.decode()
    assert MASKED in body and PHONE not in body


def test_the_accounts_own_page_shows_it_whole_and_the_edit_page_round_trips(login, reporter):
    client = login("sysadmin")
    assert PHONE in client.get(reverse("account_detail", args=[reporter.pk])).content.decode()
    page = client.get(reverse("account_edit", args=[reporter.pk])).content.decode()
    assert f'value="{PHONE}"' in page
    answer = client.post(
        reverse("account_edit", args=[reporter.pk]),
        {
            "username": "reporter",
            "full_name": "填报员",
            "phone": "13900001111",
            "unit_code": "TA0101",
        },
    )
    assert answer.status_code == 302
    assert User.objects.get(pk=reporter.pk).phone == "13900001111"
    assert "13900001111" not in raw_phone(reporter)
    entry = AuditEntry.objects.filter(code="jianfu.core.account.updated").latest("seq")
    assert entry.changes["phone"] == [MASKED, "139****1111"]


def test_a_changed_key_gives_a_clear_notice_not_a_server_error(login, reporter, monkeypatch):
    stored = raw_phone(reporter)
    monkeypatch.setenv(crypto.ENV_KEY, "ff" * 16)
    crypto.forget_key()
    try:
        client = login("sysadmin")
        detail = client.get(reverse("account_detail", args=[reporter.pk]))
        assert detail.status_code == 200
        assert "无法解密" in detail.content.decode()
        assert "JIANFU_SM4_KEY" in detail.content.decode()
        edit = client.get(reverse("account_edit", args=[reporter.pk]))
        assert edit.status_code == 200 and "无法解密" in edit.content.decode()
        assert 'value="［' not in edit.content.decode()
        # Saving the form with the phone left blank keeps the ciphertext for the right key.
        client.post(
            reverse("account_edit", args=[reporter.pk]),
            {"username": "reporter", "full_name": "改名", "phone": "", "unit_code": "TA0101"},
        )
        assert raw_phone(reporter) == stored
        assert login("office").get(reverse("completeness")).status_code == 200
    finally:
        monkeypatch.delenv(crypto.ENV_KEY)
        crypto.forget_key()
    reporter.refresh_from_db()
    assert reporter.phone == PHONE and reporter.full_name == "改名"


def test_the_data_migration_seals_plaintext_left_by_earlier_versions(reporter):
    migration = importlib.import_module("jianfu.core.migrations.0009_privacy_seal_account_phones")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_user SET phone = %s WHERE id = %s", [PHONE, reporter.pk])
    assert User.objects.get(pk=reporter.pk).phone == PHONE  # plaintext still reads
    migration.seal_phones(django_apps, None)
    assert raw_phone(reporter).startswith(fields.PREFIX)
    assert User.objects.get(pk=reporter.pk).phone == PHONE

    class Editor:
        quote_name = staticmethod(connection.ops.quote_name)

    Editor.connection = connection
    migration.open_phones(django_apps, Editor())
    assert raw_phone(reporter) == PHONE
