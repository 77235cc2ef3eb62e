"""The database backend (config/postgresql): the per-request health check asks the socket
first, and still replaces a connection the server has ended."""

from __future__ import annotations

import select
from unittest import mock

import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoWrapper

from tests.builders.sessions import other_session

pytestmark = pytest.mark.django_db(transaction=True)


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def next_request_checks() -> None:
    """What Django does as a request starts (request_started: close_old_connections)."""
    connection.health_check_done = False
    connection.close_if_health_check_failed()


def test_the_backend_is_ours_with_health_checks_on() -> None:
    assert connection.vendor == "postgresql"
    assert connection.settings_dict["ENGINE"] == "config.postgresql"
    assert connection.health_check_enabled


def test_a_quiet_idle_connection_passes_without_a_statement() -> None:
    pid = backend_pid()
    with mock.patch.object(DjangoWrapper, "is_usable", autospec=True) as select_one:
        next_request_checks()
    select_one.assert_not_called()
    assert connection.health_check_done
    assert backend_pid() == pid  # the same connection goes on


def test_a_connection_the_server_ended_is_replaced_before_the_next_statement() -> None:
    pid = backend_pid()
    with other_session() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The server's farewell reaches the socket: wait for it (a condition, not a sleep).
    poller = select.poll()
    poller.register(connection.connection.fileno(), select.POLLIN)
    assert poller.poll(10_000), "the terminated backend never said so"

    with mock.patch.object(
        DjangoWrapper, "is_usable", autospec=True, side_effect=DjangoWrapper.is_usable
    ) as select_one:
        next_request_checks()

    select_one.assert_called_once()  # something to read: Django's own check decides
    assert backend_pid() != pid  # and a new connection answers


def test_inside_a_transaction_django_s_check_runs() -> None:
    backend_pid()
    connection.set_autocommit(False)
    try:
        backend_pid()  # the transaction is now open on the server
        with mock.patch.object(
            DjangoWrapper, "is_usable", autospec=True, side_effect=DjangoWrapper.is_usable
        ) as select_one:
            next_request_checks()
        select_one.assert_called_once()
    finally:
        connection.rollback()
        connection.set_autocommit(True)
