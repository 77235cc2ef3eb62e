"""Redis clients for the project's own keys (scoring locks and debounce flags), not Celery's.

Celery's broker connections are Celery's; these are plain redis-py clients on the same
REDIS_URL, cached per process and per timeout. A broken connection is retried once at once
(a pooled connection goes stale when Redis restarts), a timeout never; beyond that the caller
decides what a failure means (the annotate path gives up, a scoring job fails and is retried).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import lru_cache

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)


def redis_configured() -> bool:
    """True in production (REDIS_URL set); False in the embedded default (eager Celery)."""
    return bool(settings.REDIS_URL)


def redis_client(*, timeout: float) -> redis.Redis:
    """A client on REDIS_URL whose connects and commands give up after ``timeout`` seconds."""
    return _client(settings.REDIS_URL, timeout)


@lru_cache(maxsize=8)
def _client(url: str, timeout: float) -> redis.Redis:
    # Cached per URL too, so a test that points REDIS_URL at a private server gets its own.
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        # Retry a broken connection once (it may be stale); a timeout is not worth repeating.
        retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
    )


class Breaker:
    """Open for a while after a Redis failure, so callers skip Redis instead of waiting on it.

    ``retry_seconds`` is read at each failure (a setting may change under tests); ``what``
    names, in the warning logged once per outage, what goes on without Redis meanwhile.
    """

    def __init__(self, retry_seconds: Callable[[], float], what: str) -> None:
        self._retry_seconds = retry_seconds
        self._what = what
        self._until = 0.0
        self._lock = threading.Lock()

    def is_open(self) -> bool:
        return time.monotonic() < self._until

    def trip(self, error: BaseException | None) -> None:
        with self._lock:
            seconds = self._retry_seconds()
            if not self.is_open():
                logger.warning("Redis unavailable (%s); for %s s %s", error, seconds, self._what)
            self._until = time.monotonic() + seconds

    def reset(self) -> None:
        self._until = 0.0
