"""Progress, the organisers' leaderboard and Recompute through the API."""

from __future__ import annotations

import pytest

from tests.api.conftest import campaign_url
from tests.builders import judge, make_participant, make_snapshot

pytestmark = pytest.mark.django_db


def test_progress_counts_judgments_against_the_target(owner_api, campaign):
    body = owner_api.get(campaign_url(campaign, "/progress")).json()
    assert body["total"]["comparisons"] == 3
    assert body["total"]["target"] == 9
    assert body["coverage"] == [3, 0, 0, 0]
    assert body["scoring"] == {
        "computed_at": None,
        "judgments_scored": 0,
        "unscored": 0,
        "behind": False,
    }


def test_the_leaderboard_is_the_organisers_document(owner_api, campaign):
    assert owner_api.get(campaign_url(campaign, "/leaderboard")).status_code == 404
    make_snapshot(campaign, published=False)
    body = owner_api.get(campaign_url(campaign, "/leaderboard")).json()
    assert body["campaign"] == campaign.slug
    assert body["judgments"] == 120
    assert {"rank", "name", "rating", "ci_lower", "ci_upper"} <= set(body["contenders"][0])


def test_recompute_answers_202_and_the_run_shows_in_progress(owner_api, campaign):
    participant = make_participant(campaign)
    judge(participant, campaign.comparisons.first(), verdict=2)
    assert owner_api.get(campaign_url(campaign, "/progress")).json()["scoring"]["unscored"] == 1
    response = owner_api.post(campaign_url(campaign, "/recompute"))
    assert response.status_code == 202
    body = response.json()
    # Embedded mode (no broker): the run happened in the request.
    assert body["request"] == "done"
    assert body["progress_url"] == campaign_url(campaign, "/progress")
    scoring = owner_api.get(body["progress_url"]).json()["scoring"]
    assert (scoring["unscored"], scoring["judgments_scored"]) == (0, 1)
    assert scoring["computed_at"] is not None


def test_a_recompute_with_nothing_new_says_so(owner_api, campaign):
    judge(make_participant(campaign), campaign.comparisons.first(), verdict=2)
    assert owner_api.post(campaign_url(campaign, "/recompute")).json()["request"] == "done"

    again = owner_api.post(campaign_url(campaign, "/recompute"))

    assert again.status_code == 202
    assert again.json()["request"] == "unchanged"
