"""Sealing personal data (core/crypto.py): SM4-GCM round trip; a tampered value and a value
sealed under another key are refused; nothing of the informant is readable in the database."""

import os

import pytest
from django.db import connection

from jianfu.core import crypto

from .clues_factory import INFORMANT, make_clue


def test_round_trip_keeps_the_object():
    obj = {"name": "王秀英", "phone": "13800001234", "n": [1, 2]}
    assert crypto.unseal(crypto.seal(obj)) == obj


def test_each_seal_differs_for_the_same_object():
    assert crypto.seal({"a": 1}) != crypto.seal({"a": 1})


def test_tampered_ciphertext_is_refused():
    sealed = bytearray(crypto.seal({"name": "王秀英"}))
    sealed[20] ^= 0x01
    with pytest.raises(crypto.SealError):
        crypto.unseal(bytes(sealed))
    with pytest.raises(crypto.SealError):
        crypto.unseal(bytes(sealed[:10]))


def test_wrong_key_is_refused():
    sealed = crypto.seal({"name": "王秀英"}, key=bytes(16))
    with pytest.raises(crypto.SealError):
        crypto.unseal(sealed, key=bytes([1] * 16))
    assert crypto.unseal(sealed, key=bytes(16)) == {"name": "王秀英"}


def test_key_from_the_environment_variable(monkeypatch):
    monkeypatch.setenv(crypto.ENV_KEY, "00112233445566778899aabbccddeeff")
    crypto.forget_key()
    try:
        assert crypto.master_key() == bytes.fromhex("00112233445566778899aabbccddeeff")
        sealed = crypto.seal({"x": 1})
        monkeypatch.setenv(crypto.ENV_KEY, "ff112233445566778899aabbccddeeff")
        crypto.forget_key()
        with pytest.raises(crypto.SealError):
            crypto.unseal(sealed)
    finally:
        monkeypatch.delenv(crypto.ENV_KEY)
        crypto.forget_key()


def test_key_file_named_by_the_environment(monkeypatch, tmp_path):
    path = tmp_path / "k"
    path.write_text("aa" * 16 + "\n")
    monkeypatch.setenv(crypto.ENV_KEY_FILE, str(path))
    crypto.forget_key()
    try:
        assert crypto.master_key() == bytes([0xAA] * 16)
    finally:
        monkeypatch.delenv(crypto.ENV_KEY_FILE)
        crypto.forget_key()


def test_development_key_file_is_private():
    crypto.forget_key()
    crypto.master_key()
    path = crypto.default_key_file()
    assert path.exists()
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_malformed_key_is_refused(monkeypatch):
    monkeypatch.setenv(crypto.ENV_KEY, "not-hex")
    crypto.forget_key()
    try:
        with pytest.raises(crypto.KeyConfigError):
            crypto.master_key()
    finally:
        monkeypatch.delenv(crypto.ENV_KEY)
        crypto.forget_key()


@pytest.mark.django_db
def test_nothing_of_the_informant_is_readable_in_the_database(units):
    clue = make_clue(units["TA"], informant=INFORMANT, real_name=True)
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM accountability_clue WHERE id = %s", [clue.pk])
        row = cur.fetchone()
        cur.execute("SELECT changes, extra FROM core_auditentry ORDER BY seq DESC LIMIT 1")
        audit_row = cur.fetchone()
    dump = repr(row).encode() + b"".join(bytes(v) for v in row if isinstance(v, bytes | memoryview))
    for value in INFORMANT.values():
        assert value.encode() not in dump
        assert value not in repr(row)
        assert value not in repr(audit_row)


def test_check_warns_when_the_key_file_lives_beside_the_database(settings):
    from jianfu.core.checks import check_seal_key

    settings.DEBUG = False
    settings.TESTING = False
    warnings = check_seal_key(None)
    assert [w.id for w in warnings] == ["jianfu.W010"]
    settings.TESTING = True
    assert check_seal_key(None) == []
