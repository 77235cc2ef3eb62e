"""Fixtures of the scoring-job tests: a private redis-server, Celery aimed at it, real workers.

The modules that talk to Redis (commands, events, worker) mark themselves with
``usefixtures("scoring_redis")``, so they never touch the shared Redis: REDIS_URL, the cache
and Celery's broker are on a redis-server of their own (started once, restarted by the tests
that stop it), and worker subprocesses read the pytest test database. The pure numerics and
the snapshot and export tests, which need no Redis, start none.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.db import connection

from config.celery import app as celery_app
from scoring import queue
from tests.builders import aim_celery_at

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server")
WORKER_START_SECONDS = 60
NO_PERSISTENCE = ("--save", "", "--appendonly", "no")


def wait_until(condition: Callable[[], object], *, timeout: float, what: str) -> None:
    """Poll ``condition`` until it is true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class PrivateRedis:
    """A throwaway redis-server (no persistence) on a free local port."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", *NO_PERSISTENCE],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout=10, what="the private redis-server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.ConnectionError:
            return False


@pytest.fixture(scope="session")
def private_redis() -> Iterator[PrivateRedis]:
    if REDIS_SERVER is None:
        # CI must run these, never skip them (a missing service fails the run there).
        missing = pytest.fail if os.environ.get("CI") == "true" else pytest.skip
        missing("redis-server is not installed")
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def scoring_redis(private_redis: PrivateRedis, settings) -> Iterator[PrivateRedis]:
    """REDIS_URL, the cache and Celery's broker on the private server, emptied."""
    if not private_redis.running:
        private_redis.start()
    private_redis.client().flushall()
    saved_broker = celery_app.conf.broker_url
    settings.REDIS_URL = private_redis.url
    cache = dict(settings.CACHES["default"])
    if "LOCATION" in cache:
        settings.CACHES = {"default": {**cache, "LOCATION": private_redis.url}}
    aim_celery_at(private_redis.url)
    queue._breaker.reset()
    queue.forget_queued()
    yield private_redis
    queue._breaker.reset()
    aim_celery_at(saved_broker)


class Worker:
    """A `celery worker` subprocess (solo pool) with its output in a log file."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, text: str, *, timeout: float) -> None:
        def seen() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited early:\n{self.output()[-3000:]}")
            return text in self.output()

        wait_until(seen, timeout=timeout, what=f"{text!r} in the worker's output")

    def kill(self) -> None:
        """SIGKILL the worker's whole process group: no cleanup, no ack, no release."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def worker_database_url() -> str:
    """The pytest test database, for processes of our own to read and write."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def start_worker(transactional_db, scoring_redis: PrivateRedis, tmp_path: Path):
    """Start real workers on the test database and the private broker; killed at teardown.

    ``app`` names the Celery app module (tests.scoring.paused_worker for one that stops
    before storing a snapshot); ``environment`` adds settings through environment variables.

    Requesting transactional_db makes the data committed (the worker sees it) and tears the
    workers down before the tables are flushed.
    """
    if connection.vendor != "postgresql":
        pytest.skip("worker tests share the PostgreSQL test database")
    workers: list[Worker] = []

    def start(*, app: str = "config", **environment: str) -> Worker:
        env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=worker_database_url(),
            REDIS_URL=scoring_redis.url,
            SCORING_DEBOUNCE_SECONDS="0",
            LOG_LEVEL="INFO",
            PYTHONPATH=str(ROOT),
            **environment,
        )
        log = tmp_path / f"worker-{len(workers)}.log"
        command = [sys.executable, "-m", "celery", "-A", app, "worker", "--pool=solo"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        command += ["--loglevel=INFO", "-n", f"scoring-test-{len(workers)}@%h"]
        with log.open("wb") as output:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, for killpg
            )
        worker = Worker(process, log)
        workers.append(worker)
        worker.wait_for_output(" ready.", timeout=WORKER_START_SECONDS)
        return worker

    yield start
    for worker in workers:
        worker.kill()
