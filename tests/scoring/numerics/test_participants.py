"""The participant ranking and winner rule of PRODUCT.md."""

from __future__ import annotations

import pytest

from scoring.numerics.annotators import AnnotatorScore
from scoring.numerics.participants import pick_winners, rank_participants


def annotator(
    accepted: int, lower: float, *, agreement: float | None = 0.5, trusted: bool = True
) -> AnnotatorScore:
    return AnnotatorScore(
        annotator=0,
        judgments=accepted + 10,
        gold_seen=10,
        gold_correct=9,
        accuracy=0.83,
        accuracy_lower=lower,
        trusted=trusted,
        accepted=accepted if trusted else 0,
        agreement=agreement,
        agreement_judgments=accepted,
        median_seconds=20.0,
        left_share=0.5,
        top_verdict_share=0.3,
        flags=() if trusted else ("untrusted",),
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
