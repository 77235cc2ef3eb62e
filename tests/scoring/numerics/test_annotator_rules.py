"""Annotator scoring at its edges: what Judgments accept, and what each score row carries."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.numerics.annotators import (
    GoldSettings,
    Judgments,
    ScoringError,
    gold_accuracy,
    score_annotators,
)
from scoring.numerics.flags import STRAIGHT_LINING, FlagSettings


def one(**columns) -> Judgments:
    """One judgment (annotator 0 of 1, comparison 0, a tie, a on the left, 1 s, not gold)."""
    values = {
        "annotator": [0],
        "comparison": [0],
        "verdict": [0],
        "a_on_left": [True],
        "seconds": [1.0],
        "gold": [0],
        "n_annotators": 1,
    }
    values.update(columns)
    return Judgments(**values)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"annotator": [1]}, "annotator indices must lie in 0..0"),
        ({"annotator": [3], "n_annotators": 3}, "annotator indices must lie in 0..2"),
        ({"annotator": [-1]}, "annotator indices must lie in 0..0"),
        ({"comparison": [-1]}, "comparison ids must be non-negative"),
        ({"verdict": [-3]}, "verdicts must lie in -2…+2"),
        ({"verdict": [3]}, "verdicts must lie in -2…+2"),
        ({"gold": [2]}, "gold must be -1 (a), 0 (not gold) or +1 (b)"),
        ({"seconds": [1.0, 2.0]}, "all judgment arrays must have the same length"),
    ],
)
def test_judgments_off_their_ranges_are_refused_with_the_reason(columns, message):
    with pytest.raises(ScoringError) as refused:
        one(**columns)

    assert str(refused.value) == message


@pytest.mark.parametrize("verdict", [-2, 2])
def test_the_ends_of_the_scale_and_the_last_annotator_index_are_accepted(verdict):
    judgments = one(annotator=[2], verdict=[verdict], n_annotators=3)

    assert judgments.verdict.tolist() == [verdict]


def test_judgments_normalise_plain_lists_to_their_array_types():
    judgments = one(
        annotator=[0.0], comparison=[4.0], verdict=[1.0], a_on_left=[0], seconds=[3], gold=[1.0]
    )

    assert {name: getattr(judgments, name).dtype for name in ("annotator", "comparison")} == {
        "annotator": np.intp,
        "comparison": np.intp,
    }
    assert judgments.verdict.dtype == np.intp and judgments.gold.dtype == np.intp
    assert judgments.a_on_left.dtype == np.bool_ and judgments.seconds.dtype == np.float64
    assert judgments.a_on_left.tolist() == [False]


def test_each_score_row_names_its_annotator_and_the_accuracy_bounds():
    # Annotator 1 answers two gold items, one right; annotator 0 answers nothing.
    judgments = Judgments(
        annotator=[1, 1],
        comparison=[0, 1],
        verdict=[-1, -1],
        a_on_left=[True, True],
        seconds=[5.0, 5.0],
        gold=[-1, 1],
        n_annotators=2,
    )

    scores = score_annotators(judgments, gold=GoldSettings(min_gold_seen=1))

    mean, lower = gold_accuracy(np.array([0, 2]), np.array([0, 1]))
    assert [score.annotator for score in scores] == [0, 1]
    assert [(score.gold_seen, score.gold_correct) for score in scores] == [(0, 0), (2, 1)]
    # Who met no gold has no accuracy at all (PRODUCT.md "Scoring"), never the prior's 50%.
    assert (scores[0].accuracy, scores[0].accuracy_lower) == (None, None)
    assert scores[1].accuracy == pytest.approx(mean[1])
    assert scores[1].accuracy_lower == pytest.approx(lower[1])
    assert 0 < scores[1].accuracy_lower < scores[1].accuracy == pytest.approx(0.5)


def test_gold_accuracy_takes_integer_counts():
    mean, lower = gold_accuracy(np.array([10]), np.array([9]))

    assert mean.dtype == np.float64 and mean[0] == pytest.approx(10 / 12)
    assert 0.5 < lower[0] < mean[0]


def test_the_flag_settings_given_are_the_ones_applied():
    # Five ties in a row: not straight-lining by default (fewer than 20 judgments), but it is
    # under settings that look at five.
    judgments = Judgments(
        annotator=[0] * 5,
        comparison=list(range(5)),
        verdict=[0] * 5,
        a_on_left=[True] * 5,
        seconds=[5.0] * 5,
        gold=[0] * 5,
        n_annotators=1,
    )

    default = score_annotators(judgments)
    strict = score_annotators(judgments, flags=FlagSettings(min_straight=5))

    assert STRAIGHT_LINING not in default[0].flags
    assert STRAIGHT_LINING in strict[0].flags
