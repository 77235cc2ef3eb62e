"""The coverage tally a scoring run stores is the one the dashboard would count live."""

from __future__ import annotations

import pytest

from campaign.models import Judgment
from campaign.organise.statistics import campaign_progress, coverage_tally
from scoring.coverage import progress_tally
from scoring.selectors import scoring_lag
from scoring.snapshots import compute_snapshot
from tests.builders import CampaignBuilder

pytestmark = pytest.mark.django_db


@pytest.fixture
def build() -> CampaignBuilder:
    """Regular comparisons in two categories and none, judged 0 to 3 times, and gold."""
    build = CampaignBuilder(judgments_per_comparison=2, min_gold_seen=0, min_gold_accuracy=0)
    people = [build.annotator() for _ in range(3)]
    gold = build.comparison("alpha", "beta", gold="a", category="coding")
    plan = [
        ("alpha", "beta", "coding", 3),
        ("beta", "gamma", "coding", 1),
        ("alpha", "gamma", "coding", 1),
        ("alpha", "beta", "writing", 0),
        ("beta", "gamma", "writing", 2),
        ("alpha", "gamma", "", 1),
    ]
    for a, b, category, judged in plan:
        comparison = build.comparison(a, b, category=category, prompt=f"{a}/{b}/{category}")
        for person in people[:judged]:
            build.judge(person, comparison, -1)
    build.judge(people[0], gold, -1)
    build.judge(people[1], gold, 1)
    return build


def test_the_stored_tally_equals_the_live_count(build) -> None:
    snapshot = compute_snapshot(build.campaign, rounds=5)

    stored = progress_tally(snapshot)
    live = coverage_tally(build.campaign)

    assert stored is not None and stored.counted_at == snapshot.computed_at
    assert (
        sorted(stored.rows)
        == sorted(live.rows)
        == [
            ("", 1, 1),
            ("coding", 1, 2),
            ("coding", 3, 1),
            ("writing", 0, 1),
            ("writing", 2, 1),
        ]
    )
    assert (stored.all_judgments, stored.gold_judgments) == (10, 2)
    assert (live.all_judgments, live.gold_judgments) == (10, 2)
    from_snapshot = campaign_progress(build.campaign, stored)
    counted_live = campaign_progress(build.campaign)
    assert from_snapshot.coverage == counted_live.coverage == [1, 3, 1, 1]
    assert from_snapshot.categories == counted_live.categories
    assert from_snapshot.complete_comparisons == 2  # judged at least twice


def test_new_items_make_the_next_run_store_a_fresh_tally(build) -> None:
    compute_snapshot(build.campaign, rounds=5)
    build.comparison("alpha", "beta", category="maths", prompt="new")

    snapshot = compute_snapshot(build.campaign, rounds=5)

    assert snapshot is not None, "a new comparison must not look like nothing new"
    assert ("maths", 0, 1) in progress_tally(snapshot).rows


def test_a_campaign_never_scored_has_no_stored_tally(build) -> None:
    assert progress_tally(None) is None


def test_the_lag_counts_judgments_after_the_run_even_with_old_timestamps(build) -> None:
    snapshot = compute_snapshot(build.campaign, rounds=5)
    assert scoring_lag(build.campaign, snapshot).unscored == 0
    comparison = build.comparison("beta", "gamma", category="maths", prompt="late")
    judgment = build.judge(build.annotator(), comparison, 1)
    # An imported vote carries its own, older time: it is still not scored.
    Judgment.objects.filter(pk=judgment.pk).update(
        created_at=snapshot.computed_at.replace(year=2020)
    )

    lag = scoring_lag(build.campaign, snapshot)

    assert lag.unscored == 1
    assert lag.waiting_since is None  # nothing recorded after the run waits on the clock
