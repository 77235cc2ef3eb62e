"""Redis clients for the project's own keys (scoring locks and debounce flags), not Celery's.

Celery's broker connections are Celery's; these are plain redis-py clients on the same
REDIS_URL, cached per process and per timeout. A broken connection is retried once at once
(a pooled connection goes stale when Redis restarts), a timeout never; beyond that the caller
decides what a failure means (the annotate path gives up, a scoring job fails and is retried).
"""

from __future__ import annotations

from functools import lru_cache

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry


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
