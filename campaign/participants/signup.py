"""allauth glue: sign-up is open only for campaigns that allow it, and enrols the new account.

A sign-up names its campaign with ``?campaign=SLUG`` (on the page or the form) or through
``?next=/c/SLUG/…``; the slug is remembered in the session because allauth's form posts to a
bare URL. Without a campaign, sign-up is open while any open campaign allows it, and the new
account joins a campaign later from that campaign's page.

The campaign rules themselves live in campaign.participants.enrolment; this adapter only
applies them. It also keeps a mail failure (no mail settings in production, an SMTP server
down) from failing the page that sends it: a password reset or an added e-mail then says
the mail could not be sent.

Accounts (the rules in accounts.lookup). Sign-up never says whether an e-mail is registered
(allauth's "strict" enumeration prevention lets the form through): a sign-up with an address
some account already uses, in any letter case, still creates its account, but without that
address, and the address's owner is told by mail. So addresses stay unique without a
"taken" answer to probe. (Adding an address to an account is allauth's own flow: a taken
one is added unverified and answered like any other.) Failed logins count per account, not
per typed text, so a username and its e-mail share one limit.
"""

from __future__ import annotations

import logging
from smtplib import SMTPException
from typing import Any
from urllib.parse import urlparse

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib import messages
from django.http import HttpRequest
from django.urls import Resolver404, resolve

from accounts.lookup import account_for_login, email_registered
from accounts.models import unused_handle
from campaign.models import Campaign
from campaign.participants.enrolment import campaigns_open_for_signup, enroll

logger = logging.getLogger(__name__)

SIGNUP_CAMPAIGN_SESSION_KEY = "crowdeval_signup_campaign"
# Set on the request when a sign-up named an address some account already uses.
REGISTERED_EMAIL_ATTRIBUTE = "crowdeval_registered_email"
MAIL_FAILED_MESSAGE = (
    "The e-mail could not be sent: this server cannot send mail right now. "
    "Ask the campaign's organiser for help."
)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        campaigns = campaigns_open_for_signup()
        slug = signup_campaign_slug(request)
        if slug is not None:
            campaigns = campaigns.filter(slug=slug)
        return campaigns.exists()

    def new_user(self, request: HttpRequest) -> Any:
        user = super().new_user(request)
        # The field default draws a handle without looking at the table; make sure it is free.
        user.handle = unused_handle()
        return user

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        try:
            super().send_mail(template_prefix, email, context)
        except (SMTPException, OSError):  # OSError: connection refused, DNS, timeout
            logger.exception("Could not send the %s mail", template_prefix)
            request = allauth_context.request
            if request is not None:
                messages.error(request, MAIL_FAILED_MESSAGE)

    def validate_unique_email(self, email: str) -> str:
        email = super().validate_unique_email(email)
        request = allauth_context.request
        user = getattr(request, "user", None)
        if request is None or (user is not None and user.is_authenticated):
            return email  # not a sign-up
        if not email_registered(email):
            return email
        # Sign-up: the account is made without the address (see the module docstring).
        setattr(request, REGISTERED_EMAIL_ATTRIBUTE, email)
        return ""

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth's key for the per-key part of the failed-login limit (a private hook, pinned
        # by tests/campaign/participants/test_signup.py): the account, whatever was typed.
        typed = credentials.get("email", credentials.get("username", ""))
        account = account_for_login(str(typed))
        if account is None:
            return super()._get_login_attempts_cache_key(request, **credentials)
        return f"account:{account.pk}"

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=commit)
        registered = getattr(request, REGISTERED_EMAIL_ATTRIBUTE, "")
        if registered:
            self.send_account_already_exists_mail(registered)  # tell the address's owner
        if commit:
            campaign = signup_campaign(request)
            if campaign is not None:
                enroll(user=user, campaign=campaign)
            if hasattr(request, "session"):
                request.session.pop(SIGNUP_CAMPAIGN_SESSION_KEY, None)
        return user


def signup_campaign(request: HttpRequest) -> Campaign | None:
    """The open, sign-up-allowing campaign this sign-up is for, if it names one."""
    slug = signup_campaign_slug(request)
    if slug is None:
        return None
    return campaigns_open_for_signup().filter(slug=slug).first()


def signup_campaign_slug(request: HttpRequest) -> str | None:
    slug = request.POST.get("campaign") or request.GET.get("campaign")
    if not slug:
        slug = _slug_from_next(request.POST.get("next") or request.GET.get("next") or "")
    session = getattr(request, "session", None)
    if slug:
        if session is not None:
            session[SIGNUP_CAMPAIGN_SESSION_KEY] = slug
        return slug
    if session is not None:
        return session.get(SIGNUP_CAMPAIGN_SESSION_KEY)
    return None


def _slug_from_next(next_url: str) -> str | None:
    path = urlparse(next_url).path
    if not path.startswith("/"):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    slug = match.kwargs.get("slug")
    return slug if isinstance(slug, str) else None
