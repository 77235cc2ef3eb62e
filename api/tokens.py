"""Organiser API tokens: create (shown once), revoke, and find the user behind a token.

A token is ``ce_`` plus 256 random bits (URL-safe base64); only its SHA-256 digest is stored,
so a database leak hands out no working token. Who may hold one is ``organises_any_campaign``'s.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from api.exceptions import ApiTokenError
from api.models import ApiToken
from campaign.organise.access import organises_any_campaign

TOKEN_PREFIX = "ce_"  # noqa: S105 - a marker, not a secret
PREFIX_SHOWN = 10  # characters of the token kept in clear to tell tokens apart
# Recording every use would write a row per request; once a minute tells the organiser enough.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the token itself: in this value only, never stored


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_api_token(*, user: User, name: str = "") -> IssuedToken:
    """A new token for ``user``, who must organise (staff, or the owner of a campaign)."""
    if not organises_any_campaign(user):
        raise ApiTokenError(
            f"{user.username} organises no campaign and is not staff, so cannot hold an API token."
        )
    name = name.strip()
    if len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]
        raise ApiTokenError("A token's name has at most 100 characters.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:PREFIX_SHOWN], digest=digest(secret)
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def revoke_api_token(*, token: ApiToken) -> ApiToken:
    """Revoke ``token`` for good (revoking twice keeps the first time)."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
    return locked


def user_for_token(secret: str) -> User | None:
    """The active user holding this unrevoked token, or None; notes when it was last used."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def tokens_of(user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user))
