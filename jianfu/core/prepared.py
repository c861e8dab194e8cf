"""A cursor for the few plain statements every request or every month-end submission runs.

On PostgreSQL, planning such a statement costs the database more than running it (a submission's
first look: about 1 ms to plan, 0.3 ms to run), and Django's cursors bind parameters on the client,
so every execution is planned afresh. This cursor binds them on the server and prepares each
statement once per connection (psycopg keeps the prepared statements, at most 100, the oldest
dropped first); later executions skip the parse and, once PostgreSQL settles on a generic plan,
the planning. Elsewhere (SQLite) it is Django's own cursor.

Only for fixed statements built once per process from the models, with their parameters
converted by the fields (`get_db_prep_value`), never for the ORM's SQL: client-side binding is
Django's default for good reasons (some of its expressions cannot be prepared). A prepared
statement lives on its server connection, so this does not suit a pooler in transaction mode;
the deployment connects to PostgreSQL directly (deploy/).
"""

import functools

from django.db import connections


def cursor(alias: str = "default"):
    """A Django cursor (execute wrappers, errors as Django's) whose statements are prepared."""
    connection = connections[alias]
    if not _preparing(connection):
        return connection.cursor()
    # What connection.cursor() does before it makes a cursor (Django's private API: the class of
    # the cursor is the one thing to change).
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's preparing off for the whole connection; its own cursors bind on
        # the client and never prepare whatever this says, so only this cursor's statements are.
        raw.prepare_threshold = 0
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_prepared_class()(raw))


def begin_with(sql: str, params, alias: str = "default"):
    """Start the transaction with its first statement, BEGIN and the statement in one round trip
    (PostgreSQL, psycopg's pipeline), where psycopg would send BEGIN alone and wait for its answer
    first. Returns the statement's first row (it must return one); None, having run nothing,
    where it cannot (as execute_and_commit, or when a statement already ran in the transaction):
    the caller runs the statement on a cursor of its own.

    psycopg's flag is left in autocommit for the rest of the block, Django's stays off: psycopg
    sends no BEGIN of its own, the statements run in the transaction the explicit BEGIN opened,
    and the block's commit and rollback go through as usual (psycopg's commit() and rollback()
    act on the server's state of the transaction, not on that flag). The block's exit turns
    autocommit back on for both."""
    connection = connections[alias]
    if not _own_transaction(connection):
        return None
    from psycopg import pq

    with cursor(alias) as c:
        raw = connection.connection
        if raw.pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return None
        raw.autocommit = True
        with connection.wrap_database_errors:
            with raw.pipeline():
                raw.execute("BEGIN")
                c.execute(sql, params)
            # The pipeline's one Sync, at its exit, brought both answers back.
            return c.fetchone()


def execute_and_commit(sql: str, params, alias: str = "default") -> bool:
    """Run the transaction's last statement and its COMMIT in one round trip (PostgreSQL, psycopg's
    pipeline): whatever lock that statement's transaction holds is released one round trip after
    the statement is sent, not two. Only when the caller's atomic block is the outermost one, with
    no savepoint (beside at most one block without a savepoint: audit.record's own): the block
    then commits nothing more on exit (psycopg's commit() does nothing on a connection already
    idle) and runs its on_commit hooks as usual. Returns False, having run nothing, anywhere else
    (SQLite, a transaction inside another, a test's transaction): the caller runs the statement and
    its block commits. An error in either statement raises here, as Django's error; the block then
    rolls back (nothing, when the COMMIT itself failed: the database rolled back)."""
    connection = connections[alias]
    if not _own_transaction(connection):
        return False
    raw = connection.connection
    with connection.wrap_database_errors, raw.pipeline():
        with cursor(alias) as c:
            c.execute(sql, params)
        raw.execute("COMMIT")
    return True


def _own_transaction(connection) -> bool:
    return (
        _preparing(connection)
        and connection.in_atomic_block
        and not connection.needs_rollback
        and connection.commit_on_exit
        and _outermost(connection)
    )


def _preparing(connection) -> bool:
    # Django's log of queries (DEBUG, a test counting them) shows each statement with its values,
    # which psycopg does not keep for a prepared one: there, the ordinary cursor and statements.
    return connection.vendor == "postgresql" and not connection.queries_logged


def _outermost(connection) -> bool:
    """The atomic blocks open are one transaction's own: the outermost, plus at most one nested
    block that made no savepoint (Django notes such a block's savepoint as None)."""
    blocks, savepoints = connection.atomic_blocks, connection.savepoint_ids
    return (len(blocks), savepoints) in ((1, []), (2, [None]))


@functools.cache
def _prepared_class():
    # Built on first use: the PostgreSQL backend (psycopg) is imported only where it is used.
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparedCursor
