"""The extras are refitted when due and carried forward otherwise (scoring.extras_schedule).

A carried view is exactly the earlier run's, marked with the judgments it was fitted on; the
default board, the scores and the every-run extras are those of a full run over all the
judgments; once due, the refitted extras are a full run's again.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from campaign.models import Campaign
from scoring.extras import EXTRAS
from scoring.extras_schedule import pending
from scoring.models import Snapshot
from scoring.snapshots import compute_snapshot
from tests.scoring.test_incremental import ROUNDS, Crowd, Rollback

pytestmark = pytest.mark.django_db

EVERY_RUN = {extra.name for extra in EXTRAS if extra.every_run}
SCHEDULED = {extra.name for extra in EXTRAS if not extra.every_run}


@pytest.fixture
def crowd(settings: Any) -> Crowd:
    settings.SCORING_EXTRAS_GROWTH = 0.05
    settings.SCORING_EXTRAS_MAX_AGE_SECONDS = 600
    crowd = Crowd()
    crowd.judge(seed=1, count=70)
    first = compute_snapshot(crowd.campaign, rounds=ROUNDS)
    assert first is not None
    assert first.stats["extras_refit"] == "no extras stored yet"
    return crowd


def full_run(crowd: Crowd) -> dict[str, Any]:
    """What a full run over the same judgments stores, rolled back afterwards."""
    found: dict[str, Any] = {}
    try:
        with transaction.atomic():
            Snapshot.objects.filter(campaign=crowd.campaign).delete()
            full = compute_snapshot(crowd.campaign, rounds=ROUNDS, full=True)
            assert full is not None and full.stats["extras_refit"] == "asked"
            found.update(
                contenders=full.contenders,
                participants=full.participants,
                views=full.views,
                analysis=full.analysis,
            )
            raise Rollback
    except Rollback:
        pass
    return found


def test_a_run_after_a_few_new_judgments_carries_the_extras(crowd: Crowd) -> None:
    before = Snapshot.objects.filter(campaign=crowd.campaign).latest()
    crowd.judge(seed=2, count=3)  # 3 of 70: under 5%

    snapshot = compute_snapshot(crowd.campaign, rounds=ROUNDS)

    assert snapshot is not None
    assert snapshot.stats["extras_refit"] == ""
    assert snapshot.stats["extras"] == before.stats["extras"]
    assert snapshot.stats["extras"]["judgments"] == 70
    assert snapshot.judgments == 73
    full = full_run(crowd)
    # What every run fits is the full run's; the scheduled extras are the earlier run's.
    assert snapshot.contenders == full["contenders"]
    assert snapshot.participants == full["participants"]
    for name in EVERY_RUN:
        assert snapshot.analysis[name] == full["analysis"][name], name
    assert snapshot.views == before.views
    for name in SCHEDULED & set(before.analysis):
        assert snapshot.analysis[name] == before.analysis[name], name
    assert list(snapshot.analysis) == list(full["analysis"])  # the registered order
    # Nothing new: a run stores nothing until the extras are due.
    assert compute_snapshot(crowd.campaign, rounds=ROUNDS) is None


def test_carried_extras_are_refitted_once_old_enough(crowd: Crowd, settings: Any) -> None:
    crowd.judge(seed=2, count=3)
    carried = compute_snapshot(crowd.campaign, rounds=ROUNDS)
    assert carried is not None and carried.stats["extras_refit"] == ""
    settings.SCORING_EXTRAS_MAX_AGE_SECONDS = 0  # as if ten minutes had passed

    # No new judgment: the pending fingerprint brings the run back for the extras alone.
    snapshot = compute_snapshot(crowd.campaign, rounds=ROUNDS)

    assert snapshot is not None
    assert snapshot.stats["extras_refit"] == "older than 0 s"
    assert snapshot.stats["extras"]["judgments"] == 73
    assert carried.fingerprint == pending(snapshot.fingerprint)
    full = full_run(crowd)
    assert (snapshot.views, snapshot.analysis) == (full["views"], full["analysis"])
    assert compute_snapshot(crowd.campaign, rounds=ROUNDS) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("grow", "the campaign grew by 5% or more"),
        ("close", "the campaign is not open"),
        ("no_redis", "no worker to refit them later (no Redis)"),
        ("threshold", "settings, contenders or items changed"),
        ("item", "settings, contenders or items changed"),
        ("asked", "asked"),
    ],
)
def test_the_extras_are_due(crowd: Crowd, settings: Any, change: str, reason: str) -> None:
    crowd.judge(seed=2, count=4 if change == "grow" else 1)  # 4 of 70 is 5.7%
    asked = None
    if change == "close":
        Campaign.objects.filter(pk=crowd.campaign.pk).update(status=Campaign.Status.CLOSED)
        crowd.campaign.refresh_from_db()
    elif change == "no_redis":
        settings.REDIS_URL = ""
    elif change == "threshold":
        crowd.set_threshold(3)
    elif change == "item":
        crowd.build.comparison("alpha", "beta")
    elif change == "asked":
        asked = True

    snapshot = compute_snapshot(crowd.campaign, rounds=ROUNDS, extras=asked)

    assert snapshot is not None
    assert snapshot.stats["extras_refit"] == reason
    full = full_run(crowd)
    assert (snapshot.views, snapshot.analysis) == (full["views"], full["analysis"])


def test_pages_say_a_carried_view_counts_fewer_judgments(crowd: Crowd, owner: Any) -> None:
    crowd.judge(seed=2, count=3)
    compute_snapshot(crowd.campaign, rounds=ROUNDS)
    Campaign.objects.filter(pk=crowd.campaign.pk).update(owner=owner)
    client = Client()
    client.force_login(owner)
    base = f"/c/{crowd.campaign.slug}/leaderboard"

    page = client.get(f"{base}/?view=style").content.decode()
    default = client.get(f"{base}/").content.decode()
    document = client.get(f"{base}.json?view=style").json()

    assert 'data-notice="view-as-of"' in page
    assert "fitted on the first 70 judgments" in page
    assert "counts all 73" in page
    assert 'data-notice="view-as-of"' not in default
    assert document["judgments"] == 73
    assert document["view"]["judgments"] == 70
    assert client.get(f"{base}.json").json()["view"]["judgments"] == 73


def test_the_command_refits_the_extras_when_asked(crowd: Crowd, capsys: Any) -> None:
    crowd.judge(seed=2, count=1)

    call_command("score_campaign", crowd.campaign.slug, "--rounds", str(ROUNDS), "--extras")

    snapshot = Snapshot.objects.filter(campaign=crowd.campaign).latest()
    assert snapshot.stats["extras_refit"] == "asked"
    assert snapshot.stats["extras"]["judgments"] == 71
    assert snapshot.computed_at > datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def test_the_dashboard_says_carried_analyses_count_fewer_judgments(
    crowd: Crowd, owner: Any
) -> None:
    Campaign.objects.filter(pk=crowd.campaign.pk).update(owner=owner)
    client = Client()
    client.force_login(owner)
    url = f"/c/{crowd.campaign.slug}/organise/"
    assert 'data-robustness="as-of"' not in client.get(url).content.decode()
    crowd.judge(seed=2, count=3)
    compute_snapshot(crowd.campaign, rounds=ROUNDS)

    page = client.get(url).content.decode()

    assert 'data-robustness="as-of"' in page
    assert "Fitted on the first 70 judgments;" in page  # the robustness section
    assert "points. (Fitted on the first 70 judgments.)" in page  # the position-bias line
