"""Scoring's queue: the debounce after new judgments and sending the scoring task.

The campaign app announces new judgments (campaign.events.judgments_recorded) without
importing scoring; scoring/apps.py registers `score_soon` below as the reaction.

Debounce (with Redis). The first new judgment of a quiet campaign sets the key
``crowdeval:scoring:queued:<id>`` (SET NX EX) and queues one scoring run
SCORING_DEBOUNCE_SECONDS later; every judgment after it finds the key set and queues nothing,
at the cost of that one round trip. The run deletes the key as it starts, before it reads, so
a judgment committed after the deletion queues the next run, and one committed before it is
in this run's data: the last run always sees the last judgment.

A run already queued (as of this process's last look). The flag's time to live says when the
queued run is due: ``countdown`` + QUEUED_GRACE_SECONDS when it was set. Until shortly before
that time, every judgment this process records is committed before the run starts (a
countdown never starts a task early), so it will be in that run's data whatever else
happens meanwhile: a Recompute or beat run clears the flag but leaves the queued run queued;
a queued run that finds another one working queues the next before it stops. Such a
judgment asks Redis nothing. So each process asks about once per debounce period per
campaign instead of once per judgment (see bench/judge_cost.py). After a Redis restart that
lost the queued run, a process may wait up to that period before queueing the next.

Redis down or slow. Every Redis call here gives up after SCORING_REDIS_TIMEOUT; after a
failure the process leaves Redis alone for SCORING_REDIS_RETRY_SECONDS (a circuit breaker),
so a dead Redis does not cost each judgment a connection attempt. Judgments are stored as
usual (campaign.events never lets a failure here reach the request); what was not queued is
caught up by the next judgment after Redis is back, by the beat schedule
(scoring.score_open_campaigns) or by the organiser's Recompute.

Without Redis (the embedded default, Celery eager) there is nothing to debounce with and no
worker, so a judgment starts the scoring task in a background thread of this process, at most
once per SCORING_EAGER_INTERVAL_SECONDS; the request itself never fits ratings. The
leaderboard may lag that long behind (Recompute or `manage.py score_campaign` brings it up
to date).
"""

from __future__ import annotations

import logging
import threading
import time

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from config.redis import Breaker, redis_client, redis_configured

logger = logging.getLogger(__name__)

SCORING_TASK = "scoring.score_campaign"
# The queued flag outlives the run's countdown by this much, then lapses by itself, so a run
# that was queued but lost (its worker's machine gone, say) blocks nothing for long.
QUEUED_GRACE_SECONDS = 60
# A queued run's due time is known to this process within this much (clocks of machines differ).
DUE_MARGIN_SECONDS = 1.0
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0, "interval_max": 0}


def queued_key(campaign_id: int) -> str:
    return f"crowdeval:scoring:queued:{campaign_id}"


def score_soon(campaign_id: int) -> threading.Thread | None:
    """New judgments of this campaign were committed: have them scored soon (debounced).

    Returns the background run it started in eager mode (tests wait for it), else None.
    May raise on an unexpected failure; campaign.events.judgments_recorded, its caller,
    is the boundary that keeps such a failure away from the request.
    """
    if redis_configured():
        queue_scoring(campaign_id, countdown=settings.SCORING_DEBOUNCE_SECONDS)
        return None
    return _score_in_background_now_and_then(campaign_id)


def queue_scoring(campaign_id: int, *, countdown: float) -> bool:
    """Queue one scoring run in ``countdown`` seconds unless one is queued already.

    True when this call queued it; False when one was queued already or Redis is unavailable
    (logged; the breaker then skips Redis for a while).
    """
    if _breaker.is_open() or time.monotonic() < _queued_until.get(campaign_id, 0.0):
        return False
    client = redis_client(timeout=settings.SCORING_REDIS_TIMEOUT)
    key = queued_key(campaign_id)
    try:
        # One round trip: set the flag unless set, and learn when the run it stands for is due.
        pipe = client.pipeline(transaction=False)
        pipe.set(key, b"1", nx=True, ex=int(countdown) + QUEUED_GRACE_SECONDS)
        pipe.pttl(key)
        created, ttl_ms = pipe.execute()
        if created:
            try:
                send_scoring_task(campaign_id, countdown=countdown)
            except BrokerError:
                client.delete(key)  # nothing is queued after all; let the next judgment try
                raise
    except (RedisError, BrokerError, OSError) as error:
        _breaker.trip(error)
        return False
    _remember_due(campaign_id, ttl_ms)
    return bool(created)


def _remember_due(campaign_id: int, ttl_ms: int) -> None:
    """Note until when the queued run is still to come (see the module docstring)."""
    if current_app.conf.task_always_eager:
        return  # an eager "queued" run has run already, countdown or not
    due_in = ttl_ms / 1000 - QUEUED_GRACE_SECONDS - DUE_MARGIN_SECONDS
    if due_in > 0:  # a negative ttl: no flag (-2) or none that lapses (-1); nothing known
        _queued_until[campaign_id] = time.monotonic() + due_in


def forget_queued() -> None:
    """Ask Redis again on the next judgment of every campaign (tests; Redis emptied)."""
    _queued_until.clear()


def clear_queued(campaign_id: int) -> None:
    """A run is starting: judgments from now on must queue the next one."""
    redis_client(timeout=settings.SCORING_REDIS_TIMEOUT).delete(queued_key(campaign_id))


def send_scoring_task(campaign_id: int, *, countdown: float = 0) -> str:
    """Publish one scoring run to the broker and return its task id.

    Raises kombu's OperationalError when the broker is down. One immediate retry replaces a
    connection that went stale (Redis restarted); Celery's default policy would retry for
    seconds inside the request.
    """
    result = current_app.send_task(
        SCORING_TASK,
        args=(campaign_id,),
        countdown=countdown,
        retry=True,
        retry_policy=PUBLISH_RETRY,
    )
    return str(result.id)


def _score_in_background_now_and_then(campaign_id: int) -> threading.Thread | None:
    """Eager mode: run the scoring task in a thread, unless this process did within the interval."""
    key = f"crowdeval:scoring:inline:{campaign_id}"
    if not cache.add(key, True, timeout=settings.SCORING_EAGER_INTERVAL_SECONDS):
        return None
    thread = threading.Thread(
        target=_run_scoring_here, args=(campaign_id,), name=f"scoring-{campaign_id}", daemon=True
    )
    thread.start()
    return thread


def _run_scoring_here(campaign_id: int) -> None:
    try:
        current_app.tasks[SCORING_TASK].apply(args=(campaign_id,), throw=True)
    except Exception:  # a background thread has nobody to raise to
        logger.exception("Scoring campaign %s in the background failed", campaign_id)
    finally:
        connections.close_all()  # this thread's own database connections


# campaign id -> monotonic time until which its queued run is known to be still to come.
_queued_until: dict[int, float] = {}
_breaker = Breaker(
    lambda: settings.SCORING_REDIS_RETRY_SECONDS, "scoring is not requested; judgments go on"
)
