"""The Celery application; with no REDIS_URL, settings make it run tasks eagerly in-process."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("crowdeval")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
