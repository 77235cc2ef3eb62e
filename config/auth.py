"""The signed-in user of a request, its read written out.

Every request of a signed-in participant loads its user right after its session
(config.sessions). Django's ModelBackend builds an ORM query for that, which cost more CPU
than running it (bench/judge_cost.py); here the session store's statement has read the row
already (a statement written once, its row through the ORM's converters: campaign.rows), or,
for a session store of another kind, the same statement runs on its own. Every check is
Django's, in Django's order (django.contrib.auth.get_user, 5.2): the backend recorded in the
session must still be configured; the backend decides whether the user may authenticate
(``is_active``); the session's auth hash must match the user's password hash, or one made
with a fallback secret (then the session key is cycled), else the session is flushed. A
backend with a ``get_user`` of its own is asked as Django asks it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoMiddleware
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from accounts.models import User
from campaign.rows import columns_of, fetch_instance

_USER_SQL = (
    f"SELECT {columns_of(User, 'u')} FROM {User._meta.db_table} u"  # noqa: S608 - names only
    f" WHERE u.{User._meta.pk.column} = %s"
)


class AuthenticationMiddleware(DjangoMiddleware):
    """Django's, with ``request.user`` read by ``get_user`` below (``request.auser`` as is)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _cached_user(request))  # type: ignore[assignment]


def _cached_user(request: HttpRequest) -> Any:
    if not hasattr(request, "_cached_user"):  # the attribute Django's middleware uses
        request._cached_user = get_user(request)  # type: ignore[attr-defined]
    return request._cached_user  # type: ignore[attr-defined]


def get_user(request: HttpRequest) -> User | AnonymousUser:
    """As django.contrib.auth.get_user: the session's user, or AnonymousUser."""
    user = None
    try:
        user_id = User._meta.pk.to_python(request.session[SESSION_KEY])
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        pass
    else:
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            user = _backend_user(load_backend(backend_path), user_id, request.session)
            if user is not None and not _session_verified(request, user):
                user = None
    return user or AnonymousUser()


def _backend_user(backend: Any, user_id: Any, session: Any) -> User | None:
    """``backend.get_user(user_id)``, ModelBackend's written out: the row the session store
    read with the session (config/sessions.py), else one read now."""
    if type(backend).get_user is not ModelBackend.get_user:
        user: User | None = backend.get_user(user_id)
        return user
    user = getattr(session, "loaded_user", None)
    if user is None or user.pk != user_id:
        found = fetch_instance(User, _USER_SQL, [user_id])
        if found is None:
            return None
        user = found[0]
    return user if backend.user_can_authenticate(user) else None


def _session_verified(request: HttpRequest, user: User) -> bool:
    """Whether the session was made with the user's current password (else it is flushed)."""
    session_hash = request.session.get(HASH_SESSION_KEY)
    if not session_hash:
        request.session.flush()
        return False
    session_auth_hash = user.get_session_auth_hash()
    if constant_time_compare(session_hash, session_auth_hash):
        return True
    # A session made under a secret now in SECRET_KEY_FALLBACKS: re-signed, as Django does.
    if any(
        constant_time_compare(session_hash, fallback_auth_hash)
        for fallback_auth_hash in user.get_session_auth_fallback_hash()
    ):
        request.session.cycle_key()
        request.session[HASH_SESSION_KEY] = session_auth_hash
        return True
    request.session.flush()
    return False
