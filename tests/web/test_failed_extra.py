"""One extra board whose fit fails on a campaign's data costs that board, not the snapshot."""

from __future__ import annotations

import pytest
from django.urls import reverse

from scoring import extras
from scoring.numerics.votes import RatingError
from scoring.snapshots import compute_snapshot
from tests.builders import CampaignBuilder, logged_in

pytestmark = pytest.mark.django_db


def no_optimum(run: extras.ScoringRun, facts: object) -> dict:
    raise RatingError("no optimum on this data")


def test_a_view_whose_fit_fails_is_left_out_and_the_rest_is_stored(owner, monkeypatch):
    failing = extras.Extra(name="fragile", kind="view", compute=no_optimum)
    monkeypatch.setattr(extras, "EXTRAS", [*extras.EXTRAS, failing])
    build = CampaignBuilder(("alpha", "beta"), slug="fragile", owner=owner)
    person = build.annotator(handle="steady-1")
    for _ in range(3):
        build.judge(person, build.comparison("alpha", "beta"), -1)

    snapshot = compute_snapshot(build.campaign, rounds=10)

    assert snapshot is not None and snapshot.rated_judgments == 3
    assert snapshot.stats["failed_extras"] == {"fragile": "no optimum on this data"}
    assert "fragile" not in snapshot.views and "crowd_bt" in snapshot.views
    page = logged_in(owner).get(reverse("scoring:leaderboard", args=["fragile"]))
    assert page.status_code == 200
    assert "?view=crowd_bt" in page.content.decode()  # the other boards are offered
    assert "?view=fragile" not in page.content.decode()


def test_any_other_failure_of_an_extra_is_a_bug_and_stops_the_run(owner, monkeypatch):
    def broken(run: extras.ScoringRun, facts: object) -> dict:
        raise KeyError("a bug")

    monkeypatch.setattr(
        extras, "EXTRAS", [*extras.EXTRAS, extras.Extra(name="buggy", kind="view", compute=broken)]
    )
    build = CampaignBuilder(("alpha", "beta"), slug="buggy", owner=owner)
    build.judge(build.annotator(handle="steady-1"), build.comparison("alpha", "beta"), -1)

    with pytest.raises(KeyError):
        compute_snapshot(build.campaign, rounds=10)
