"""Keep parallel test processes apart: each pytest-xdist worker gets its own Redis database
(`make test` runs the suite on workers), and each mutmut child its own test database.

pytest-django already gives each worker its own PostgreSQL test database (``_gw0``, ``_gw1``);
Redis has no such suffix, and the tests that flush the cache, count login attempts or queue
Celery tasks would see each other's keys on one shared database. Worker ``gwN`` uses database
``BASE + N`` of the same server, set before Django reads its settings (hence a plugin loaded
with ``-p`` from pyproject's addopts, not a conftest, which is imported after settings).
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from urllib.parse import urlsplit, urlunsplit

import pytest

# Redis has 16 databases (0-15) by default; 0-7 stay for `make test`'s base URL and the tests
# that aim at a fixed database, so at most eight workers.
BASE = 8
MOST_WORKERS = 16 - BASE


def worker_redis_url(url: str, worker: str) -> str:
    """The Redis URL worker ``gwN`` uses instead of ``url``: the same server, database BASE + N."""
    number = int(worker.removeprefix("gw"))
    if number >= MOST_WORKERS:
        raise pytest.UsageError(
            f"At most {MOST_WORKERS} test workers share one Redis server (worker {worker} "
            f"would need database {BASE + number}); run with -n {MOST_WORKERS} or fewer."
        )
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{BASE + number}"))


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("REDIS_URL", "")
    if worker and url:
        os.environ["REDIS_URL"] = worker_redis_url(url, worker)


# mutmut runs its children (`make mutants`: --max-children 2) at once on one database name; a
# child's transactional test flushes every table at its end, under the other child's test, which
# then fails and "kills" a mutant that changed nothing. Each child takes a free slot instead.
_slot: tuple[int, int] | None = None  # (process id, slot); its lock file stays open


def mutant_slot() -> int:
    """A slot (0, 1, …) no other running process holds, held until this process exits."""
    global _slot
    if _slot is not None and _slot[0] == os.getpid():
        return _slot[1]
    for number in range(64):
        path = os.path.join(tempfile.gettempdir(), f"crowdeval-mutant-slot-{os.getuid()}-{number}")
        descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            continue
        _slot = (os.getpid(), number)
        return number
    raise RuntimeError("no free mutant slot: 64 processes hold one")
