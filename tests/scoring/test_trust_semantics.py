"""Honest trust in the scoring job: a campaign without gold counts every vote, nobody is
trusted on no gold, a run that rates nothing says why, and gold spotters are left out."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from campaign.imports.votes import import_judgments
from campaign.services import create_campaign
from scoring.exports import leaderboard_document
from scoring.numerics.flags import AT_CHANCE, GOLD_SPOTTER
from scoring.snapshots import compute_snapshot
from tests.builders import CampaignBuilder, write_jsonl

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scoring_redis")]

MODELS = ("llama", "bloom", "opt")


def crowd_votes(workers: int = 6, prompts: int = 12) -> list[dict[str, str]]:
    """A crowd file as it comes from elsewhere: no gold, llama > bloom > opt mostly."""
    rows = []
    for prompt in range(prompts):
        a, b = MODELS[prompt % 3], MODELS[(prompt + 1) % 3]
        better = "a" if MODELS.index(a) < MODELS.index(b) else "b"
        for worker in range(workers):
            winner = better if (prompt + worker) % 4 else "tie"
            rows.append(
                {
                    "annotator": f"w{worker}",
                    "prompt": f"p{prompt}",
                    "model_a": a,
                    "model_b": b,
                    "winner": winner,
                }
            )
    return rows


def score(slug: str) -> str:
    out = io.StringIO()
    call_command("score_campaign", slug, "--rounds", "20", stdout=out)
    return out.getvalue()


def test_imported_votes_without_gold_rate_every_contender_with_default_settings(tmp_path):
    campaign = create_campaign(slug="crowd", title="Crowd votes")  # default gold thresholds
    report = import_judgments(campaign, write_jsonl(tmp_path / "votes.jsonl", crowd_votes()))
    assert report.ok, report.errors

    output = score("crowd")

    snapshot = campaign.snapshots.get()
    assert snapshot.rated_judgments == snapshot.judgments == 72
    assert all(row["votes"] > 0 for row in snapshot.contenders)
    assert [row["name"] for row in snapshot.contenders] == list(MODELS)
    assert "3 contenders ranked from 72 judgments (72 rated, not vetted (no gold)" in output
    assert all(row["trusted"] is None and row["accuracy"] is None for row in snapshot.participants)
    assert all(row["score"] > 0 for row in snapshot.participants)
    document = leaderboard_document(snapshot, full=True)
    assert document["vetted"] is False and len(document["contenders"]) == 3


def test_with_gold_an_annotator_who_met_none_has_no_accuracy_and_is_not_trusted():
    build = CampaignBuilder(("alpha", "beta"), min_gold_seen=0, min_gold_accuracy=0.0)
    build.comparison("alpha", "beta", gold="a")  # the campaign has gold; nobody met it
    regular = build.comparison("alpha", "beta")
    build.judge(build.annotator(handle="no-gold-met"), regular, -1)

    snapshot = compute_snapshot(build.campaign, rounds=20)

    [row] = snapshot.participants
    assert (row["accuracy"], row["trusted"], row["accepted"]) == (None, False, 0)
    assert snapshot.annotators[0]["accuracy_lower"] is None


def test_a_run_that_rates_nothing_says_why(tmp_path):
    build = CampaignBuilder(("alpha", "beta"))  # default thresholds: 5 gold to qualify
    gold, regular = build.comparison("alpha", "beta", gold="a"), build.comparison("alpha", "beta")
    person = build.annotator()
    build.judge(person, gold, -1)
    build.judge(person, regular, -1)

    output = score(build.campaign.slug)

    snapshot = build.campaign.snapshots.get()
    assert snapshot.rated_judgments == 0
    assert "No vote counts yet: 2 judgments, none by a trusted annotator" in output
    assert "0 contenders ranked" in output and "alpha" not in output.split("No vote")[0]
    document = leaderboard_document(snapshot, full=True)
    assert document["contenders"] == []
    assert document["unrated_reason"] == "2 judgments waiting for their annotators to qualify"


def spotter_campaign(**settings) -> CampaignBuilder:
    """Four careful annotators and one who answers gold right and prefers b elsewhere."""
    build = CampaignBuilder(("alpha", "beta"), **settings)
    golds = [build.comparison("alpha", "beta", gold="a") for _ in range(8)]
    regulars = [build.comparison("alpha", "beta") for _ in range(35)]
    for handle in ("careful-1", "careful-2", "careful-3", "careful-4", "spotter-1"):
        person = build.annotator(handle=handle)
        for comparison in golds:
            build.judge(person, comparison, -1)
        for comparison in regulars:
            build.judge(person, comparison, 1 if handle == "spotter-1" else -1)
    return build


def test_a_gold_spotter_is_flagged_and_left_out_of_the_ratings_by_default():
    snapshot = compute_snapshot(spotter_campaign().campaign, rounds=20)

    rows = {row["handle"]: row for row in snapshot.annotators}
    assert GOLD_SPOTTER in rows["spotter-1"]["flags"] and rows["spotter-1"]["trusted"] is True
    assert rows["spotter-1"]["accepted"] == 0
    assert snapshot.rated_judgments == 4 * 35
    assert snapshot.stats["gold_spotters"] == 1
    # Always answering against the consensus is their habit, so chance agreement is nil too.
    assert snapshot.stats["at_chance"] == 1 and AT_CHANCE in rows["spotter-1"]["flags"]
    winner_free = {row["handle"]: row["score"] for row in snapshot.participants}
    assert winner_free["spotter-1"] == 0


def test_a_campaign_may_keep_the_votes_of_gold_spotters():
    snapshot = compute_snapshot(spotter_campaign(exclude_gold_spotters=False).campaign, rounds=20)

    rows = {row["handle"]: row for row in snapshot.annotators}
    assert GOLD_SPOTTER in rows["spotter-1"]["flags"]
    assert rows["spotter-1"]["accepted"] == 35 and snapshot.rated_judgments == 5 * 35
