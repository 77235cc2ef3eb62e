"""Suite-wide fixtures. The README test command runs everything on PostgreSQL and Redis."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _require_postgres_when_asked(django_db_blocker) -> None:
    # The README test command sets CROWDEVAL_REQUIRE_POSTGRES=1 so that a forgotten
    # DATABASE_URL fails loudly instead of quietly testing SQLite.
    if os.environ.get("CROWDEVAL_REQUIRE_POSTGRES") != "1":
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail(f"Tests must run on PostgreSQL, but DATABASE_URL points at {connection.vendor}")
