"""Outgoing mail: EMAIL_URL parsing for settings, and the backend of a server without mail.

Accounts need mail only for password resets and e-mail changes. A production server that
was given no mail settings must not answer those pages with a 500 (Django's SMTP default
would connect to localhost:25), nor print reset links into its logs (the console backend),
so it gets `NoMailBackend`, which refuses to send; the account adapter turns the refusal, or
any other sending failure, into a message on the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from smtplib import SMTPException
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# scheme -> (backend, default port, STARTTLS, implicit TLS)
SCHEMES: dict[str, tuple[str, int, bool, bool]] = {
    "smtp": (SMTP_BACKEND, 25, False, False),
    "submission": (SMTP_BACKEND, 587, True, False),
    "smtp+tls": (SMTP_BACKEND, 587, True, False),
    "smtps": (SMTP_BACKEND, 465, False, True),
    "smtp+ssl": (SMTP_BACKEND, 465, False, True),
    "console": ("django.core.mail.backends.console.EmailBackend", 0, False, False),
    "dummy": ("django.core.mail.backends.dummy.EmailBackend", 0, False, False),
}


@dataclass(frozen=True)
class MailSettings:
    backend: str
    host: str
    port: int
    user: str
    password: str
    use_tls: bool
    use_ssl: bool


def email_settings_from_url(url: str) -> MailSettings:
    """The EMAIL_* settings in ``smtp+tls://user:password@host:587`` and the like.

    ``?tls=1`` or ``?ssl=1`` on a plain ``smtp://`` URL asks for STARTTLS or implicit TLS.
    """
    parsed = urlparse(url)
    if parsed.scheme not in SCHEMES:
        known = ", ".join(sorted(SCHEMES))
        raise ImproperlyConfigured(f"EMAIL_URL scheme must be one of {known}, got {url!r}")
    backend, default_port, use_tls, use_ssl = SCHEMES[parsed.scheme]
    query = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    use_tls = use_tls or query.get("tls", "").lower() in {"1", "true", "yes"}
    use_ssl = use_ssl or query.get("ssl", "").lower() in {"1", "true", "yes"}
    if use_tls and use_ssl:
        raise ImproperlyConfigured("EMAIL_URL asks for both STARTTLS and implicit TLS")
    return MailSettings(
        backend=backend,
        host=parsed.hostname or "localhost",
        port=parsed.port or default_port,
        user=unquote(parsed.username or ""),
        password=unquote(parsed.password or ""),
        use_tls=use_tls,
        use_ssl=use_ssl,
    )


class MailNotConfiguredError(SMTPException):
    """This server was given no mail settings (EMAIL_URL or EMAIL_HOST)."""


class NoMailBackend(BaseEmailBackend):
    """Production without mail settings: refuse every message (see the module docstring)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if self.fail_silently or not email_messages:
            return 0
        raise MailNotConfiguredError("no mail settings (set EMAIL_URL or EMAIL_HOST)")
