"""Debounce, circuit breaker, eager mode and the job's lock, against a private Redis."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings

from campaign.events import ScoringRequest, judgments_recorded
from campaign.imports.votes import import_judgments
from campaign.models import Campaign
from scoring import queue
from scoring.jobs import (
    JobStatus,
    campaign_lock,
    lock_key,
    queue_open_campaigns,
    request_recompute,
    run_scoring_job,
)
from scoring.models import Snapshot
from scoring.queue import clear_queued, queued_key
from tests.builders import CampaignBuilder, aim_celery_at, write_jsonl
from tests.scoring.conftest import PrivateRedis

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scoring_redis")]


def queued_runs(redis_server: PrivateRedis) -> list[tuple[str, list]]:
    """(task name, args) of every message waiting in Celery's default queue, oldest first."""
    messages = [json.loads(raw) for raw in redis_server.client().lrange("celery", 0, -1)]
    return [
        (m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0])
        for m in reversed(messages)  # kombu pushes on the left and pops on the right
    ]


@pytest.fixture
def campaign() -> Campaign:
    build = CampaignBuilder(contenders=("alpha", "beta"), min_gold_seen=0, min_gold_accuracy=0.5)
    comparison = build.comparison("alpha", "beta")
    build.judge(build.annotator(), comparison, -1)
    return build.campaign


@pytest.fixture
def silent_server() -> Iterator[socket.socket]:
    """A TCP port that accepts connections and never answers: a hung Redis."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server
    server.close()


def connections_made(server: socket.socket) -> int:
    server.setblocking(False)
    accepted = 0
    while True:
        try:
            connection, _address = server.accept()
        except BlockingIOError:
            return accepted
        connection.close()
        accepted += 1


def test_judgments_of_one_campaign_queue_one_run_until_it_starts(scoring_redis) -> None:
    for _ in range(3):
        judgments_recorded(41)
    judgments_recorded(42)
    assert queued_runs(scoring_redis) == [
        ("scoring.score_campaign", [41]),
        ("scoring.score_campaign", [42]),
    ]
    ttl = scoring_redis.client().ttl(queued_key(41))
    assert 0 < ttl <= django_settings.SCORING_DEBOUNCE_SECONDS + queue.QUEUED_GRACE_SECONDS
    clear_queued(41)  # what the queued run does as it starts, when it is due
    queue.forget_queued()  # by then this process no longer counts on it (below)
    judgments_recorded(41)
    assert len(queued_runs(scoring_redis)) == 3


def test_a_process_asks_redis_nothing_while_its_queued_run_is_still_to_come(
    scoring_redis, settings
) -> None:
    settings.SCORING_DEBOUNCE_SECONDS = 2  # due in 2 s: counted on for the first second
    judgments_recorded(43)
    clear_queued(43)  # another run (Recompute) starts: the queued one stays queued
    judgments_recorded(43)  # committed before the queued run is due: in its data
    assert not scoring_redis.client().exists(queued_key(43))
    assert queued_runs(scoring_redis) == [("scoring.score_campaign", [43])]
    time.sleep(1.1)  # now the queued run may be starting: ask Redis again
    judgments_recorded(43)
    assert scoring_redis.client().exists(queued_key(43))
    assert len(queued_runs(scoring_redis)) == 2


def test_a_hung_redis_costs_one_short_attempt_then_none(settings, silent_server) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{silent_server.getsockname()[1]}/0"
    settings.SCORING_REDIS_TIMEOUT = 0.1
    judgments_recorded(7)  # times out, logs, does not raise
    assert queue._breaker.is_open()
    judgments_recorded(7)
    judgments_recorded(8)
    assert connections_made(silent_server) == 1


def test_a_dead_broker_does_not_raise_and_leaves_no_stale_flag(scoring_redis) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    aim_celery_at(f"redis://127.0.0.1:{closed}/0")
    judgments_recorded(9)
    assert queue._breaker.is_open()
    assert not scoring_redis.client().exists(queued_key(9))  # the next try is not blocked


def test_a_starting_run_clears_the_queued_flag(scoring_redis, campaign) -> None:
    judgments_recorded(campaign.pk)
    assert scoring_redis.client().exists(queued_key(campaign.pk))
    assert run_scoring_job(campaign.pk).status == JobStatus.STORED
    assert not scoring_redis.client().exists(queued_key(campaign.pk))


def test_a_run_finding_the_lock_held_requeues_itself_once_and_stores_nothing(
    scoring_redis, campaign
) -> None:
    with campaign_lock(campaign.pk, token="the-running-one"):
        assert run_scoring_job(campaign.pk, job_id="late").status == JobStatus.BUSY
        judgments_recorded(campaign.pk)  # rides along with the re-queued run
    assert queued_runs(scoring_redis) == [("scoring.score_campaign", [campaign.pk])]
    assert not Snapshot.objects.exists()


def test_a_redelivered_run_takes_over_the_lock_its_dead_first_delivery_left(
    scoring_redis, campaign
) -> None:
    scoring_redis.client().set(lock_key(campaign.pk), "task-1", ex=900)  # the dead run's lock
    assert run_scoring_job(campaign.pk, job_id="task-2").status == JobStatus.BUSY
    outcome = run_scoring_job(campaign.pk, job_id="task-1")
    assert outcome.status == JobStatus.STORED
    assert not scoring_redis.client().exists(lock_key(campaign.pk))  # released after the run


def test_a_deleted_campaign_is_not_an_error() -> None:
    assert run_scoring_job(987654321).status == JobStatus.MISSING


def test_beat_queues_each_open_campaign_once(scoring_redis) -> None:
    open_one = CampaignBuilder(contenders=()).campaign
    CampaignBuilder(contenders=(), status=Campaign.Status.CLOSED)
    CampaignBuilder(contenders=(), status=Campaign.Status.DRAFT)
    assert queue_open_campaigns() == 1
    assert queue_open_campaigns() == 0  # already queued
    assert queued_runs(scoring_redis) == [("scoring.score_campaign", [open_one.pk])]


def test_recompute_queues_a_run_now(scoring_redis, campaign) -> None:
    assert request_recompute(campaign) == ScoringRequest.QUEUED
    assert queued_runs(scoring_redis) == [("scoring.score_campaign", [campaign.pk])]


def test_recompute_with_the_broker_down_says_so(campaign) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    aim_celery_at(f"redis://127.0.0.1:{closed}/0")
    assert request_recompute(campaign) == ScoringRequest.UNAVAILABLE


@pytest.fixture
def eager(settings) -> None:
    """The embedded default: no Redis, an in-process cache."""
    settings.REDIS_URL = ""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.django_db(transaction=True)  # the background thread has its own connection
def test_eager_mode_scores_in_the_background_at_most_once_per_interval(eager, campaign) -> None:
    run = judgments_recorded(campaign.pk)
    assert run is not None and run is not threading.current_thread()
    run.join(timeout=60)
    assert Snapshot.objects.filter(campaign=campaign).count() == 1
    build = CampaignBuilder(contenders=("x", "y"))
    build.campaign = campaign
    comparison = campaign.comparisons.get()
    build.judge(build.annotator(), comparison, 1)
    assert judgments_recorded(campaign.pk) is None  # within the interval: not scored again
    assert Snapshot.objects.filter(campaign=campaign).count() == 1
    assert request_recompute(campaign) == ScoringRequest.DONE
    assert Snapshot.objects.filter(campaign=campaign).count() == 2


def test_eager_recompute_with_nothing_new_says_so(eager, campaign) -> None:
    # "Scores recomputed" only when a new snapshot was stored.
    assert request_recompute(campaign) == ScoringRequest.DONE
    assert request_recompute(campaign) == ScoringRequest.UNCHANGED
    assert Snapshot.objects.filter(campaign=campaign).count() == 1


def test_eager_recompute_while_another_run_holds_the_lock_says_busy(eager, campaign) -> None:
    # Like the background run a judgment starts: the request must not claim it scored.
    with campaign_lock(campaign.pk, token="the-background-run") as held:
        assert held
        assert request_recompute(campaign) == ScoringRequest.BUSY
    assert not Snapshot.objects.exists()
    assert request_recompute(campaign) == ScoringRequest.DONE
    assert Snapshot.objects.filter(campaign=campaign).count() == 1


def test_beat_schedule_and_redelivery_settings() -> None:
    schedule = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule == {
        "scoring.score_open_campaigns",
        "campaign.reclaim_leases",
        "campaign.render_pending_texts",
    }
    options = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["visibility_timeout"] > django_settings.CELERY_TASK_TIME_LIMIT
    assert django_settings.SCORING_LOCK_SECONDS > django_settings.CELERY_TASK_TIME_LIMIT


def test_a_vote_import_queues_a_run_once_committed(
    scoring_redis, tmp_path, django_capture_on_commit_callbacks
) -> None:
    campaign = CampaignBuilder(contenders=()).campaign
    votes = [
        {"annotator": name, "prompt": "q1", "model_a": "x", "model_b": "y", "winner": "a"}
        for name in ("ann", "bob")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert import_judgments(campaign, write_jsonl(tmp_path / "votes.jsonl", votes)).ok
        assert queued_runs(scoring_redis) == []  # nothing before the commit
    # One scoring run, and the rendering of the prompt and responses the import created.
    assert sorted(queued_runs(scoring_redis)) == [
        ("campaign.render_texts", [campaign.pk]),
        ("scoring.score_campaign", [campaign.pk]),
    ]


def test_a_dry_run_import_queues_nothing(
    scoring_redis, tmp_path, django_capture_on_commit_callbacks
) -> None:
    campaign = CampaignBuilder(contenders=()).campaign
    vote = {"annotator": "ann", "prompt": "q1", "model_a": "x", "model_b": "y", "winner": "a"}
    with django_capture_on_commit_callbacks(execute=True):
        path = write_jsonl(tmp_path / "votes.jsonl", [vote])
        assert import_judgments(campaign, path, dry_run=True).ok
    assert queued_runs(scoring_redis) == []
