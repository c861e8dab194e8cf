"""Django's PostgreSQL backend whose health check asks the connection's socket, not the server.

Django checks a persistent connection at the start of every request (CONN_HEALTH_CHECKS) by
sending `SELECT 1`: a round trip on every request, the month-end burst's included, which on a
warm connection is as costly as the request's own reads. A server that ends a connection — a
restart, an administrator's pg_terminate_backend, an idle timeout — says so on the socket
(its goodbye message, then end of file), and an idle connection otherwise receives nothing
unasked. So an idle connection whose socket has nothing to read is usable; anything else is
asked the usual way, which fails on a closed connection and makes Django open a new one.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        raw = self.connection
        if raw is None or raw.closed or raw.broken:
            return False
        if raw.pgconn.transaction_status == pq.TransactionStatus.IDLE:
            try:
                poll = select.poll()
                poll.register(raw.fileno(), select.POLLIN)
                waiting = poll.poll(0)
            except (OSError, ValueError):
                return False
            if not waiting:
                return True
        # Something arrived unasked (most likely the server's goodbye), or a transaction is
        # open: Django's own check, one round trip.
        return super().is_usable()
