"""The snapshot's "robustness" analysis (scoring.robustness) from a real scoring run."""

from __future__ import annotations

import pytest

from scoring.snapshots import compute_snapshot
from tests.builders import make_flipped_crowd

pytestmark = pytest.mark.django_db


def test_the_snapshot_names_the_annotator_whose_votes_alone_flip_two_contenders():
    crowd = make_flipped_crowd()

    snapshot = compute_snapshot(crowd.campaign, rounds=50)

    assert snapshot is not None
    assert [row["name"] for row in snapshot.contenders] == ["alpha", "beta", "gamma"]
    robustness = snapshot.analysis["robustness"]
    loo = robustness["leave_one_out"]
    # The cheater failed gold: their votes do not count, so they are not left out in turn.
    assert (loo["annotators"], loo["refitted"], loo["largest_place_change"]) == (5, 5, 1)
    flipper = loo["influential"][0]
    assert (flipper["user_id"], flipper["votes"], flipper["places_moved"]) == (
        crowd.flipper.pk,
        6,
        2,
    )
    assert [(m["name"], m["place"], m["place_without"]) for m in flipper["moves"]] == [
        ("alpha", 1, 2),
        ("beta", 2, 1),
    ]
    assert {row["user_id"] for row in loo["influential"]} == {crowd.flipper.pk} | {
        person.pk for person in crowd.honest
    }
    assert all(row["places_moved"] == 0 for row in loo["influential"][1:])
    neighbours = robustness["neighbours"]
    assert [(row["upper"], row["lower"]) for row in neighbours] == [
        ("alpha", "beta"),
        ("beta", "gamma"),
    ]
    # Votes involving alpha or beta: 4 x 9 honest + the flipper's 6 (4 x 3 beta-gamma included).
    assert neighbours[0]["votes"] == 42
    assert neighbours[0]["separated"] is False and neighbours[0]["more_votes"] > 0
    assert "extra:robustness" in snapshot.stats["timings"]


def test_a_campaign_without_votes_stores_an_empty_analysis():
    crowd_campaign = make_flipped_crowd().campaign
    crowd_campaign.judgments.all().delete()

    snapshot = compute_snapshot(crowd_campaign, rounds=10)

    assert snapshot is not None
    robustness = snapshot.analysis["robustness"]
    assert robustness["leave_one_out"] == {
        "annotators": 0,
        "refitted": 0,
        "cap": 300,
        "largest_place_change": 0,
        "influential": [],
    }
    assert [row["more_votes"] for row in robustness["neighbours"]] == [None, None]
