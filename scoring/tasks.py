"""Celery tasks of the scoring app: thin wrappers that take ids and call scoring.jobs."""

from __future__ import annotations

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from scoring.jobs import queue_open_campaigns, run_scoring_job


# A database that restarts under a run is retried with backoff (the lock is released first);
# anything else is a bug and fails loudly. acks_late is global (config/settings.py).
@shared_task(
    name="scoring.score_campaign",
    bind=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def score_campaign(self: Task, campaign_id: int) -> str:
    """Score one campaign (at most one run per campaign at a time); returns the job status."""
    return run_scoring_job(campaign_id, job_id=self.request.id).status.value


@shared_task(name="scoring.score_open_campaigns", ignore_result=True)
def score_open_campaigns() -> int:
    """Beat: queue a scoring run of every open campaign; returns how many were queued."""
    return queue_open_campaigns()
