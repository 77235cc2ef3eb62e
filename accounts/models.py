"""The user model; every account carries a public handle shown on leaderboards."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from accounts.handles import random_handle


class CrowdevalUserManager(UserManager["User"]):
    def _create_user(self, username: str, email: str | None, password: str | None, **extra: Any):
        extra.setdefault("handle", unused_handle())
        return super()._create_user(username, email, password, **extra)


def unused_handle(taken: set[str] | None = None) -> str:
    """A handle not used by any account (nor in ``taken``, for batches not yet saved)."""
    taken = taken or set()
    while True:
        handle = random_handle()
        if handle not in taken and not User.objects.filter(handle=handle).exists():
            return handle


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

    objects = CrowdevalUserManager()

    def __str__(self) -> str:
        return self.handle or self.username
