"""The database session store, its load written out.

Every request of a signed-in participant loads its session first. Django's store builds an ORM
query for that (about a tenth of a judge request's CPU, see bench/judge_cost.py); this one
runs the same statement, written once, and keeps everything else (saving, expiry, cycling the
key at login, clearsessions) as Django does it. Sessions stay rows of django_session.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseStore):
    def load(self) -> dict[str, Any]:
        key = self.session_key  # None when the cookie's value was not a plausible key
        row = None
        if key is not None:
            model = self.model
            connection = connections[router.db_for_read(model)]
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT session_data FROM {model._meta.db_table}"  # noqa: S608 - a name
                    " WHERE session_key = %s AND expire_date > %s",
                    [key, now],
                )
                row = cursor.fetchone()
        if row is None:  # unknown or expired: as Django's store, start afresh with a new key
            self._session_key = None
            return {}
        data: dict[str, Any] = self.decode(row[0])
        return data
