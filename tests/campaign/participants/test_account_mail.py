"""Account pages that send mail answer with a message, never a 500, when mail fails."""

from __future__ import annotations

import socket

import pytest
from django.core import mail
from django.test import Client
from django.utils.html import escape

from campaign.participants.signup import MAIL_FAILED_MESSAGE
from tests.builders import make_user

pytestmark = pytest.mark.django_db

PASSWORD_RESET = "/accounts/password/reset/"
EMAIL = "/accounts/email/"


@pytest.fixture
def smtp_down(settings):
    """The SMTP backend aimed at a local port nobody listens on (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed, 2


@pytest.fixture
def no_mail_settings(settings):
    settings.EMAIL_BACKEND = "config.mail.NoMailBackend"  # production without EMAIL_URL


@pytest.mark.parametrize("outage", ["smtp_down", "no_mail_settings"])
def test_password_reset_says_the_mail_could_not_be_sent(client: Client, outage, request) -> None:
    request.getfixturevalue(outage)
    make_user(email="forgetful@example.com")

    response = client.post(PASSWORD_RESET, {"email": "forgetful@example.com"}, follow=True)

    assert response.status_code == 200
    assert escape(MAIL_FAILED_MESSAGE) in response.content.decode()


@pytest.mark.parametrize("outage", ["smtp_down", "no_mail_settings"])
def test_adding_an_email_says_the_mail_could_not_be_sent(client: Client, outage, request) -> None:
    request.getfixturevalue(outage)
    client.force_login(make_user())

    response = client.post(EMAIL, {"action_add": "", "email": "second@example.com"}, follow=True)

    assert response.status_code == 200
    assert escape(MAIL_FAILED_MESSAGE) in response.content.decode()


def test_password_reset_sends_the_mail_when_mail_works(client: Client) -> None:
    make_user(email="forgetful@example.com")

    response = client.post(PASSWORD_RESET, {"email": "forgetful@example.com"}, follow=True)

    assert response.status_code == 200
    assert escape(MAIL_FAILED_MESSAGE) not in response.content.decode()
    assert [message.to for message in mail.outbox] == [["forgetful@example.com"]]
