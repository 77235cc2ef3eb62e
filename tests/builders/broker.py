"""Celery's broker for a test: point the app's producers at another Redis."""

from __future__ import annotations

from kombu import pools as kombu_pools

from config.celery import app as celery_app


def aim_celery_at(url: str) -> None:
    """Point the Celery app's producers at another broker (drops its connection pools)."""
    celery_app.conf.broker_url = url
    kombu_pools.reset()  # close and forget every pooled connection and producer
    celery_app._after_fork()  # Celery's own reset of its pool references, as after a fork
