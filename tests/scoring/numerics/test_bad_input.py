"""The numerics refuse malformed input with a message naming what is wrong (callers outside
the app, such as `python -m scoring` and notebooks, pass arrays of their own)."""

from __future__ import annotations

import math

import pytest

from scoring.numerics.agreement import cohen_kappa, krippendorff_alpha
from scoring.numerics.charts import nice_ticks
from scoring.numerics.participants import rank_participants
from scoring.numerics.ratings import rate_contenders
from scoring.numerics.votes import A_WINS, PairCounts, RatingError, Votes


def test_votes_of_unequal_lengths_are_refused():
    with pytest.raises(RatingError, match=r"^a, b and outcome must have the same length$"):
        Votes([0, 1], [1, 0], [A_WINS], 2)


def test_pair_counts_of_unequal_lengths_are_refused():
    with pytest.raises(RatingError, match=r"^a, b, a_wins, ties and b_wins must have the same"):
        PairCounts([0], [1], [1, 2], [0], [0], 2)


def test_a_negative_number_of_contenders_is_refused():
    with pytest.raises(RatingError, match=r"^n_contenders must be non-negative$"):
        Votes([], [], [], -1)


def test_the_leaderboard_needs_a_name_for_every_contender_and_a_known_anchor():
    votes = Votes([0], [1], [A_WINS], 2)
    with pytest.raises(RatingError, match=r"^names must name every contender index$"):
        rate_contenders(["only-one"], votes, rounds=1)
    with pytest.raises(RatingError, match=r"^unknown anchor contender 'nobody'$"):
        rate_contenders(["x", "y"], votes, rounds=1, anchor="nobody")


def test_agreement_needs_the_same_items_and_known_verdicts():
    with pytest.raises(ValueError, match=r"^both annotators must label the same items$"):
        cohen_kappa([1, 2], [1])
    with pytest.raises(ValueError, match="verdicts must be among"):
        krippendorff_alpha([1, 1], [0, 7])
    with pytest.raises(ValueError, match="verdicts must be among"):
        krippendorff_alpha([1, 1], [0, 3])  # between known values would land past the end


def test_the_participant_ranking_needs_one_handle_per_score():
    with pytest.raises(ValueError, match=r"^one handle per annotator score$"):
        rank_participants(["otter"], [])


@pytest.mark.parametrize("bounds", [(math.nan, 1.0), (0.0, math.inf), (-math.inf, 0.0)])
def test_a_chart_axis_without_finite_bounds_gets_one_tick_at_zero(bounds):
    assert nice_ticks(*bounds) == [0.0]
