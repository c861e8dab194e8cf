"""The session store: Django's database sessions (same table, same signed encoding), read and
updated with one plain statement each.

Every request of a signed-in account reads its session, so at the month-end burst the ORM building
the query cost three times what running it did; and an update needs no transaction of its own
(one UPDATE is atomic), which spares two round trips (BEGIN, COMMIT) on PostgreSQL.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import connections, router
from django.utils import timezone

from . import prepared


class SessionStore(db.SessionStore):
    def load(self):
        connection = connections[router.db_for_read(self.model)]
        expire = self.model._meta.get_field("expire_date")
        with prepared.cursor(connection.alias) as cursor:
            cursor.execute(
                f"SELECT session_data FROM {self.model._meta.db_table}"  # noqa: S608
                " WHERE session_key = %s AND expire_date > %s",
                [self.session_key, expire.get_db_prep_value(timezone.now(), connection)],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])

    def save(self, must_create=False):
        if self.session_key is None or must_create:
            return super().save(must_create=must_create)
        data = self.encode(self._get_session(no_load=False))
        connection = connections[router.db_for_write(self.model)]
        expire = self.model._meta.get_field("expire_date")
        with prepared.cursor(connection.alias) as cursor:
            cursor.execute(
                f"UPDATE {self.model._meta.db_table}"  # noqa: S608
                " SET session_data = %s, expire_date = %s WHERE session_key = %s",
                [
                    data,
                    expire.get_db_prep_value(self.get_expiry_date(), connection),
                    self.session_key,
                ],
            )
            if cursor.rowcount != 1:
                raise UpdateError  # deleted meanwhile (a logout elsewhere): as Django's store
