"""Give each pytest-xdist worker its own Redis database (`make test` runs the suite on workers).

pytest-django already gives each worker its own PostgreSQL test database (``_gw0``, ``_gw1``);
Redis has no such suffix, and the tests that flush the cache, count login attempts or queue
Celery tasks would see each other's keys on one shared database. Worker ``gwN`` uses database
``BASE + N`` of the same server, set before Django reads its settings (hence a plugin loaded
with ``-p`` from pyproject's addopts, not a conftest, which is imported after settings).
"""

from __future__ import annotations

import os
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
