"""`make test` runs on pytest-xdist workers, each with its own Redis database (tests/workers.py)."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from tests.workers import BASE, worker_redis_url


def test_each_worker_gets_its_own_database_on_the_same_server():
    url = "redis://127.0.0.1:6379/0"

    assert worker_redis_url(url, "gw0") == "redis://127.0.0.1:6379/8"
    assert worker_redis_url(url, "gw1") == "redis://127.0.0.1:6379/9"
    assert worker_redis_url("redis://:secret@cache:6380", "gw7") == "redis://:secret@cache:6380/15"


def test_a_ninth_worker_is_refused_with_the_limit_named():
    with pytest.raises(pytest.UsageError, match="At most 8 test workers"):
        worker_redis_url("redis://127.0.0.1:6379/0", "gw8")


@pytest.mark.skipif(
    not (os.environ.get("PYTEST_XDIST_WORKER") and settings.REDIS_URL),
    reason="only on an xdist worker with Redis (make test)",
)
def test_this_worker_uses_its_database():
    worker = int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw"))

    assert settings.REDIS_URL.endswith(f"/{BASE + worker}")
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL
