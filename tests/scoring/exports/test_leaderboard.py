"""The leaderboard as files: PRODUCT.md's JSON shape and the CSV of contender rows."""

from __future__ import annotations

import csv
import io

import pytest

from campaign.spreadsheet import SafeWriter
from scoring.exports.leaderboard import leaderboard_csv_rows, leaderboard_document
from scoring.snapshots import compute_snapshot
from tests.builders import CampaignBuilder

pytestmark = pytest.mark.django_db

CONTENDER_KEYS = {
    "name",
    "rating",
    "ci_lower",
    "ci_upper",
    "rank",
    "votes",
    "wins",
    "losses",
    "ties",
    "win_rate",
    "online_elo",
}
PARTICIPANT_KEYS = {
    "handle",
    "judgments",
    "accepted",
    "gold_seen",
    "gold_correct",
    "accuracy",
    "trusted",
    "score",
    "rank",
}


@pytest.fixture
def snapshot():
    build = CampaignBuilder(contenders=("alpha", "beta"), min_gold_seen=1, min_gold_accuracy=0.5)
    gold = build.comparison("alpha", "beta", gold="a")
    regular = build.comparison("alpha", "beta")
    for _ in range(2):
        person = build.annotator()
        build.judge(person, gold, -2)
        build.judge(person, regular, -1)
    return compute_snapshot(build.campaign)


def test_json_document_has_product_md_shape(snapshot) -> None:
    document = leaderboard_document(snapshot, full=True)
    assert set(document) == {
        "campaign",
        "computed_at",
        "judgments",
        "rated_judgments",
        "vetted",
        "unrated_reason",
        "view",
        "views",
        "contenders",
        "participants",
        "allocation",
        "pair_votes",
    }
    assert (document["vetted"], document["unrated_reason"]) == (True, None)
    assert document["view"] == {
        "name": "bt",
        "label": "Bradley-Terry",
        "judgments": document["judgments"],
    }
    assert {"name": "style", "label": "Style-controlled", "kind": "method"} in document["views"]
    assert document["allocation"] == "uniform"
    assert document["pair_votes"] == [{"a": "alpha", "b": "beta", "votes": 2}]
    assert document["campaign"] == snapshot.campaign.slug
    assert document["computed_at"] == snapshot.computed_at.isoformat()
    assert document["judgments"] == 4
    assert [row["name"] for row in document["contenders"]] == ["alpha", "beta"]
    assert all(set(row) >= CONTENDER_KEYS for row in document["contenders"])
    assert len(document["participants"]) == 2
    assert all(set(row) >= PARTICIPANT_KEYS for row in document["participants"])
    assert document["contenders"][0]["wins"] == 2


def test_csv_is_a_header_then_one_row_per_contender_best_first(snapshot) -> None:
    buffer = io.StringIO()
    SafeWriter(buffer).writerows(leaderboard_csv_rows(snapshot))
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert [row["name"] for row in rows] == ["alpha", "beta"]
    assert set(rows[0]) == CONTENDER_KEYS | {"votes_counted"}
    assert rows[0]["votes_counted"] == "trusted annotators"
    assert rows[0]["rank"] == "1" and rows[0]["votes"] == "2" and rows[1]["losses"] == "2"
    assert float(rows[0]["rating"]) > float(rows[1]["rating"])
    assert rows[0]["win_rate"] == "1.0000"
