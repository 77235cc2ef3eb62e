"""What pages say about trust: "not vetted (no gold)" without gold, a dash for an accuracy nobody
measured (never 50%), and an empty state instead of a ranking before any vote counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.builders import Scored, make_judgeable_campaign, make_participant, make_snapshot

pytestmark = pytest.mark.django_db

NOT_VETTED = "not vetted (no gold)"


def page(client, name: str, campaign) -> str:
    response = client.get(reverse(name, args=[campaign.slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_campaign_without_gold_says_so_on_every_page_and_file(
    owner_client, participant_client, participant, campaign
):
    # conftest's campaign has regular comparisons only.
    make_snapshot(
        campaign, annotators=[Scored(participant, gold_seen=0, gold_correct=0)], vetted=False
    )

    board = page(owner_client, "scoring:leaderboard", campaign)
    assert NOT_VETTED in board and 'badge ok">trusted' not in board
    assert "50%" not in board
    dashboard = page(owner_client, "scoring:dashboard", campaign)
    assert 'data-notice="not-vetted"' in dashboard and NOT_VETTED in dashboard.lower()
    document = owner_client.get(reverse("scoring:leaderboard_json", args=[campaign.slug])).json()
    assert document["vetted"] is False
    assert document["participants"][0]["trusted"] is None
    assert document["participants"][0]["accuracy"] is None
    csv_text = b"".join(
        owner_client.get(reverse("scoring:leaderboard_csv", args=[campaign.slug]))
    ).decode()
    assert csv_text.splitlines()[1].endswith(NOT_VETTED.join(["all: ", ""]))
    progress = page(participant_client, "scoring:progress", campaign)
    assert 'data-trust="unvetted"' in progress and "Not vetted (no gold)" in progress


def test_with_gold_an_annotator_who_met_none_shows_a_dash_never_50_percent(owner_client, owner):
    campaign = make_judgeable_campaign("golden", regular=3, gold=2, owner=owner)
    newcomer = make_participant(campaign, handle="new-comer-001")
    make_snapshot(campaign, annotators=[Scored(newcomer, gold_seen=0, gold_correct=0)])

    dashboard = page(owner_client, "scoring:dashboard", campaign)
    row = dashboard[
        dashboard.index("new-comer-001") : dashboard.index(
            "</tr>", dashboard.index("new-comer-001")
        )
    ]
    assert "50%" not in row and "\u2013" in row and 'badge ok">trusted' not in row
    board = page(owner_client, "scoring:leaderboard", campaign)
    assert "50%" not in board and NOT_VETTED not in board
    document = owner_client.get(reverse("scoring:leaderboard_json", args=[campaign.slug])).json()
    assert (document["participants"][0]["accuracy"], document["participants"][0]["trusted"]) == (
        None,
        False,
    )


@pytest.mark.parametrize(
    ("judgments", "says"),
    [(0, "No votes yet"), (7, "<strong>7</strong> judgments waiting for their annotators")],
)
def test_a_leaderboard_without_a_rated_vote_shows_why_not_a_ranking(
    owner_client, campaign, judgments, says
):
    make_snapshot(campaign, judgments=judgments, rated_judgments=0)

    board = page(owner_client, "scoring:leaderboard", campaign)

    assert says in board
    assert 'class="data leaderboard"' not in board and "1000" not in board
