"""Public handles: adjective-animal-number, generated for every account, unique."""

from __future__ import annotations

import re

import pytest

from accounts import models as account_models
from accounts.handles import random_handle
from accounts.models import User, unused_handle

HANDLE = re.compile(r"^[a-z]+-[a-z]+-\d{3}$")

pytestmark = pytest.mark.django_db


def test_a_random_handle_is_adjective_animal_number():
    for _ in range(100):
        assert HANDLE.match(random_handle())


def test_every_new_account_gets_a_handle_that_is_not_its_username():
    user = User.objects.create_user(username="alice", password="x" * 12)
    assert HANDLE.match(user.handle)
    assert user.handle != user.username


def test_handles_of_many_accounts_are_unique():
    users = [User.objects.create_user(username=f"user{index}") for index in range(200)]
    assert len({user.handle for user in users}) == 200


def test_a_taken_handle_is_drawn_again(monkeypatch):
    taken = User.objects.create_user(username="first").handle
    draws = iter([taken, taken, "quiet-otter-001"])
    monkeypatch.setattr(account_models, "random_handle", lambda: next(draws))

    assert unused_handle() == "quiet-otter-001"


def test_the_database_refuses_a_duplicate_handle():
    from django.db import IntegrityError

    User.objects.create_user(username="first", handle="calm-owl-007")
    with pytest.raises(IntegrityError):
        User.objects.create(username="second", handle="calm-owl-007")
