"""People: accounts, organisers, enrolled participants, and clients logged in as them."""

from __future__ import annotations

import functools
import itertools
from typing import Any

from django.contrib.auth.hashers import make_password
from django.test import Client

from accounts.models import User
from campaign.models import Campaign, Enrollment

PASSWORD = "correct-horse-battery-staple"


@functools.cache
def password_hash() -> str:
    """PASSWORD hashed once for every account the tests make, with the tests' fast hasher
    (tests/conftest.py), which must be in place first: hence made on first use, not on import."""
    return make_password(PASSWORD)


_sequence = itertools.count(1)


def make_user(**fields: Any) -> User:
    """An account; its handle is a random adjective-animal-number unless ``fields`` give one."""
    number = next(_sequence)
    fields.setdefault("username", f"user{number}")
    fields.setdefault("email", f"user{number}@example.com")
    fields.setdefault("password", password_hash())
    return User.objects.create(**fields)


def make_organiser(**fields: Any) -> User:
    """Staff: an organiser of every campaign."""
    return make_user(is_staff=True, **fields)


def make_participant(campaign: Campaign, **fields: Any) -> User:
    """An account enrolled in ``campaign``.

    Its handle is "test-participant-NNN" unless ``fields`` give one: a random one could hold
    a word the page tests look for ("gold", a contender's name).
    """
    fields.setdefault("handle", f"test-participant-{next(_sequence):03d}")
    user = make_user(**fields)
    Enrollment.objects.create(campaign=campaign, user=user)
    return user


def make_participants(campaign: Campaign, n: int) -> list[User]:
    return [make_participant(campaign) for _ in range(n)]


def logged_in(user: User, **client_options: Any) -> Client:
    client = Client(**client_options)
    client.force_login(user)
    return client
