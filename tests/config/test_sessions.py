"""The session store (config/sessions.py): database sessions, loaded by a written-out query."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts.models import User
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
