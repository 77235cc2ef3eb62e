"""The session store (config/sessions.py): database sessions, loaded with their user's row by
one written-out query."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Session, User
from config.auth import get_user
from config.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_saved_session_loads_back_with_its_data() -> None:
    store = SessionStore()
    store["answer"] = 42
    store.save()
    again = SessionStore(store.session_key)
    assert again["answer"] == 42
    assert again.session_key == store.session_key


def test_an_expired_session_loads_empty_and_gets_a_new_key_when_saved() -> None:
    store = SessionStore()
    store["answer"] = 42
    store.save()
    old_key = store.session_key
    Session.objects.filter(session_key=old_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    again = SessionStore(old_key)
    assert again.get("answer") is None
    again["fresh"] = True
    again.save()
    assert again.session_key != old_key


@pytest.mark.parametrize("cookie", ["no-such-session-key-0123456789abcd", "short", "x' OR '1'='1"])
def test_an_unknown_or_malformed_key_loads_an_empty_session(cookie: str) -> None:
    store = SessionStore(cookie)
    assert store.load() == {}
    assert store.session_key is None


def test_a_signed_in_user_stays_signed_in_across_requests_and_out_after_logout() -> None:
    user = User.objects.create_user(username="sessioned", password="a long passphrase 1")
    client = Client()
    client.force_login(user)
    assert client.get("/").wsgi_request.user == user
    client.logout()
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_a_signed_in_session_names_its_user_and_loads_the_user_s_row_with_it() -> None:
    user = User.objects.create_user(username="named", password="a long passphrase 1")
    client = Client()
    client.force_login(user)
    key = client.session.session_key
    assert Session.objects.get(session_key=key).user_id == user.pk

    request = RequestFactory().get("/")
    request.session = SessionStore(key)
    with CaptureQueriesContext(connection) as captured:
        signed_in = get_user(request)
    assert len(captured) == 1  # the session and its user, one statement
    assert signed_in.pk == user.pk and signed_in.password == user.password


def test_a_session_nobody_is_signed_in_to_names_no_user() -> None:
    store = SessionStore()
    store["answer"] = 42
    store.save()
    assert Session.objects.get(session_key=store.session_key).user_id is None
    again = SessionStore(store.session_key)
    assert again["answer"] == 42 and again.loaded_user is None


def test_deleting_a_user_deletes_their_sessions() -> None:
    user = User.objects.create_user(username="leaving", password="a long passphrase 1")
    client = Client()
    client.force_login(user)
    user.delete()
    assert not Session.objects.exists()
    assert not client.get("/").wsgi_request.user.is_authenticated


@pytest.mark.django_db(transaction=True)
def test_the_move_to_accounts_session_keeps_signed_in_people_signed_in() -> None:
    # Migration accounts 0002 copies django_session's live rows with the user their signed
    # data names; an anonymous session is copied without one, an expired one not at all.
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore as DjangoStore
    from django.db.migrations.executor import MigrationExecutor

    MigrationExecutor(connection).migrate([("accounts", "0001_initial")])
    try:
        user = User.objects.create_user(username="signed-in", password="pw-1234-long")
        signed_in = DjangoStore()
        signed_in[SESSION_KEY] = str(user.pk)
        signed_in[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        signed_in[HASH_SESSION_KEY] = user.get_session_auth_hash()
        signed_in.create()
        anonymous = DjangoStore()
        anonymous["seen"] = True
        anonymous.create()
        expired = DjangoStore()
        expired[SESSION_KEY] = str(user.pk)
        expired.set_expiry(-1)
        expired.create()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    copied = dict(Session.objects.values_list("session_key", "user_id"))
    assert copied == {signed_in.session_key: user.pk, anonymous.session_key: None}
    request = RequestFactory().get("/")
    request.session = SessionStore(signed_in.session_key)
    assert get_user(request) == user
