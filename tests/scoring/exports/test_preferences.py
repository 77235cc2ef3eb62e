"""export_preferences: the trusted consensus of each regular comparison, in TRL's format."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from scoring.exceptions import NotScoredYet
from scoring.exports.preferences import preference_rows
from scoring.snapshots import compute_snapshot
from tests.builders import CampaignBuilder, Scored, make_snapshot

pytestmark = pytest.mark.django_db


def export(slug: str, out) -> str:
    stdout = io.StringIO()
    call_command("export_preferences", slug, "--out", str(out), "--no-progress", stdout=stdout)
    return stdout.getvalue()


def test_only_comparisons_the_trusted_consensus_decides_are_exported(scenario, tmp_path) -> None:
    out = tmp_path / "preferences.jsonl"
    message = export(scenario.campaign.slug, out)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert "Wrote 2 preference pairs" in message
    # tied (a tie among the trusted), unvetted (no trusted vote) and gold are left out
    assert rows == [
        {
            "prompt": "Explain tides.",
            "chosen": "Moon.",
            "rejected": "Wind.",
            "chosen_model": "alpha",
            "rejected_model": "beta",
            "prompt_id": scenario.clear.prompt.external_id,
            "category": "science",
            "margin": 1.5,  # mean of good -2 and fair -1; bad's +2 is not counted
            "votes": 2,
            "comparison_id": scenario.clear.pk,
        },
        {
            "prompt": "Say hi.",
            "chosen": "Hello!",
            "rejected": "-hi",
            "chosen_model": "alpha",
            "rejected_model": "gamma",
            "prompt_id": scenario.flipped.prompt.external_id,
            "category": "",
            "margin": 2.0,
            "votes": 1,
            "comparison_id": scenario.flipped.pk,
        },
    ]


def test_parquet_holds_the_same_rows_as_jsonl(scenario, tmp_path) -> None:
    export(scenario.campaign.slug, tmp_path / "p.jsonl")
    export(scenario.campaign.slug, tmp_path / "p.parquet")
    lines = (tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()
    assert pq.read_table(tmp_path / "p.parquet").to_pylist() == [json.loads(x) for x in lines]


def test_an_untrusted_annotator_cannot_break_a_trusted_tie() -> None:
    build = CampaignBuilder(("alpha", "beta"))
    trusted, untrusted = build.annotator(), build.annotator()
    comparison = build.comparison("alpha", "beta")
    build.judge(trusted, comparison, 0)
    build.judge(untrusted, comparison, -2)
    make_snapshot(
        build.campaign,
        contenders=("alpha", "beta"),
        annotators=[Scored(trusted), Scored(untrusted, gold_seen=6, gold_correct=1)],
    )
    assert list(preference_rows(build.campaign)) == []


def test_nobody_trusted_means_no_pairs() -> None:
    build = CampaignBuilder(("alpha", "beta"))
    annotator = build.annotator()
    build.judge(annotator, build.comparison("alpha", "beta"), -2)
    make_snapshot(
        build.campaign, contenders=("alpha", "beta"), annotators=[Scored(annotator, gold_correct=0)]
    )
    assert list(preference_rows(build.campaign)) == []


def test_before_any_snapshot_the_export_refuses_and_writes_nothing(tmp_path) -> None:
    build = CampaignBuilder(("alpha", "beta"))
    with pytest.raises(NotScoredYet):
        preference_rows(build.campaign)
    out = tmp_path / "p.jsonl"
    with pytest.raises(CommandError, match="score_campaign"):
        export(build.campaign.slug, out)
    assert not out.exists()


def test_clear_errors(scenario, tmp_path) -> None:
    with pytest.raises(CommandError, match="no-such-campaign"):
        export("no-such-campaign", tmp_path / "p.jsonl")
    with pytest.raises(CommandError, match=r"\.jsonl or \.parquet"):
        export(scenario.campaign.slug, tmp_path / "p.csv")
    with pytest.raises(CommandError, match="Cannot write"):
        export(scenario.campaign.slug, tmp_path / "missing" / "p.jsonl")


def test_the_votes_are_those_the_scoring_run_counted() -> None:
    """Trust is read from the real job's snapshot: a campaign without gold cannot vet anyone,
    so every vote counts (PRODUCT.md "Scoring") and every decided pair is exported, whatever
    its gold thresholds say."""
    for settings in ({"min_gold_seen": 0, "min_gold_accuracy": 0.5}, {}):
        build = CampaignBuilder(("alpha", "beta"), **settings)
        comparison = build.comparison("alpha", "beta")
        for verdict in (-2, -1, 1):
            build.judge(build.annotator(), comparison, verdict)
        compute_snapshot(build.campaign, rounds=10)
        rows = list(preference_rows(build.campaign))
        assert [(row.chosen_model, row.votes) for row in rows] == [("alpha", 3)]
        assert rows[0].margin == pytest.approx(2 / 3)
