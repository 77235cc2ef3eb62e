"""Suite-wide fixtures: the database check and the people every test folder uses.

The people (healthchecks' alice, bob and charlie; STYLE.md §14) around the ``campaign``
fixture, which a test module overrides with the campaign it needs:

- ``owner``: the campaign's organiser (it owns the campaign);
- ``teammate``: another organiser, a staff account;
- ``participant``: an annotator enrolled in the campaign;
- ``stranger``: logged in and taking part in ``other_campaign``, not in this one.

``<person>_client`` is a test client logged in as that person.

The README test command runs everything on PostgreSQL and Redis, then the tests of the demo's
own path (marked ``sqlite``) once more on SQLite.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import global_settings
from django.core.management import call_command
from django.test import Client, override_settings

from accounts.models import User
from campaign.models import Campaign
from tests.builders import (
    logged_in,
    make_judgeable_campaign,
    make_organiser,
    make_participant,
    make_user,
)
from tests.workers import mutant_slot

# The tests that touch what the README's first command (`make demo`, embedded SQLite) runs:
# the item import's SQLite writer, the vote import, the scoring reader's SQLite branch, the
# judgments export's generic encoder (the dashboard's downloads), the demo loader, and the
# annotate engine (assignment's step-by-step pick and judging), which the demo's participants
# use. `make test` runs them a second time with `-m sqlite` on SQLite.
SQLITE_TESTS = (
    "tests/campaign/annotate/test_allocation.py",
    "tests/campaign/test_demo.py",
    "tests/campaign/annotate/test_assignment.py",
    "tests/campaign/annotate/test_judging.py",
    "tests/campaign/imports/test_items.py",
    "tests/campaign/imports/test_votes.py",
    "tests/campaign/imports/test_errors.py",
    "tests/campaign/imports/test_files.py",
    "tests/scoring/test_snapshots.py",
    "tests/scoring/exports/test_judgments.py",
    "tests/campaign/test_rows.py",
)
# PostgreSQL promises, not the demo's: SQLite's bound-parameter limit splits bulk inserts.
POSTGRES_ONLY = ("test_votes.py::test_queries_do_not_grow_with_the_number_of_votes",)
_ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path.relative_to(_ROOT).as_posix()
        if path in SQLITE_TESTS and not item.nodeid.endswith(POSTGRES_ONLY):
            item.add_marker(pytest.mark.sqlite)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    # A mutmut child (`make mutants`) tests on a database of its own slot (tests/workers.py).
    if os.environ.get("MUTANT_UNDER_TEST"):
        from pytest_django.fixtures import _set_suffix_to_test_databases

        _set_suffix_to_test_databases(f"slot{mutant_slot()}")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker) -> None:
    # mutmut reuses the test database from run to run, and a child stopped at its timeout in
    # the middle of a transactional test leaves that test's rows behind: the next run's tests
    # would fail on them and "kill" a mutant that changed nothing. Emptied once the database
    # is set up, so a run whose tests never touch it pays nothing.
    if "MUTANT_UNDER_TEST" in os.environ:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def _require_the_database_asked_for(django_db_blocker) -> None:
    # The README test command sets CROWDEVAL_REQUIRE_POSTGRES=1 (or, for its SQLite pass,
    # CROWDEVAL_REQUIRE_SQLITE=1) so that a forgotten DATABASE_URL fails loudly instead of
    # quietly testing the other database.
    wanted = {
        "postgresql": os.environ.get("CROWDEVAL_REQUIRE_POSTGRES") == "1",
        "sqlite": os.environ.get("CROWDEVAL_REQUIRE_SQLITE") == "1",
    }
    if not any(wanted.values()):
        return
    from django.db import connection

    if not wanted.get(connection.vendor):
        names = " or ".join(vendor for vendor, asked in wanted.items() if asked)
        pytest.fail(f"Tests must run on {names}, but DATABASE_URL points at {connection.vendor}")


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashes() -> Iterator[None]:
    # Every login checks a password: at Django's 1,000,000 PBKDF2 rounds that costs ~0.3 s (a
    # few seconds on a loaded machine) per login, signup and browser session. The tests make
    # new hashes with MD5; the production hashers stay listed, so the provisioned accounts'
    # PBKDF2 hashes still verify. Tests of the production hashing set PASSWORD_HASHERS back
    # (tests/campaign/participants/test_provisioning.py).
    fast = override_settings(
        PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.MD5PasswordHasher",
            *global_settings.PASSWORD_HASHERS,
        ]
    )
    fast.enable()
    yield
    fast.disable()


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
