"""The request's user (config/auth.py): Django's checks, the user's read written out."""

from __future__ import annotations

import pytest
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.test import Client, override_settings

from accounts.models import Session, User
from config import auth as written_out

pytestmark = pytest.mark.django_db

BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]


class NobodyBackend(ModelBackend):
    """A backend with a get_user of its own: it knows nobody."""

    def get_user(self, user_id):  # type: ignore[no-untyped-def]
        return None


def field_values(user: User) -> dict:
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


@pytest.fixture
def user() -> User:
    return User.objects.create_user(username="reader", password="a long passphrase 1")


def signed_in(user: User, backend: str = BACKENDS[0]) -> Client:
    client = Client()
    client.force_login(user, backend=backend)
    return client


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_user_is_the_one_django_reads_field_for_field(user: User, backend: str) -> None:
    request = signed_in(user, backend).get("/").wsgi_request

    mine, django_s = written_out.get_user(request), auth.get_user(request)

    assert isinstance(mine, User) and mine.pk == user.pk
    assert field_values(mine) == field_values(django_s)  # type: ignore[arg-type]
    assert request.user.pk == user.pk  # what the middleware gave the view


def test_no_session_is_anonymous() -> None:
    assert not Client().get("/").wsgi_request.user.is_authenticated


def test_a_deactivated_user_is_anonymous(user: User) -> None:
    client = signed_in(user)
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert not client.get("/").wsgi_request.user.is_authenticated


def test_a_changed_password_ends_the_session(user: User) -> None:
    client = signed_in(user)
    key = client.session.session_key
    user.set_password("another long passphrase 2")
    user.save()

    assert not client.get("/").wsgi_request.user.is_authenticated
    assert not Session.objects.filter(session_key=key).exists()


def test_a_session_made_under_a_fallback_secret_is_kept_under_a_new_key(user: User) -> None:
    with override_settings(SECRET_KEY="the old secret " * 4):
        client = signed_in(user)
    key = client.session.session_key

    with override_settings(
        SECRET_KEY="the new secret " * 4, SECRET_KEY_FALLBACKS=["the old secret " * 4]
    ):
        request = client.get("/").wsgi_request
        assert request.user.pk == user.pk
    assert request.session.session_key != key


def test_a_session_under_a_retired_secret_is_anonymous(user: User) -> None:
    with override_settings(SECRET_KEY="the old secret " * 4):
        client = signed_in(user)

    with override_settings(SECRET_KEY="the new secret " * 4, SECRET_KEY_FALLBACKS=[]):
        assert not client.get("/").wsgi_request.user.is_authenticated


def test_a_backend_no_longer_configured_signs_nobody_in(user: User) -> None:
    client = signed_in(user)
    session = client.session
    session[BACKEND_SESSION_KEY] = "tests.config.test_auth.NobodyBackend"
    session.save()

    assert not client.get("/").wsgi_request.user.is_authenticated


def test_a_backend_with_its_own_get_user_is_asked(user: User) -> None:
    own = "tests.config.test_auth.NobodyBackend"
    with override_settings(AUTHENTICATION_BACKENDS=[*BACKENDS, own]):
        client = signed_in(user, own)
        assert not client.get("/").wsgi_request.user.is_authenticated
        assert signed_in(user).get("/").wsgi_request.user.pk == user.pk


def test_a_session_row_naming_another_user_does_not_change_who_is_signed_in(user: User) -> None:
    # The signed data decides; the row's column only saves a read when it agrees.
    other = User.objects.create_user(username="other", password="a long passphrase 2")
    client = signed_in(user)
    Session.objects.filter(session_key=client.session.session_key).update(user=other)

    assert client.get("/").wsgi_request.user.pk == user.pk
