"""Django's PostgreSQL backend; its per-request health check asks the socket first.

With CONN_HEALTH_CHECKS a persistent connection is checked before each request's first
statement, so a connection the server dropped (PostgreSQL restarted, the backend terminated)
is replaced instead of failing the request. Django checks with ``SELECT 1``: a round trip per
request, about a tenth of the judge request's statements (bench/judge_cost.py). A server that
ends a connection says so on its socket: it sends its error (or just closes), which leaves
the socket readable. A healthy idle connection has nothing to read, since every statement's
answer was read in full. So when the socket has nothing to read, the connection is idle and
psycopg has seen no failure, the check passes without a statement; anything else (something
to read, a transaction left open, a broken connection) gets Django's ``SELECT 1``.
"""

from __future__ import annotations

import select
from typing import Any

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def extra_connection(self) -> Any:
        """A psycopg connection of its own, set up as this wrapper's (its parameters, time
        zone and role) but outside Django's care: the caller closes it. Django's loaders
        label every timestamp as UTC without converting it, so a connection left in the
        server's time zone would read times shifted by the zone's offset."""
        raw = self.Database.connect(**self.get_connection_params())
        try:
            if self._configure_connection(raw):  # type: ignore[attr-defined]
                raw.commit()
        except BaseException:
            raw.close()
            raise
        return raw

    def close_if_health_check_failed(self) -> None:
        # Runs before every statement; after the request's first it has nothing to do.
        # (health_check_enabled and health_check_done are Django's, unknown to django-stubs.)
        if self.health_check_done:  # type: ignore[has-type]
            return
        if (
            self.health_check_enabled  # type: ignore[attr-defined]
            and not self.pool
            and self.connection is not None
            and _quiet(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()


def _quiet(connection: Any) -> bool:
    """Whether the server has sent nothing since the last answer was read, on an idle and
    unbroken connection (psycopg's)."""
    if connection.closed or connection.broken:
        return False
    if connection.info.transaction_status != TransactionStatus.IDLE:
        return False
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
    return not poller.poll(0)
