"""Parallel test processes kept apart (tests/workers.py): xdist workers and mutmut children."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.workers import BASE, mutant_slot, worker_redis_url


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


def test_two_processes_never_share_a_mutant_slot():
    mine = mutant_slot()
    other = subprocess.run(
        [sys.executable, "-c", "from tests.workers import mutant_slot; print(mutant_slot())"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )

    assert int(other.stdout) != mine
    assert mutant_slot() == mine  # held for the life of the process
