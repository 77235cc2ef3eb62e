"""Who sees which snapshot, and how much of it: gold stays secret while a campaign is open."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from scoring.publication import PUBLIC_STEP
from scoring.snapshots import compute_snapshot
from tests.builders import (
    CampaignBuilder,
    Scored,
    logged_in,
    make_judgeable_campaign,
    make_participant,
    make_snapshot,
)

pytestmark = pytest.mark.django_db

GOLD_FIELDS = ("gold_seen", "gold_correct", "accuracy")


@pytest.fixture
def campaign(owner):
    return make_judgeable_campaign("board", regular=3, owner=owner)


def board_json(client: Client, slug: str = "board") -> dict:
    response = client.get(reverse("scoring:leaderboard_json", args=[slug]))
    assert response.status_code == 200
    return json.loads(response.content)


def test_a_run_is_published_only_once_a_step_of_judgments_has_landed():
    build = CampaignBuilder(contenders=("alpha", "beta"))
    comparison = build.comparison("alpha", "beta")
    published = []
    for total in (1, PUBLIC_STEP - 1, PUBLIC_STEP, PUBLIC_STEP + 10, 2 * PUBLIC_STEP):
        while build.campaign.judgments.count() < total:
            build.judge(build.annotator(), comparison, -1)
        published.append(compute_snapshot(build.campaign, rounds=5).published)
    assert published == [False, False, True, False, True]


def test_viewers_of_an_open_campaign_see_the_last_published_step(campaign, owner):
    make_snapshot(campaign, judgments=100)
    make_snapshot(campaign, judgments=101, published=False)
    assert board_json(Client())["judgments"] == 100
    assert board_json(logged_in(owner))["judgments"] == 101


def test_viewers_of_an_open_campaign_get_no_figure_that_splits_gold_from_regular(
    campaign, participant, owner
):
    second = make_participant(campaign, handle="calm-heron-007")
    make_snapshot(campaign, annotators=[Scored(participant), Scored(second, judgments=40)])
    for client in (Client(), logged_in(participant)):
        rows = board_json(client)["participants"]
        assert [row["handle"] for row in rows] == ["calm-heron-007", participant.handle]
        for row in rows:
            assert set(row) == {"handle", "judgments", "accepted", "score", "rank", "trusted"}
            assert [row[key] for key in ("accepted", "score", "rank", "trusted")] == [None] * 4
        html = client.get(reverse("scoring:leaderboard", args=["board"])).content.decode()
        assert "Accuracy" not in html and "Accepted judgments" not in html
        assert "trusted</span>" not in html
    organiser_rows = board_json(logged_in(owner))["participants"]
    assert all(set(row) >= {*GOLD_FIELDS, "accepted", "score"} for row in organiser_rows)


def test_once_the_campaign_is_closed_everyone_sees_every_figure_of_the_latest_run(
    campaign, participant
):
    make_snapshot(campaign, judgments=100, annotators=[Scored(participant)])
    make_snapshot(campaign, judgments=101, annotators=[Scored(participant)], published=False)
    campaign.status = "closed"
    campaign.save(update_fields=["status"])
    document = board_json(Client())
    assert document["judgments"] == 101
    (row,) = document["participants"]
    assert row["gold_seen"] == 6 and row["accuracy"] is not None and row["trusted"] is True
    html = Client().get(reverse("scoring:leaderboard", args=["board"])).content.decode()
    assert "Accuracy" in html


def test_export_leaderboard_public_writes_what_viewers_get(campaign, participant, tmp_path):
    make_snapshot(campaign, judgments=100, annotators=[Scored(participant)])
    make_snapshot(campaign, judgments=101, annotators=[Scored(participant)], published=False)

    def export(*flags: str) -> dict:
        out = tmp_path / "board.json"
        call_command("export_leaderboard", "board", "--out", str(out), *flags, stdout=io.StringIO())
        return json.loads(out.read_text())

    public, full = export("--public"), export()
    assert public["judgments"] == 100 and public["participants"][0]["accepted"] is None
    assert not set(GOLD_FIELDS) & set(public["participants"][0])
    assert full["judgments"] == 101 and full["participants"][0]["gold_seen"] == 6
