"""The database session store: rows of accounts_session, each loaded with its user's row.

Every request of a signed-in participant loads its session, then its user. Django's store
builds an ORM query for the first (about a tenth of a judge request's CPU, see
bench/judge_cost.py) and its auth middleware a second statement for the other. Here one
written-out statement reads both: the session row names its user in a column (accounts'
Session, filled in whenever the session is saved), and config/auth.py takes the user's row
from the store instead of reading it again, then checks it exactly as Django does. Everything
else (saving, expiry, cycling the key at login, flushing at logout, clearsessions) is
Django's database store.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from accounts.models import Session, User
from campaign.rows import columns_of, fetch_instance

_LOAD_SQL = (
    f"SELECT s.session_data, {columns_of(User, 'u')}"  # noqa: S608 - names only
    f" FROM {Session._meta.db_table} s LEFT JOIN {User._meta.db_table} u ON u.id = s.user_id"
    " WHERE s.session_key = %s AND s.expire_date > %s"
)


class SessionStore(DatabaseStore):
    # The row of the user the session names, as read with it (None: none, or not loaded).
    loaded_user: User | None = None

    @classmethod
    def get_model_class(cls) -> type[Session]:
        return Session

    def load(self) -> dict[str, Any]:
        key = self.session_key  # None when the cookie's value was not a plausible key
        self.loaded_user = None
        found = None
        if key is not None:
            now = connections[DEFAULT_DB_ALIAS].ops.adapt_datetimefield_value(timezone.now())
            found = fetch_instance(User, _LOAD_SQL, [key, now])
        if found is None:  # unknown or expired: as Django's store, start afresh with a new key
            self._session_key = None
            return {}
        user, session = found
        if user.pk is not None:  # a session nobody is signed in to joins no user
            self.loaded_user = user
        data: dict[str, Any] = self.decode(session["session_data"])
        return data

    def create_model_instance(self, data: dict[str, Any]) -> Session:
        session = cast(Session, super().create_model_instance(data))  # get_model_class's
        session.user_id = _user_id(data)
        return session

    async def acreate_model_instance(self, data: dict[str, Any]) -> Session:
        session = cast(Session, await super().acreate_model_instance(data))
        session.user_id = _user_id(data)
        return session


def _user_id(data: dict[str, Any]) -> int | None:
    """The id of the user the session data names (django.contrib.auth's key), if any."""
    named = data.get(SESSION_KEY)
    if named is None:
        return None
    try:
        user_id: int | None = User._meta.pk.to_python(named)
    except ValidationError:
        return None
    return user_id
