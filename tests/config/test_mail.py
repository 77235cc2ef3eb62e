"""Mail settings come from EMAIL_URL or EMAIL_HOST; without them, console or refusal."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.mail import MailSettings, email_settings_from_url
from tests.config.test_settings import PRODUCTION, read_setting


def test_an_email_url_gives_host_port_credentials_and_tls() -> None:
    parsed = email_settings_from_url("smtp+tls://mailer%40example.org:s%3Acret@smtp.example.org")

    assert parsed == MailSettings(
        backend="django.core.mail.backends.smtp.EmailBackend",
        host="smtp.example.org",
        port=587,
        user="mailer@example.org",
        password="s:cret",
        use_tls=True,
        use_ssl=False,
    )


def test_an_email_url_with_implicit_tls_and_its_own_port() -> None:
    parsed = email_settings_from_url("smtps://relay.example.org:2465")
    assert (parsed.port, parsed.use_ssl, parsed.use_tls) == (2465, True, False)


def test_an_unknown_email_url_scheme_is_a_clear_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL scheme must be one of"):
        email_settings_from_url("http://example.org")


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({"DEBUG": "1"}, "django.core.mail.backends.console.EmailBackend"),
        (PRODUCTION, "config.mail.NoMailBackend"),
        (PRODUCTION | {"EMAIL_URL": "smtp://mail.example.org"}, "smtp.EmailBackend"),
        (PRODUCTION | {"EMAIL_HOST": "mail.example.org"}, "smtp.EmailBackend"),
    ],
)
def test_the_mail_backend_follows_the_environment(env, backend) -> None:
    assert backend in read_setting("EMAIL_BACKEND", env=env)
