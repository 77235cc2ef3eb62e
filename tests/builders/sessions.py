"""Database sessions beside the test's own, for the rules about row locks (PostgreSQL only)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection


@contextlib.contextmanager
def other_session() -> Iterator[Any]:
    """A second session on the test database, as another request in flight would hold.

    Its statements run in one transaction, so the row locks they take are held until exit,
    where it is rolled back. It sees only committed rows: use it in
    ``django_db(transaction=True)`` tests.
    """
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        yield raw
    finally:
        raw.rollback()
        raw.close()


def waits_for_the_writer(other: Any, statement: str, params: object = ()) -> None:
    """``statement`` in session ``other`` waits for a lock the test's writer holds (given up
    after a second); that session then starts afresh."""
    other.execute("SET lock_timeout = '1s'")
    with pytest.raises(psycopg.errors.LockNotAvailable):
        other.execute(statement, params)
    other.rollback()


def goes_past_the_writer(other: Any, statement: str, params: object = ()) -> None:
    """``statement`` in session ``other`` runs at once beside the test's writer (a wait of
    a second would fail it); that session then starts afresh."""
    other.execute("SET lock_timeout = '1s'")
    other.execute(statement, params)
    other.rollback()


@contextlib.contextmanager
def waits_fail(seconds: int = 10) -> Iterator[None]:
    """A lock wait of this test's session becomes an error after ``seconds``: a rule that
    says "never waits for that lock" then fails instead of hanging the suite."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{int(seconds)}s'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


def wait_until_waiting_for_a_lock(
    backend_pid: int, timeout: float = 10, *, advisory_key: int | None = None
) -> None:
    """Wait until session ``backend_pid`` waits for a lock: with ``advisory_key``, that
    advisory lock (a key below 2**32) and no other."""
    if advisory_key is None:
        query = "SELECT 1 FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'"
        params: list[int] = [backend_pid]
    else:
        query = (
            "SELECT 1 FROM pg_locks WHERE pid = %s AND locktype = 'advisory' AND NOT granted"
            " AND classid = 0 AND objid = %s"
        )
        params = [backend_pid, advisory_key]
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(query, params)
            if cursor.fetchone():
                return
            time.sleep(0.01)
    raise AssertionError(f"backend {backend_pid} never waited for {advisory_key or 'a lock'}")
