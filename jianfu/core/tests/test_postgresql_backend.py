"""The health check of a persistent PostgreSQL connection (core/postgresql): no round trip on a
healthy connection, and a connection the server ended is replaced before the request uses it."""

import os
import select
import time

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from jianfu.testing.live import _admin

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a server that ends connections: PostgreSQL only"
)


def _wait_until_told(raw, timeout: float = 5.0) -> None:
    """Until the server's goodbye has reached the connection's socket."""
    poll = select.poll()
    poll.register(raw.fileno(), select.POLLIN)
    deadline = time.monotonic() + timeout
    while not poll.poll(50):
        assert time.monotonic() < deadline, "the server never closed the connection"


def _last_statement(pid: int) -> str:
    with _admin(os.environ["DATABASE_URL"]) as admin:
        row = admin.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
    return row[0]


@pytest.fixture
def own_connection(db):
    """A connection of its own to the test database, outside the test's transaction (idle in
    autocommit, as a web worker's is between requests), without flushing the database after."""
    own = connections.create_connection(DEFAULT_DB_ALIAS)
    yield own
    own.close()


def test_a_healthy_idle_connection_is_checked_without_asking_the_server(own_connection):
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT 42 AS marker")
    pid = own_connection.connection.info.backend_pid
    own_connection.health_check_done = False
    own_connection.close_if_health_check_failed()
    assert own_connection.connection is not None  # kept
    # The server saw no statement since: Django's own check would have sent SELECT 1.
    assert _last_statement(pid) == "SELECT 42 AS marker"


def test_a_connection_the_server_ended_is_replaced_before_it_is_used(own_connection):
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    raw = own_connection.connection
    old_pid = raw.info.backend_pid
    with _admin(os.environ["DATABASE_URL"]) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [old_pid])
    _wait_until_told(raw)
    own_connection.health_check_done = False
    own_connection.close_if_health_check_failed()
    assert own_connection.connection is None  # closed, not handed to the next statement
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != old_pid


def test_the_server_answers_after_the_database_ended_its_connections(granian_server):
    """A restart of PostgreSQL, or an administrator ending the application's sessions, costs the
    user nothing: the next page is served on a new connection, not a 500."""
    client = granian_server.client("office")
    assert client.get("/").status_code == 200
    name = granian_server.database_url.rpartition("/")[2]
    with _admin(granian_server.database_url) as admin:
        ended = admin.execute(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()) t",
            [name],
        ).fetchone()[0]
    assert ended >= 1  # the server's persistent connection was among them
    time.sleep(0.2)  # the goodbye reaches the server's socket
    for _ in range(3):  # whichever worker process answers
        assert client.get("/").status_code == 200


def test_the_health_check_says_503_while_the_database_refuses_and_200_once_it_is_back(
    granian_server,
):
    """What a load balancer or a monitor asks, without signing in: the process answers either
    way, and tells the database's state in the status code."""
    assert granian_server.client().get("/healthz").json() == {"status": "ok"}
    name = granian_server.database_url.rpartition("/")[2]
    with _admin(granian_server.database_url) as admin:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        try:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            time.sleep(0.2)  # the goodbye reaches the server's socket
            down = granian_server.client().get("/healthz")
            assert down.status_code == 503 and down.json() == {"status": "unavailable"}
        finally:
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    assert granian_server.client().get("/healthz").status_code == 200
