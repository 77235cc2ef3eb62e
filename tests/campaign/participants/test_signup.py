"""Sign-up (only for campaigns that allow it), login by username or e-mail, rate limits, roles."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from accounts.models import User
from accounts.roles import Role, is_organiser
from campaign.models import Campaign, Enrollment
from campaign.participants.enrolment import role_in_campaign
from campaign.participants.signup import SIGNUP_CAMPAIGN_SESSION_KEY
from tests.builders import PASSWORD, make_campaign, make_user

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
LOGIN = "/accounts/login/"


def signup_form(username="newcomer", **extra):
    return {
        "username": username,
        "email": f"{username}@example.com",
        "password1": "a-long-unusual-passphrase-42",
        "password2": "a-long-unusual-passphrase-42",
        **extra,
    }


def test_signup_is_closed_when_no_open_campaign_allows_it(client):
    make_campaign(allow_signup=False)
    make_campaign(allow_signup=True, status=Campaign.Status.CLOSED)

    client.post(SIGNUP, signup_form())

    assert not User.objects.filter(username="newcomer").exists()
    assert "closed" in client.get(SIGNUP).content.decode().lower()


def test_signup_for_a_campaign_that_allows_it_enrols_the_new_account(client):
    campaign = make_campaign(slug="open-contest", allow_signup=True)

    assert client.get(f"{SIGNUP}?campaign=open-contest").status_code == 200
    response = client.post(SIGNUP, signup_form())

    assert response.status_code == 302
    user = User.objects.get(username="newcomer")
    assert Enrollment.objects.filter(campaign=campaign, user=user).exists()
    assert SIGNUP_CAMPAIGN_SESSION_KEY not in client.session


def test_signup_named_through_next_enrols_into_that_campaign(client):
    campaign = make_campaign(slug="open-contest", allow_signup=True)

    client.post(SIGNUP, signup_form(next="/c/open-contest/"))

    user = User.objects.get(username="newcomer")
    assert Enrollment.objects.filter(campaign=campaign, user=user).exists()


def test_signup_naming_a_campaign_without_signup_is_refused(client):
    make_campaign(slug="open-contest", allow_signup=True)
    make_campaign(slug="invite-only", allow_signup=False)

    client.post(SIGNUP, signup_form(campaign="invite-only"))

    assert not User.objects.filter(username="newcomer").exists()


def test_signup_without_a_campaign_creates_an_account_enrolled_nowhere(client):
    make_campaign(allow_signup=True)

    client.post(SIGNUP, signup_form())

    user = User.objects.get(username="newcomer")
    assert not Enrollment.objects.filter(user=user).exists()
    assert user.handle and user.handle != user.username


@pytest.mark.parametrize("login", ["alice", "alice@example.com"])
def test_login_by_username_or_email(login):
    client = Client()
    make_user(username="alice", email="alice@example.com")

    response = client.post(LOGIN, {"login": login, "password": PASSWORD})

    assert response.status_code == 302
    assert client.session.get("_auth_user_id")


def test_logout_ends_the_session(client):
    user = make_user()
    client.force_login(user)

    client.post("/accounts/logout/")

    assert "_auth_user_id" not in client.session


def test_failed_logins_are_rate_limited_even_for_the_right_password_afterwards():
    client = Client()
    make_user(username="alice", email="alice@example.com")
    for _ in range(5):
        client.post(LOGIN, {"login": "alice", "password": "wrong-password"})

    response = client.post(LOGIN, {"login": "alice", "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)


def test_roles_organiser_participant_viewer(owner, teammate, campaign, participant, stranger):

    assert role_in_campaign(user=owner, campaign=campaign) == Role.ORGANISER
    assert role_in_campaign(user=teammate, campaign=campaign) == Role.ORGANISER
    assert role_in_campaign(user=participant, campaign=campaign) == Role.PARTICIPANT
    assert role_in_campaign(user=stranger, campaign=campaign) == Role.VIEWER
    assert role_in_campaign(user=AnonymousUser(), campaign=campaign) == Role.VIEWER
    assert not is_organiser(AnonymousUser(), campaign)


def test_an_ownerless_campaign_has_no_owner_organiser():
    campaign = make_campaign(owner=None)
    assert not is_organiser(make_user(), campaign)
