"""Hand-written: the audit chain becomes keyed (HMAC-SM3) and its table append-only.

1. Entries written before the key (plain SM3) are re-hashed with the key, as far as their plain
   chain holds; a break stays, so `jianfu audit verify` still names it.
2. Triggers refuse UPDATE and DELETE of audit entries, whoever asks (the table owner can still
   disable them: in production the application's role must not own the table, see README).
   On PostgreSQL TRUNCATE is refused too, except to the table's owner (the test suite's flush).
   SQLite has no TRUNCATE; its triggers RAISE(ABORT).
"""

from django.db import migrations

PG_INSTALL = """
CREATE OR REPLACE FUNCTION jianfu_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE FUNCTION jianfu_audit_no_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_user <> (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID) THEN
        RAISE EXCEPTION 'audit entries are append-only: TRUNCATE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION jianfu_audit_append_only();
CREATE TRIGGER core_auditentry_no_truncate BEFORE TRUNCATE ON core_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION jianfu_audit_no_truncate();
"""
PG_REMOVE = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;
DROP FUNCTION IF EXISTS jianfu_audit_append_only();
DROP FUNCTION IF EXISTS jianfu_audit_no_truncate();
"""
SQLITE_INSTALL = [
    "CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE refused'); END",
    "CREATE TRIGGER core_auditentry_no_delete BEFORE DELETE ON core_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: DELETE refused'); END",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update",
    "DROP TRIGGER IF EXISTS core_auditentry_no_delete",
]


def install(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_INSTALL)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_INSTALL:
                cursor.execute(statement)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_REMOVE)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_REMOVE:
                cursor.execute(statement)


def rekey(apps, schema_editor):
    from jianfu.core.audit import rekey_plain_chain

    alias = schema_editor.connection.alias
    entry_model = apps.get_model("core", "AuditEntry")
    head_model = apps.get_model("core", "AuditHead")
    entries = entry_model.objects.using(alias).order_by("seq").iterator(chunk_size=2000)

    def save(entry):
        entry_model.objects.using(alias).filter(seq=entry.seq).update(
            prev_hash=entry.prev_hash, hash=entry.hash
        )
        last[:] = [entry.seq, entry.hash]

    last: list = []
    rekey_plain_chain(entries, save)
    if last:
        head_model.objects.using(alias).filter(id=1, seq=last[0]).update(hash=last[1])


def install_triggers(apps, schema_editor):
    install(schema_editor.connection)


def remove_triggers(apps, schema_editor):
    remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0006_import_job_token")]

    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
