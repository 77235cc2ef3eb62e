"""Accounts under attack and under a crowd: login limits, sign-up enumeration, the CSP header.

The login limits count in the cache; shared by all processes only with REDIS_URL (README).
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.test import Client

from accounts.models import User
from tests.builders import PASSWORD, logged_in, make_campaign, make_judgeable_campaign, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
SIGNUP = "/accounts/signup/"
TAKEN = "already registered"


def logs_in(login: str, password: str = PASSWORD) -> bool:
    client = Client()
    client.post(LOGIN, {"login": login, "password": password})
    return "_auth_user_id" in client.session


# --- login limits ---------------------------------------------------------------------------


def test_a_username_and_its_email_share_one_failed_login_limit() -> None:
    make_user(username="alice", email="alice@example.com")
    for login in ["alice", "ALICE", "alice", "alice@example.com", "Alice@Example.com"]:
        assert not logs_in(login, "wrong-password")

    # Five failures on the account, however it was named: the right password waits too.
    assert not logs_in("alice")
    assert not logs_in("alice@example.com")


def test_a_class_behind_one_address_can_all_log_in(settings) -> None:
    # allauth's default of 30 logins a minute per address kept a class waiting for minutes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    hashed = make_password(PASSWORD)
    students = [make_user(username=f"student{n}", password=hashed) for n in range(40)]

    assert all(logs_in(student.username) for student in students)


def test_failed_logins_of_other_accounts_do_not_lock_a_participant_out() -> None:
    make_user(username="alice")
    for n in range(12):  # a class mistyping: more than allauth's old 10 a minute per address
        assert not logs_in(f"someone{n}", "wrong-password")
    assert logs_in("alice")


# --- sign-up ---------------------------------------------------------------------------------


def signup(client: Client, username: str, email: str):
    return client.post(
        SIGNUP,
        {
            "username": username,
            "email": email,
            "password1": "a-long-unusual-passphrase-42",
            "password2": "a-long-unusual-passphrase-42",
        },
    )


@pytest.fixture
def signup_open():
    return make_campaign(allow_signup=True)


@pytest.mark.parametrize("registered", ["Known@Example.com", "known@example.com"])
def test_signup_with_a_registered_email_answers_as_for_a_new_one(signup_open, registered) -> None:
    # An account made in the admin or by provisioning: the e-mail on the user, in any case.
    owner = make_user(username="owner", email=registered)
    fresh, probe = Client(), Client()

    fresh_response = signup(fresh, "newcomer", "nobody-has-this@example.com")
    probe_response = signup(probe, "prober", "known@example.com")

    assert probe_response.status_code == fresh_response.status_code == 302
    assert probe_response["Location"] == fresh_response["Location"]
    assert TAKEN not in probe_response.content.decode()
    # The address stays the owner's alone; the owner hears of the attempt.
    prober = User.objects.get(username="prober")
    assert prober.email == "" and not EmailAddress.objects.filter(user=prober).exists()
    assert User.objects.filter(email__iexact="known@example.com").get() == owner
    assert [message.to for message in mail.outbox] == [["known@example.com"]]


def test_signup_with_an_email_registered_through_signup_is_not_revealed(signup_open) -> None:
    signup(Client(), "first", "twice@example.com")
    response = signup(Client(), "second", "twice@example.com")

    assert response.status_code == 302
    assert User.objects.get(username="second").email == ""
    assert User.objects.get(username="first").email == "twice@example.com"


def test_adding_an_email_another_account_uses_answers_as_for_any_other() -> None:
    owner = make_user(username="owner", email="Known@Example.com")
    client = logged_in(make_user(username="other", email="other@example.com"))

    taken = client.post("/accounts/email/", {"action_add": "", "email": "known@example.com"})
    fresh = client.post("/accounts/email/", {"action_add": "", "email": "fresh@example.com"})

    assert taken.status_code == fresh.status_code == 302
    assert TAKEN not in taken.content.decode()
    # Unverified on the other account: only the mailbox's owner could confirm it.
    assert not EmailAddress.objects.filter(email="known@example.com", verified=True).exists()
    assert User.objects.filter(email__iexact="known@example.com").get() == owner


# --- Content-Security-Policy -----------------------------------------------------------------


def test_every_page_carries_a_content_security_policy(client: Client) -> None:
    policy = client.get("/")["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("style-src-attr")[0]
    )
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


def test_pages_have_no_inline_script_the_policy_would_block(owner) -> None:
    campaign = make_judgeable_campaign("csp", owner=owner)
    client = logged_in(owner)
    for url in ["/", "/c/csp/", "/c/csp/organise/", "/c/csp/leaderboard/", LOGIN]:
        html = client.get(url).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert " src=" in tag or 'type="application/json"' in tag, (url, tag)
    assert campaign.slug == "csp"
