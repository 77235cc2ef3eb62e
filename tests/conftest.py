"""Suite-wide fixtures. The README test command runs everything on PostgreSQL and Redis, then
the tests of the demo's own path (marked ``sqlite``) once more on SQLite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The tests that touch what the README's first command (`make demo`, embedded SQLite) runs:
# the item import's SQLite writer, the vote import, the scoring reader's SQLite branch and
# the demo loader. `make test` runs them a second time with `-m sqlite` on SQLite.
SQLITE_TESTS = (
    "tests/campaign/test_demo.py",
    "tests/campaign/imports/test_items.py",
    "tests/campaign/imports/test_votes.py",
    "tests/campaign/imports/test_errors.py",
    "tests/scoring_jobs/test_snapshots.py",
)
# PostgreSQL promises, not the demo's: SQLite's bound-parameter limit splits bulk inserts.
POSTGRES_ONLY = ("test_votes.py::test_queries_do_not_grow_with_the_number_of_votes",)
_ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path.relative_to(_ROOT).as_posix()
        if path in SQLITE_TESTS and not item.nodeid.endswith(POSTGRES_ONLY):
            item.add_marker(pytest.mark.sqlite)


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
