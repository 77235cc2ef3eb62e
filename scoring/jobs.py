"""The scoring job: one run of one campaign at a time, whoever starts it.

The Celery task scoring.score_campaign, `manage.py score_campaign` and, without Redis, the
judgments and the Recompute button themselves all run `run_scoring_job`. Recompute
(`request_recompute`) queues it at once with a broker and runs it in the request without one.

The lock. One Redis lock per campaign, taken without waiting. Its timeout outlives the task's
hard time limit, so a live run never loses it. Its token is the Celery task id: a worker
killed mid-run leaves the lock behind, but with acks_late the broker hands the same message
(same id) to another worker, whose run recognises the token and takes the lock over instead
of waiting a quarter of an hour for it to lapse.

Busy. A run that finds the lock held may carry judgments the running one read too early to
see, so it queues the campaign again (through the debounce flag: at most one queued) and
ends. That repeats until the lock is free, so the last run always starts after the last
judgment. Without Redis (eager Celery, one process) a thread lock plays the lock's part.

Priorities. Under adaptive allocation every run then writes the latest snapshot's pair
buckets onto the campaign's comparisons (scoring.allocation.write_priorities), even a run
that stored nothing new: that is how a campaign switched to adaptive gets its buckets.

Waiting. A caller that must have its own run (`manage.py score_campaign --wait`, which
`load_demo` uses right after an import whose judgments started a run of their own) passes
``wait_seconds``: it waits that long for the lock instead of answering BUSY at once.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import LockError
from redis.lock import Lock

from campaign import ledger
from campaign.events import ScoringRequest
from campaign.models import Campaign
from config.redis import redis_client, redis_configured
from scoring.allocation import write_priorities
from scoring.models import Snapshot
from scoring.queue import clear_queued, queue_scoring, send_scoring_task
from scoring.snapshots import compute_snapshot

logger = logging.getLogger(__name__)

LOCK_CLIENT_TIMEOUT = 5.0  # a worker can wait for Redis longer than a web request can


class JobStatus(enum.StrEnum):
    STORED = "stored"  # a new snapshot
    UNCHANGED = "unchanged"  # the latest snapshot already covers the data: nothing stored
    BUSY = "busy"  # another run of the campaign holds the lock; this one was re-queued
    MISSING = "missing"  # no such campaign (deleted since the run was queued)


@dataclass(frozen=True)
class JobOutcome:
    campaign_id: int
    status: JobStatus
    snapshot: Snapshot | None = None
    seconds: float = 0.0


def lock_key(campaign_id: int) -> str:
    return f"crowdeval:scoring:lock:{campaign_id}"


def run_scoring_job(
    campaign_id: int,
    *,
    job_id: str | None = None,
    rounds: int | None = None,
    wait_seconds: float = 0,
    full: bool = False,
    extras: bool | None = None,
) -> JobOutcome:
    """Score the campaign unless another run of it is in progress (see the module docstring).

    ``job_id`` is the Celery task id (the lock's token); a command run gets a fresh one.
    ``wait_seconds`` > 0 waits that long for a run in progress to end, then runs.
    ``full`` folds every judgment instead of only the new ones (scoring.incremental).
    ``extras`` True refits the extra views and analyses even when they are not due
    (scoring.extras_schedule).
    """
    start = time.perf_counter()
    if redis_configured():
        # Before reading anything: a judgment committed from now on queues the next run.
        clear_queued(campaign_id)
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return JobOutcome(campaign_id, JobStatus.MISSING)
    token = job_id or uuid.uuid4().hex
    with campaign_lock(campaign_id, token=token, wait_seconds=wait_seconds) as held:
        if not held:
            if redis_configured():
                queue_scoring(campaign_id, countdown=settings.SCORING_DEBOUNCE_SECONDS)
            # Routine (judgments arrive while a run works): said as such, not like a failure.
            logger.info(
                "Campaign %s: a scoring run is in progress; this one follows it", campaign.slug
            )
            return JobOutcome(campaign_id, JobStatus.BUSY)
        snapshot = compute_snapshot(campaign, rounds=rounds, full=full, extras=extras)
        # The next run's fingerprint sums the ledger's entries since this fold.
        ledger.compact(campaign.pk)
        if campaign.is_adaptive:
            # Adaptive allocation steers the next leases by the latest pair priorities; also
            # when nothing new was scored (a campaign just switched to adaptive).
            latest = snapshot or Snapshot.objects.filter(campaign=campaign).first()
            if latest is not None:
                latest.campaign = campaign
                write_priorities(latest)
    status = JobStatus.UNCHANGED if snapshot is None else JobStatus.STORED
    return JobOutcome(campaign_id, status, snapshot, time.perf_counter() - start)


# What an in-request run tells the organiser (MISSING cannot happen: the campaign is at hand).
EAGER_OUTCOMES = {
    JobStatus.BUSY: ScoringRequest.BUSY,
    JobStatus.UNCHANGED: ScoringRequest.UNCHANGED,
}


def request_recompute(campaign: Campaign) -> ScoringRequest:
    """Score the campaign now, not after the debounce delay (Recompute, and closing).

    With Redis the run is queued at once (the job's lock keeps it from overlapping a running
    one). Without Redis (the embedded demo) there is no worker: the job runs here, in the
    request, unless the background run a judgment started holds the lock; that run's result
    is then the one the page will show.
    """
    if not redis_configured():
        outcome = run_scoring_job(campaign.pk)
        return EAGER_OUTCOMES.get(outcome.status, ScoringRequest.DONE)
    try:
        send_scoring_task(campaign.pk)
    except BrokerError:
        logger.warning("Recompute of %s not queued: the broker is unreachable", campaign.slug)
        return ScoringRequest.UNAVAILABLE
    return ScoringRequest.QUEUED


def queue_open_campaigns() -> int:
    """Beat: queue a run of every open campaign now (a run with nothing new stores nothing)."""
    campaign_ids = Campaign.objects.filter(status=Campaign.Status.OPEN).values_list("pk", flat=True)
    return sum(queue_scoring(campaign_id, countdown=0) for campaign_id in campaign_ids)


@contextlib.contextmanager
def campaign_lock(campaign_id: int, *, token: str, wait_seconds: float = 0) -> Iterator[bool]:
    """Hold the campaign's scoring lock inside the block if it is free (or frees up within
    ``wait_seconds``); yields whether held."""
    if redis_configured():
        release = _acquire(campaign_id, token, wait_seconds)
    else:
        release = _acquire_local(campaign_id, wait_seconds)
    try:
        yield release is not None
    finally:
        if release is not None:
            release()


def _acquire(campaign_id: int, token: str, wait_seconds: float) -> Callable[[], None] | None:
    client = redis_client(timeout=LOCK_CLIENT_TIMEOUT)
    lock = client.lock(
        lock_key(campaign_id),
        timeout=settings.SCORING_LOCK_SECONDS,
        blocking=False,
        thread_local=False,
    )
    if not lock.acquire(token=token):
        if client.get(lock.name) != token.encode():
            if wait_seconds <= 0:
                return None
            _log_waiting(campaign_id, wait_seconds)
            if not lock.acquire(token=token, blocking=True, blocking_timeout=wait_seconds):
                return None
            return _releaser(lock, campaign_id)
        # Our own message, redelivered after its worker died holding the lock: take it over.
        lock.local.token = token.encode()
        try:
            lock.reacquire()
        except LockError:  # it lapsed or changed hands in between
            return None
        logger.warning("Took over the scoring lock of campaign %s from a dead run", campaign_id)
    return _releaser(lock, campaign_id)


def _releaser(lock: Lock, campaign_id: int) -> Callable[[], None]:
    def release() -> None:
        try:
            lock.release()
        except LockError:  # only if the run outlived the lock, which the time limit prevents
            logger.warning("The scoring lock of campaign %s was gone at release", campaign_id)

    return release


def _log_waiting(campaign_id: int, wait_seconds: float) -> None:
    logger.info(
        "Campaign %s is being scored by another run; waiting up to %s s for it",
        campaign_id,
        wait_seconds,
    )


_local_locks: dict[int, threading.Lock] = {}
_local_locks_guard = threading.Lock()


def _acquire_local(campaign_id: int, wait_seconds: float) -> Callable[[], None] | None:
    with _local_locks_guard:
        lock = _local_locks.setdefault(campaign_id, threading.Lock())
    if lock.acquire(blocking=False):
        return lock.release
    if wait_seconds <= 0:
        return None
    _log_waiting(campaign_id, wait_seconds)
    return lock.release if lock.acquire(timeout=wait_seconds) else None
