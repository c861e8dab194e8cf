"""The audit chain against an insider who can write the database (and the var directory) but
holds neither the audit key nor the checkpoint directory."""

import hashlib
import hmac
import os
import stat

import pytest
from django.db import DatabaseError, connection, transaction

from jianfu.core import audit, audit_key, services
from jianfu.core.models import AuditEntry, AuditHead
from jianfu.testing.insider import append_only, run_as_owner, triggers_off


@pytest.fixture
def heads_elsewhere(settings, tmp_path):
    """The checkpoint directory outside VAR_DIR, as production has it."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit-heads"
    return settings.AUDIT_CHECKPOINT_DIR


def _writes(people, units, n):
    for i in range(n):
        services.unit_update(by=people["sysadmin"], unit=units["TA01"], name=f"甲一镇{i}")
    return list(AuditEntry.objects.order_by("seq"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditentry SET actor_name = 'someone-else' WHERE seq = %s",
        "DELETE FROM core_auditentry WHERE seq = %s",
    ],
)
def test_the_database_refuses_update_and_delete_of_audit_entries(people, units, sql):
    entry = _writes(people, units, 2)[0]
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(sql, [entry.seq])
    assert AuditEntry.objects.get(seq=entry.seq).actor_name == "sysadmin"
    # New entries still go in.
    _writes(people, units, 1)
    assert audit.verify() is None


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="TRUNCATE and roles exist on PostgreSQL only"
)
def test_on_postgresql_a_role_other_than_the_owner_cannot_truncate_or_rewrite(people, units):
    _writes(people, units, 1)
    role = f"jianfu_app_probe_{os.getpid()}"
    with connection.cursor() as cur:
        # Even a role granted every privilege on the table (a misconfigured install) is refused.
        cur.execute(f"CREATE ROLE {role}")
        cur.execute(f"GRANT ALL ON core_auditentry TO {role}")
        cur.execute(f"SET ROLE {role}")
        try:
            for sql in (
                "TRUNCATE core_auditentry",
                "UPDATE core_auditentry SET code = 'x'",
                "DELETE FROM core_auditentry",
            ):
                with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                    cur.execute(sql)
        finally:
            cur.execute("RESET ROLE")
    assert AuditEntry.objects.count() >= 1


@pytest.mark.django_db
@pytest.mark.parametrize("recompute", ["plain SM3", "a wrong key"])
def test_verify_names_the_altered_entry_though_every_later_hash_was_recomputed(
    people, units, recompute
):
    entries = _writes(people, units, 6)
    k = entries[2].seq
    wrong_key = bytes(range(32))

    def rehash(entry):
        if recompute == "plain SM3":
            return hashlib.new("sm3", audit._payload(entry)).hexdigest()
        return hmac.new(wrong_key, audit._payload(entry), "sm3").hexdigest()

    with triggers_off(), connection.cursor() as cur:
        prev = None
        for entry in entries:
            if entry.seq == k:
                entry.actor_name = "someone-else"
            if entry.seq >= k:
                entry.prev_hash = prev
                entry.hash = rehash(entry)
                cur.execute(
                    "UPDATE core_auditentry SET actor_name = %s, prev_hash = %s, hash = %s "
                    "WHERE seq = %s",
                    [entry.actor_name, entry.prev_hash, entry.hash, entry.seq],
                )
            prev = entry.hash
        cur.execute("UPDATE core_audithead SET hash = %s WHERE id = 1", [prev])
    finding = audit.verify()
    assert finding is not None and finding.seq == k
    assert "篡改" in finding.problem


@pytest.mark.django_db
def test_removing_the_newest_entries_the_head_and_var_checkpoint_is_still_caught(
    people, units, settings, heads_elsewhere
):
    entries = _writes(people, units, 5)
    seq, _digest = audit.write_checkpoint()
    assert audit.checkpoint_path().parent == heads_elsewhere
    keep = entries[2]
    # The insider removes the two newest entries, rewinds the head to the last kept entry, and
    # removes whatever checkpoint file sits in the var directory beside the database.
    run_as_owner("DELETE FROM core_auditentry WHERE seq > %s", [keep.seq])
    AuditHead.objects.filter(id=1).update(seq=keep.seq, hash=keep.hash)
    for path in (settings.VAR_DIR / "audit").glob("*"):
        path.unlink()
    finding = audit.verify()
    assert finding is not None and finding.seq == keep.seq + 1
    assert str(seq) in finding.problem


@pytest.mark.django_db
def test_a_checkpoint_line_forged_without_the_key_is_caught(people, units, heads_elsewhere):
    _writes(people, units, 2)
    audit.write_checkpoint()
    with audit.checkpoint_path().open("a") as f:
        f.write(f"2026-12-01T00:00:00+08:00 restore 1 {'0' * 64} {'f' * 64}\n")
    finding = audit.verify()
    assert finding is not None and "签名不符" in finding.problem


@pytest.mark.django_db
def test_a_restore_mark_lets_the_chain_continue_from_an_older_head(people, units, heads_elsewhere):
    entries = _writes(people, units, 4)
    audit.write_checkpoint()  # head 4, then the chain is rolled back to 2 (a restore)
    run_as_owner("DELETE FROM core_auditentry WHERE seq > %s", [entries[1].seq])
    AuditHead.objects.filter(id=1).update(seq=entries[1].seq, hash=entries[1].hash)
    assert audit.verify() is not None
    audit.write_restore_mark()
    _writes(people, units, 3)
    audit.write_checkpoint()
    assert audit.verify() is None


@pytest.mark.django_db
def test_entries_of_the_unkeyed_chain_are_rekeyed_by_the_migration_up_to_a_break(people, units):
    entries = _writes(people, units, 5)

    def make_plain(broken_at=None):
        prev = audit.GENESIS
        with triggers_off(), connection.cursor() as cur:
            for entry in entries:
                entry.prev_hash = prev
                entry.hash = hashlib.new("sm3", audit._payload(entry)).hexdigest()
                name = "altered" if entry.seq == broken_at else entry.actor_name
                cur.execute(
                    "UPDATE core_auditentry SET prev_hash = %s, hash = %s, actor_name = %s "
                    "WHERE seq = %s",
                    [entry.prev_hash, entry.hash, name, entry.seq],
                )
                prev = entry.hash
        AuditHead.objects.filter(id=1).update(hash=prev)

    from django.apps import apps

    class Editor:
        connection = connection

    make_plain()
    assert audit.verify() is not None  # plain SM3 no longer passes
    with triggers_off():
        append_only.rekey(apps, Editor)
    assert audit.verify() is None

    make_plain(broken_at=entries[3].seq)
    with triggers_off():
        append_only.rekey(apps, Editor)
    finding = audit.verify()
    assert finding is not None and finding.seq == entries[3].seq


def test_a_demo_key_is_made_once_readable_by_its_owner_only(settings, tmp_path, monkeypatch):
    monkeypatch.delenv(audit_key.ENV_KEY, raising=False)
    monkeypatch.delenv(audit_key.ENV_KEY_FILE, raising=False)
    settings.VAR_DIR = tmp_path
    audit_key.forget_key()
    try:
        first = audit_key.master_key()
        path = tmp_path / "keys" / "audit.key"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        audit_key.forget_key()
        assert audit_key.master_key() == first
        monkeypatch.setenv(audit_key.ENV_KEY, "ab" * 16)
        audit_key.forget_key()
        assert audit_key.master_key() == bytes.fromhex("ab" * 16)
    finally:
        audit_key.forget_key()


def test_deploy_check_warns_when_key_or_checkpoints_sit_beside_the_database(
    settings, tmp_path, monkeypatch
):
    from jianfu.core.checks import check_audit_places

    monkeypatch.delenv(audit_key.ENV_KEY, raising=False)
    monkeypatch.delenv(audit_key.ENV_KEY_FILE, raising=False)
    settings.DEBUG = False
    settings.TESTING = False
    settings.SYSLOG_ADDRESS = ""
    settings.AUDIT_CHECKPOINT_DIR = settings.VAR_DIR / "audit"
    ids = [w.id for w in check_audit_places(None)]
    assert ids == ["jianfu.W011", "jianfu.W012", "jianfu.W013"]
    monkeypatch.setenv(audit_key.ENV_KEY_FILE, str(tmp_path / "etc" / "audit.key"))
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "heads"
    settings.SYSLOG_ADDRESS = "/dev/log"
    assert check_audit_places(None) == []
