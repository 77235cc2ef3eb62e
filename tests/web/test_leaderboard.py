"""The public leaderboard page and its JSON/CSV downloads: who sees what, read from snapshots."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from scoring import views
from scoring.models import Snapshot
from tests.builders import (
    SECRET_CONTENDERS,
    Scored,
    logged_in,
    make_judgeable_campaign,
    make_participant,
    make_snapshot,
)

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def campaign(owner):
    return make_judgeable_campaign("board", regular=3, owner=owner)


def clients(request, people: list[str]) -> dict[str, Client]:
    result = {}
    for who in people:
        if who == "anonymous":
            result[who] = Client()
        elif who == "staff":
            result[who] = logged_in(request.getfixturevalue("teammate"))
        else:
            result[who] = logged_in(request.getfixturevalue(who))
    return result


PEOPLE = ["anonymous", "participant", "stranger", "owner", "staff"]


def page(client: Client, slug: str = "board"):
    return client.get(reverse("scoring:leaderboard", args=[slug]))


def test_a_public_leaderboard_is_live_for_everyone(request, campaign, participant):
    make_snapshot(campaign, annotators=[Scored(participant)])
    for who, client in clients(request, PEOPLE).items():
        response = page(client)
        assert response.status_code == 200, who
        body = response.content.decode()
        for name in SECRET_CONTENDERS:
            assert name in body, who


@pytest.mark.parametrize("status", ["open", "draft"])
def test_a_hidden_leaderboard_is_for_organisers_until_the_campaign_closes(
    request, campaign, participant, status
):
    campaign.leaderboard = "hidden"
    campaign.status = status
    campaign.save(update_fields=["leaderboard", "status"])
    make_snapshot(campaign, annotators=[Scored(participant)])
    expected = {"owner": 200, "staff": 200}
    refused = 403 if status == "open" else 404  # a draft is out of sight altogether
    for who, client in clients(request, PEOPLE).items():
        response = page(client)
        assert response.status_code == expected.get(who, refused), who
        body = response.content.decode()
        if who not in expected:
            for name in SECRET_CONTENDERS:
                assert name not in body, who
            for name in ("leaderboard_json", "leaderboard_csv"):
                download = client.get(reverse(f"scoring:{name}", args=["board"]))
                assert download.status_code == refused, (who, name)
                assert SECRET_CONTENDERS[0] not in download.content.decode()
    if status == "open":
        assert "hidden until the campaign closes" in page(Client()).content.decode()


def test_a_hidden_leaderboard_opens_to_everyone_once_closed(request, campaign, participant):
    campaign.leaderboard = "hidden"
    campaign.status = "closed"
    campaign.save(update_fields=["leaderboard", "status"])
    make_snapshot(campaign)
    for who, client in clients(request, PEOPLE).items():
        assert page(client).status_code == 200, who
        download = client.get(reverse("scoring:leaderboard_json", args=["board"]))
        assert download.status_code == 200, who


def test_an_unknown_campaign_is_a_404():
    assert page(Client(), "nope").status_code == 404


def test_before_the_first_scoring_run_the_page_says_so(campaign):
    response = page(Client())
    assert response.status_code == 200
    body = response.content.decode()
    assert "No results yet" in body
    assert reverse("scoring:leaderboard_json", args=["board"]) not in body
    for name in ("leaderboard_json", "leaderboard_csv"):
        download = Client().get(reverse(f"scoring:{name}", args=["board"]))
        assert download.status_code == 404
        assert "not been scored yet" in download.content.decode()


def test_the_page_shows_ranked_contenders_with_intervals_and_participants_by_handle(
    campaign, participant
):
    second = make_participant(campaign, handle="calm-heron-007")
    make_snapshot(
        campaign,
        annotators=[Scored(participant, judgments=50), Scored(second, gold_correct=2)],
        judgments=321,
    )
    body = page(Client()).content.decode()
    assert "from <strong>321</strong> judgments" in body
    first, last = (body.index(name) for name in SECRET_CONTENDERS)
    assert first < last  # best first
    assert "1020" in body and "995 \u2013 1045" in body  # rating and 95% interval of the best
    assert "<svg" in body and "Ratings with 95% intervals" in body
    assert "Head-to-head win rates" in body
    assert "brave-otter-042" in body and "calm-heron-007" in body
    # Handles only: never a login name.
    assert participant.username not in body and second.username not in body
    assert body.index("brave-otter-042") < body.index("calm-heron-007")


def test_a_hostile_contender_name_is_escaped_in_table_and_charts(campaign):
    make_snapshot(campaign, contenders=[HOSTILE, "plain-model"])
    body = page(Client()).content.decode()
    assert HOSTILE not in body
    assert body.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4  # table, chart, heatmap


def test_the_page_reads_the_latest_snapshot_and_computes_nothing(
    campaign, django_assert_max_num_queries
):
    old = make_snapshot(campaign, contenders=["old-model-a", "old-model-b"])
    Snapshot.objects.filter(pk=old.pk).update(computed_at=old.computed_at.replace(year=2020))
    make_snapshot(campaign)
    # Session and campaign, then the snapshot: no judgment is read.
    with django_assert_max_num_queries(3):
        body = page(Client()).content.decode()
    assert "old-model-a" not in body and SECRET_CONTENDERS[0] in body


@pytest.mark.parametrize("name", ["scoring:leaderboard", "scoring:leaderboard_json"])
def test_the_page_and_download_read_the_snapshot_without_its_annotator_rows(
    name, campaign, participant, django_assert_max_num_queries
):
    make_snapshot(campaign, annotators=[Scored(participant)])
    # The campaign, then the snapshot; the JSON's campaign slug costs no third query.
    with django_assert_max_num_queries(2) as captured:
        assert Client().get(reverse(name, args=["board"])).status_code == 200
    snapshot_sql = captured.captured_queries[-1]["sql"]
    assert '"scoring_snapshot"."contenders"' in snapshot_sql
    assert '"scoring_snapshot"."annotators"' not in snapshot_sql


def test_json_download_is_the_documented_document(campaign, participant):
    make_snapshot(campaign, annotators=[Scored(participant)])
    response = Client().get(reverse("scoring:leaderboard_json", args=["board"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert 'filename="board-leaderboard.json"' in response["Content-Disposition"]
    document = json.loads(response.content)
    assert set(document) >= {"campaign", "computed_at", "judgments", "contenders", "participants"}
    assert document["campaign"] == "board"
    assert [row["name"] for row in document["contenders"]] == list(SECRET_CONTENDERS)
    contender = document["contenders"][0]
    for key in ("rating", "ci_lower", "ci_upper", "rank", "votes", "wins", "losses", "ties"):
        assert key in contender
    assert document["participants"][0]["handle"] == "brave-otter-042"
    assert participant.username not in response.content.decode()


def test_csv_download_has_a_header_and_a_row_per_contender(campaign):
    make_snapshot(campaign, contenders=[HOSTILE, "model, with comma"])
    response = Client().get(reverse("scoring:leaderboard_csv", args=["board"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="board-leaderboard.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["rank", "name", "rating"]
    assert [row[1] for row in rows[1:]] == [HOSTILE, "model, with comma"]


def test_campaign_page_and_home_link_to_a_visible_leaderboard(campaign):
    url = reverse("scoring:leaderboard", args=["board"])
    assert url in Client().get(reverse("campaign:detail", args=["board"])).content.decode()
    assert url in Client().get(reverse("campaign:home")).content.decode()
    campaign.leaderboard = "hidden"
    campaign.save(update_fields=["leaderboard"])
    assert url not in Client().get(reverse("campaign:detail", args=["board"])).content.decode()
    assert url not in Client().get(reverse("campaign:home")).content.decode()
    campaign.status = "closed"
    campaign.save(update_fields=["status"])
    assert url in Client().get(reverse("campaign:home")).content.decode()


def test_model_names_never_reach_the_annotate_page_even_once_scored(campaign, participant):
    make_snapshot(campaign, annotators=[Scored(participant)])
    client = logged_in(participant)
    for name in ("campaign:annotate", "scoring:progress"):
        body = client.get(reverse(name, args=["board"])).content.decode()
        for secret in SECRET_CONTENDERS:
            assert secret not in body


def test_the_participant_ranking_is_paged_keeping_the_board_shown(
    campaign, participant, owner, monkeypatch
):
    monkeypatch.setattr(views, "PARTICIPANTS_PER_PAGE", 2)
    others = [make_participant(campaign, handle=f"late-lynx-00{k}") for k in (1, 2)]
    make_snapshot(
        campaign,
        annotators=[
            Scored(participant, judgments=90),
            Scored(others[0], judgments=60),
            Scored(others[1], judgments=30),
        ],
    )
    client = logged_in(owner)
    url = reverse("scoring:leaderboard", args=["board"])

    first = client.get(url, {"view": "bt"}).content.decode()
    second = client.get(url, {"view": "bt", "participants": "2"}).content.decode()
    beyond = client.get(url, {"participants": "99"}).content.decode()

    assert "brave-otter-042" in first and "late-lynx-002" not in first
    assert "Page 1 of 2 (3 participants" in first
    assert 'href="?view=bt&amp;participants=2#participants-heading"' in first
    assert "late-lynx-002" in second and "brave-otter-042" not in second
    assert "late-lynx-002" in beyond  # a page past the end shows the last one
