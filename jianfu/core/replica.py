"""Reads of read-only pages from a PostgreSQL replica (DATABASE_REPLICA_URL).

Opt-in, per view: a page marked with `@replica_reads` answers a GET or HEAD from the "replica"
alias. Everything else stays on the primary, because a replica lags and refuses writes:
- every write (db_for_write), and every read inside a transaction — a service reads what it is
  about to change, and audit.record reads the chain head it links to;
- accounts, roles, sessions, tokens, lockouts, runtime settings and the audit chain, whatever the
  page: a role revoked or a session ended a moment ago must count at once;
- pages not marked — most GETs write something (an audited read, a burden return's timer, the
  idle timeout's session) or read what the same person just wrote.
Without DATABASE_REPLICA_URL neither the router nor this middleware is installed.
"""

import contextvars
from collections.abc import Callable

from django.db import connections

REPLICA = "replica"
_reading = contextvars.ContextVar("jianfu_replica_reads", default=False)

# (app label, model name) read from the primary on every page.
PRIMARY_ONLY = {
    ("core", "user"),
    ("core", "rolegrant"),
    ("core", "apitoken"),
    ("core", "loginfailure"),
    ("core", "lockout"),
    ("core", "runtimesetting"),
    ("core", "auditentry"),
    ("core", "audithead"),
    ("core", "scheduledjob"),
    ("core", "importjob"),
}
PRIMARY_ONLY_APPS = {"sessions", "auth", "contenttypes", "django_tasks_db"}


def replica_reads(view: Callable) -> Callable:
    """Mark a view whose GET writes nothing and may show data a second old."""
    view.replica_reads = True
    return view


class ReplicaReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _reading.set(False)
        try:
            return self.get_response(request)
        finally:
            _reading.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in ("GET", "HEAD") and getattr(view_func, "replica_reads", False):
            _reading.set(True)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _reading.get():
            return "default"
        meta = model._meta
        if meta.app_label in PRIMARY_ONLY_APPS or (meta.app_label, meta.model_name) in (
            PRIMARY_ONLY
        ):
            return "default"
        if connections["default"].in_atomic_block:
            return "default"
        return REPLICA

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: objects from either may refer to each other.
        return True

    def allow_migrate(self, db, app_label, **hints):
        # The replica follows the primary's schema by replication, never by migrate.
        return db == "default"
