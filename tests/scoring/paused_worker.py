"""A Celery app for test workers that stop between computing a snapshot and storing it.

The crash test starts a worker with ``-A tests.scoring.paused_worker`` and kills it
inside that window, to show a run that dies half-way leaves nothing behind. The pause is the
test's own: production code has no hook for it. A ``pre_save`` receiver on Snapshot runs
after the whole computation and right before the one INSERT that stores it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db.models.signals import pre_save

from config.celery import app  # the project's app, tasks and settings unchanged

__all__ = ["app"]

PAUSE_SECONDS = 600  # far longer than the test waits: the worker is killed inside it

logger = logging.getLogger(__name__)


def _pause_before_storing(sender: type, instance: Any, **kwargs: Any) -> None:
    logger.warning(
        "Pausing %s s before storing the snapshot of campaign %s",
        PAUSE_SECONDS,
        instance.campaign_id,
    )
    time.sleep(PAUSE_SECONDS)


pre_save.connect(_pause_before_storing, sender="scoring.Snapshot", weak=False)
