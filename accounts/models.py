"""The user model; every account carries a public handle shown on leaderboards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models

from accounts.handles import random_handle

LOOKUP_WINDOW = 500  # values per `__in` query when checking a batch for ones already taken


class CrowdevalUserManager(UserManager["User"]):
    def _create_user(
        self, username: str, email: str | None, password: str | None, **extra: Any
    ) -> User:
        extra.setdefault("handle", unused_handle())
        # The hook every create_user/create_superuser goes through; private, so not in the stubs.
        return super()._create_user(username, email, password, **extra)  # type: ignore[misc]


def unused_handle() -> str:
    """A handle not used by any account."""
    while True:
        handle = random_handle()
        if not User.objects.filter(handle=handle).exists():
            return handle


def unused_handles(count: int) -> list[str]:
    """``count`` distinct handles no account uses, for accounts created in bulk."""
    return unused_values(count, random_handle, "handle")


def unused_values(count: int, draw: Callable[[], str], field: str) -> list[str]:
    """``count`` distinct values not yet used in ``User.<field>``: a few bulk queries."""
    chosen: list[str] = []
    seen: set[str] = set()
    while len(chosen) < count:
        candidates: list[str] = []
        while len(candidates) < count - len(chosen):
            value = draw()
            if value not in seen:
                seen.add(value)
                candidates.append(value)
        for start in range(0, len(candidates), LOOKUP_WINDOW):
            window = candidates[start : start + LOOKUP_WINDOW]
            taken = set(
                User.objects.filter(**{f"{field}__in": window}).values_list(field, flat=True)
            )
            chosen.extend(value for value in window if value not in taken)
    return chosen


class User(AbstractUser):
    handle = models.CharField(
        max_length=64,
        unique=True,
        default=random_handle,
        help_text="Public name on leaderboards, generated automatically (e.g. brave-otter-042).",
    )
    is_imported = models.BooleanField(
        default=False,
        help_text="Created by a vote import: cannot log in; only a name for imported judgments.",
    )

    objects: ClassVar[CrowdevalUserManager] = CrowdevalUserManager()

    def __str__(self) -> str:
        return self.handle or self.username


class Session(AbstractBaseSession):
    """A browser session: Django's database session, plus the signed-in user's id in a column.

    The session data names the user too, but only inside its signed payload; the column lets
    the request's first statement read the user's row with the session (config/sessions.py)
    instead of a statement of its own. Deleting a user deletes their sessions.
    """

    # No database constraint: a session saved as its user is deleted must not fail the
    # request (the ORM's cascade still removes the sessions of a user it deletes).
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"

    @classmethod
    def get_session_store_class(cls) -> type[Any]:
        # Only its decode() is used (get_decoded), the same in every database store.
        from django.contrib.sessions.backends.db import SessionStore

        return SessionStore
