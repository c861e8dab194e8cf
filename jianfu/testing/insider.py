"""What an insider with full database access can do, for the tests that prove the audit chain
catches it: switch the audit table's append-only triggers off, as its owner may."""

import contextlib
import importlib

from django.db import connection

append_only = importlib.import_module("jianfu.core.migrations.0007_audit_append_only")


@contextlib.contextmanager
def triggers_off():
    """Inside: UPDATE and DELETE of audit entries go through (the table owner's power)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER USER")
    else:
        append_only.remove(connection)
        try:
            yield
        finally:
            append_only.install(connection)


def run_as_owner(sql: str, params=()) -> None:
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute(sql, params)
