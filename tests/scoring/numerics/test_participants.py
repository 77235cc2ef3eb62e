"""The participant ranking and winner rule of PRODUCT.md."""

from __future__ import annotations

import pytest

from scoring.numerics.annotators import AnnotatorScore
from scoring.numerics.participants import pick_winners, rank_participants


def annotator(
    accepted: int,
    lower: float,
    *,
    agreement: float | None = 0.5,
    trusted: bool | None = True,
) -> AnnotatorScore:
    """``trusted`` None: a campaign without gold (no accuracy, every vote counts)."""
    vetted = trusted is not None
    return AnnotatorScore(
        annotator=0,
        judgments=accepted + 10,
        gold_seen=10 if vetted else 0,
        gold_correct=9 if vetted else 0,
        accuracy=0.83 if vetted else None,
        accuracy_lower=lower if vetted else None,
        trusted=trusted,
        votes_count=trusted is not False,
        accepted=accepted if trusted is not False else 0,
        agreement=agreement,
        agreement_judgments=accepted,
        median_seconds=20.0,
        left_share=0.5,
        top_verdict_share=0.3,
        flags=() if trusted is not False else ("untrusted",),
    )


def test_score_is_accepted_judgments_times_the_accuracy_lower_bound() -> None:
    ranking = rank_participants(
        ["slow-owl", "busy-bee"], [annotator(100, 0.9), annotator(300, 0.5)]
    )
    assert [row.handle for row in ranking] == ["busy-bee", "slow-owl"]
    assert ranking[0].score == pytest.approx(150.0) and ranking[1].score == pytest.approx(90.0)
    assert [row.rank for row in ranking] == [1, 2]


def test_equal_scores_are_broken_by_agreement_then_share_a_rank() -> None:
    ranking = rank_participants(
        ["c-cat", "a-ant", "b-bat", "d-dog"],
        [
            annotator(100, 0.5),
            annotator(100, 0.5, agreement=0.4),
            annotator(100, 0.5),
            annotator(10, 0.5),
        ],
    )
    assert [(row.handle, row.rank) for row in ranking] == [
        ("b-bat", 1),
        ("c-cat", 1),
        ("a-ant", 3),
        ("d-dog", 4),
    ]


def test_untrusted_annotators_score_nothing_and_cannot_win() -> None:
    ranking = rank_participants(
        ["cheat", "honest"], [annotator(900, 0.2, trusted=False), annotator(5, 0.8)]
    )
    assert ranking[0].handle == "honest" and ranking[1].score == 0.0
    assert [row.handle for row in pick_winners(ranking)] == ["honest"]


def test_no_winner_without_a_trusted_scoring_participant_and_several_only_on_an_exact_tie() -> None:
    assert pick_winners(rank_participants(["x"], [annotator(50, 0.2, trusted=False)])) == []
    tied = rank_participants(["x", "y"], [annotator(50, 0.6), annotator(50, 0.6)])
    assert [row.handle for row in pick_winners(tied)] == ["x", "y"]


def test_without_gold_the_score_is_the_judgments_and_the_winner_is_unvetted() -> None:
    ranking = rank_participants(
        ["few-votes", "many-votes"],
        [annotator(40, 0.0, trusted=None), annotator(90, 0.0, trusted=None)],
    )
    assert [(row.handle, row.score, row.trusted, row.accuracy) for row in ranking] == [
        ("many-votes", 90.0, None, None),
        ("few-votes", 40.0, None, None),
    ]
    assert [row.handle for row in pick_winners(ranking)] == ["many-votes"]
