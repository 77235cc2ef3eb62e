"""Suite-wide fixtures: the database check and the people every test folder uses.

The people (healthchecks' alice, bob and charlie; STYLE.md §14) around the ``campaign``
fixture, which a test module overrides with the campaign it needs:

- ``owner``: the campaign's organiser (it owns the campaign);
- ``teammate``: another organiser, a staff account;
- ``participant``: an annotator enrolled in the campaign;
- ``stranger``: logged in and taking part in ``other_campaign``, not in this one.

``<person>_client`` is a test client logged in as that person.
"""

from __future__ import annotations

import os

import pytest
from django.test import Client

from accounts.models import User
from campaign.models import Campaign
from tests.builders import (
    logged_in,
    make_judgeable_campaign,
    make_organiser,
    make_participant,
    make_user,
)


@pytest.fixture(scope="session", autouse=True)
def _require_postgres_when_asked(django_db_blocker) -> None:
    # The README test command sets CROWDEVAL_REQUIRE_POSTGRES=1 so that a forgotten
    # DATABASE_URL fails loudly instead of quietly testing SQLite.
    if os.environ.get("CROWDEVAL_REQUIRE_POSTGRES") != "1":
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail(f"Tests must run on PostgreSQL, but DATABASE_URL points at {connection.vendor}")


@pytest.fixture
def owner(db) -> User:
    return make_user(username="owner-login", handle="owner-handle-001")


@pytest.fixture
def teammate(db) -> User:
    return make_organiser(username="teammate-login", handle="teammate-handle-001")


@pytest.fixture
def campaign(owner) -> Campaign:
    """An open campaign of three regular comparisons; modules override it with their own."""
    return make_judgeable_campaign(owner=owner)


@pytest.fixture
def other_campaign(db) -> Campaign:
    return make_judgeable_campaign("theirs", regular=2)


@pytest.fixture
def participant(campaign) -> User:
    return make_participant(campaign, handle="brave-otter-042")


@pytest.fixture
def stranger(other_campaign) -> User:
    return make_participant(other_campaign, handle="stranger-001")


@pytest.fixture
def owner_client(owner) -> Client:
    return logged_in(owner)


@pytest.fixture
def teammate_client(teammate) -> Client:
    return logged_in(teammate)


@pytest.fixture
def participant_client(participant) -> Client:
    return logged_in(participant)


@pytest.fixture
def stranger_client(stranger) -> Client:
    return logged_in(stranger)
