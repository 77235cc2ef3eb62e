"""The dashboard's position-bias sentence, from the snapshot's ``position_bias`` analysis
(scoring.controlled.bias); organisers only, like the rest of the dashboard."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from scoring.snapshots import compute_snapshot
from tests.builders import CampaignBuilder, logged_in, make_judgeable_campaign, make_snapshot

pytestmark = pytest.mark.django_db

URL = reverse("scoring:dashboard", args=["bias"])


@pytest.fixture
def campaign(owner):
    return make_judgeable_campaign("bias", regular=4, owner=owner)


def with_bias(campaign, **bias):
    snapshot = make_snapshot(campaign)
    snapshot.analysis = {"position_bias": bias}
    snapshot.save(update_fields=["analysis"])


def sentence(client: Client) -> str:
    body = client.get(URL).content.decode()
    start = body.index('data-analysis="position-bias"')
    return body[body.index(">", start) + 1 : body.index("</p>", start)]


def test_a_measured_left_advantage_is_said_with_its_interval(campaign, owner):
    with_bias(
        campaign,
        left_advantage=17.4,
        ci_lower=9.2,
        ci_upper=25.0,
        left_win_share=0.5252,
        votes=12040,
        measurable=True,
    )

    assert sentence(logged_in(owner)) == (
        "Left side favoured by 17 Elo (95% CI +9 to +25, left minus right) over 12,040 "
        "counted votes; the left side took 52.5% of the points."
    )


def test_a_right_side_preference_names_the_right_side(campaign, owner):
    with_bias(
        campaign,
        left_advantage=-30.0,
        ci_lower=-41.0,
        ci_upper=-19.0,
        left_win_share=0.46,
        votes=5000,
        measurable=True,
    )

    assert sentence(logged_in(owner)).startswith("Right side favoured by 30 Elo (95% CI -41 to -19")


def test_an_interval_around_zero_says_no_measurable_bias(campaign, owner):
    with_bias(
        campaign,
        left_advantage=3.0,
        ci_lower=-8.0,
        ci_upper=14.0,
        left_win_share=0.504,
        votes=800,
        measurable=False,
    )

    assert sentence(logged_in(owner)).startswith(
        "No measurable position bias: left side +3 Elo (95% CI -8 to +14) over 800"
    )


def test_without_votes_or_an_older_snapshot_the_dashboard_says_nothing_of_bias(campaign, owner):
    make_snapshot(campaign)  # stored before the analysis existed

    assert "position-bias" not in logged_in(owner).get(URL).content.decode()


def test_a_scored_campaign_shows_the_sentence_only_to_organisers(owner):
    build = CampaignBuilder(slug="bias", owner=owner, min_gold_seen=0, min_gold_accuracy=0)
    person = build.annotator()
    for k in range(8):
        comparison = build.comparison("alpha", "beta")
        build.judge(person, comparison, -1, left="a" if k % 2 else "b")
    compute_snapshot(build.campaign, rounds=10)

    assert "position bias" in sentence(logged_in(owner))
    assert logged_in(person).get(URL).status_code == 404
    assert Client().get(URL).status_code == 302
