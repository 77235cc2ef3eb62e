"""The Celery application; with no REDIS_URL, settings make it run tasks eagerly in-process."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import worker_init

from config.memory import keep_freed_memory

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("crowdeval")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _tune_worker_memory(**_kwargs: Any) -> None:
    # The worker scores campaigns: large arrays, allocated and freed run after run. Set before
    # the pool forks, so its processes inherit it (malloc's settings are process memory).
    keep_freed_memory()
