"""Scoring with a real Redis broker and real Celery worker processes (not eager).

Each test starts `celery worker` subprocesses on the pytest test database and a private
redis-server (see conftest.py): judgments go in through the web client, snapshots come out
of the worker; a worker killed mid-job leaves nothing half-written and the redelivered job
completes; annotation goes on while Redis is down, and scoring catches up when it is back.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from campaign.models import Campaign, Judgment
from scoring import queue
from scoring.jobs import lock_key
from scoring.models import Snapshot
from scoring.queue import send_scoring_task
from scoring.tasks import score_open_campaigns
from tests.builders import PASSWORD, CampaignBuilder, make_judgeable_campaign
from tests.pages import current_key, fetch_headers
from tests.scoring.conftest import wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("scoring_redis"),
]

SNAPSHOT_SECONDS = 60  # generous: the machine may be busy; the wait ends as soon as it is there


def judge_items(client: Client, campaign: Campaign, count: int) -> None:
    """Judge ``count`` items as the annotate page's script does (fetch, next item inline)."""
    html = client.get(reverse("campaign:annotate", args=[campaign.slug])).content.decode()
    for _ in range(count):
        response = client.post(
            reverse("campaign:judge", args=[campaign.slug, current_key(html)]),
            {"choice": "-1"},
            **fetch_headers(),
        )
        assert response.status_code == 200
        html = response.content.decode()


def latest_judgments(campaign: Campaign) -> int | None:
    snapshot = Snapshot.objects.filter(campaign=campaign).order_by("-computed_at", "-pk").first()
    return None if snapshot is None else snapshot.judgments


def voted_campaign(*, judgments: int) -> Campaign:
    """An open campaign with ``judgments`` rated votes on one comparison, all trusted."""
    build = CampaignBuilder(contenders=("alpha", "beta"), min_gold_seen=0, min_gold_accuracy=0.5)
    comparison = build.comparison("alpha", "beta")
    for _ in range(judgments):
        build.judge(build.annotator(), comparison, 1)
    return build.campaign


@pytest.fixture
def campaign() -> Campaign:
    # Everyone trusted without gold, so the judgments are rated too.
    return make_judgeable_campaign(regular=6, min_gold_seen=0, min_gold_accuracy=0.5)


def test_judgments_made_on_the_web_are_scored_by_a_worker(
    start_worker, settings, campaign, participant_client
) -> None:
    settings.SCORING_DEBOUNCE_SECONDS = 0
    start_worker()
    judge_items(participant_client, campaign, 3)
    wait_until(lambda: latest_judgments(campaign) == 3, timeout=SNAPSHOT_SECONDS, what="a snapshot")
    snapshot = Snapshot.objects.filter(campaign=campaign).latest()
    assert snapshot.rated_judgments == 3
    assert sum(row["wins"] for row in snapshot.contenders) == 3


def test_a_worker_killed_mid_job_leaves_nothing_and_the_redelivered_job_completes(
    start_worker, scoring_redis
) -> None:
    campaign = voted_campaign(judgments=4)
    # Unacknowledged messages come back after 3 s, and workers look for them every second
    # (settings refuse a visibility timeout that is not longer than the task time limit).
    redelivery = {
        "CELERY_TASK_TIME_LIMIT": "2",
        "CELERY_TASK_SOFT_TIME_LIMIT": "1",
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "CELERY_UNACKED_RESTORE_SECONDS": "1",
    }
    doomed = start_worker(app="tests.scoring.paused_worker", **redelivery)
    task_id = send_scoring_task(campaign.pk)
    doomed.wait_for_output("Pausing", timeout=SNAPSHOT_SECONDS)  # computed, not yet stored
    assert scoring_redis.client().get(lock_key(campaign.pk)) == task_id.encode()
    doomed.kill()
    assert not Snapshot.objects.filter(campaign=campaign).exists()

    survivor = start_worker(**redelivery)
    wait_until(
        lambda: Snapshot.objects.filter(campaign=campaign).exists(),
        timeout=SNAPSHOT_SECONDS,
        what="the redelivered job's snapshot",
    )
    assert "Took over the scoring lock" in survivor.output()
    (snapshot,) = Snapshot.objects.filter(campaign=campaign)
    assert (snapshot.judgments, snapshot.rated_judgments) == (4, 4)
    wait_until(
        lambda: not scoring_redis.client().exists(lock_key(campaign.pk)),
        timeout=10,
        what="the lock's release",
    )


def test_annotation_goes_on_while_redis_is_down_and_scoring_catches_up(
    start_worker, scoring_redis, settings, campaign, participant
) -> None:
    settings.SCORING_DEBOUNCE_SECONDS = 0
    settings.SCORING_REDIS_RETRY_SECONDS = 0.5
    scoring_redis.stop()

    client = Client()
    response = client.post(
        reverse("account_login"), {"login": participant.username, "password": PASSWORD}
    )
    assert response.status_code == 302  # logged in: the cache's outage is a miss
    judge_items(client, campaign, 3)
    assert Judgment.objects.filter(campaign=campaign).count() == 3
    assert queue._breaker.is_open()  # the first failure paused further attempts

    scoring_redis.start()
    start_worker()
    wait_until(lambda: not queue._breaker.is_open(), timeout=5, what="the breaker to close")
    assert score_open_campaigns.apply().get() == 1  # what beat runs every few minutes
    wait_until(
        lambda: latest_judgments(campaign) == 3,
        timeout=SNAPSHOT_SECONDS,
        what="the catch-up snapshot",
    )
    judge_items(client, campaign, 1)  # and judgments queue runs again as usual
    wait_until(lambda: latest_judgments(campaign) == 4, timeout=SNAPSHOT_SECONDS, what="a snapshot")


def test_a_worker_holding_a_delayed_job_survives_a_redis_outage_and_scoring_catches_up(
    start_worker, scoring_redis
) -> None:
    # The debounce plus acks_late: the worker holds a job due in a while, unacknowledged, when
    # Redis dies. It must reconnect by itself once Redis is back (nothing restarts it here).
    campaign = voted_campaign(judgments=3)
    worker = start_worker()
    send_scoring_task(campaign.pk, countdown=600)
    worker.wait_for_output("] received", timeout=SNAPSHOT_SECONDS)

    scoring_redis.stop()
    worker.wait_for_output("consumer: Cannot connect to", timeout=SNAPSHOT_SECONDS)
    scoring_redis.start()  # empty: the delayed job went with the old server

    assert score_open_campaigns.apply().get() == 1  # what beat runs every few minutes
    wait_until(
        lambda: latest_judgments(campaign) == 3,
        timeout=SNAPSHOT_SECONDS,
        what="the catch-up snapshot",
    )
    assert worker.process.poll() is None
