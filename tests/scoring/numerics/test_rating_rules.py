"""Rules of the leaderboard numbers that a plausible slip in the code would break quietly.

Each test states one promise (PRODUCT.md "Scoring", the ratings module docstring) and checks it
on data small enough to reason about by hand; expected values are derived independently.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import expit

from scoring.numerics.ratings import (
    BASE_RATING,
    ELO_PER_NAT,
    bootstrap_ratings,
    fit_bradley_terry,
    online_elo,
    pairwise_matrices,
    rank_with_intervals,
    rate_contenders,
)
from scoring.numerics.votes import A_WINS, B_WINS, TIE, PairCounts, RatingError, Votes


def counts(a_wins: int, ties: int, b_wins: int) -> PairCounts:
    """Two contenders, 0 against 1."""
    return PairCounts(
        a=np.array([0]),
        b=np.array([1]),
        a_wins=np.array([a_wins]),
        ties=np.array([ties]),
        b_wins=np.array([b_wins]),
        n_contenders=2,
    )


@pytest.mark.parametrize("rounds", [0, -1])
def test_a_bootstrap_needs_at_least_one_round(rounds):
    votes = Votes([0, 1], [1, 0], [A_WINS, A_WINS], 2)
    with pytest.raises(RatingError, match="rounds"):
        bootstrap_ratings(votes, rounds=rounds)
    with pytest.raises(RatingError, match="rounds"):
        rate_contenders(["x", "y"], votes, rounds=rounds)


def test_a_single_round_is_enough():
    assert bootstrap_ratings(Votes([0], [1], [A_WINS], 2), rounds=1).rounds == 1


def test_touching_intervals_do_not_separate_contenders():
    # One contender's lower bound equals the other's upper bound: they share a rank.
    assert rank_with_intervals(lower=[1010.0, 990.0], upper=[1030.0, 1010.0]).tolist() == [1, 1]
    # A gap of any size separates them.
    assert rank_with_intervals(lower=[1010.0, 990.0], upper=[1030.0, 1009.999]).tolist() == [1, 2]


def test_the_leaderboard_orders_by_the_exact_rating_not_a_rounded_one():
    # "b" is better by a hair (a few thousandths of an Elo point): it still comes first,
    # although "a" comes first by name.
    rows = rate_contenders(["a", "b"], counts(a_wins=100_000, ties=0, b_wins=100_001), rounds=1)

    assert [row.name for row in rows] == ["b", "a"]
    assert 0 < rows[0].rating - rows[1].rating < 0.005


def test_equal_ratings_fall_back_to_the_name():
    rows = rate_contenders(["b", "a"], counts(a_wins=5, ties=0, b_wins=5), rounds=1)

    assert [row.name for row in rows] == ["a", "b"]


def test_an_unvoted_contender_sits_at_the_voted_mean_even_when_an_anchor_sets_the_scale():
    votes = Votes([0, 0, 0, 1], [1, 1, 1, 0], [A_WINS, A_WINS, TIE, A_WINS], 3)

    ratings = fit_bradley_terry(votes, anchor=1, base_rating=BASE_RATING)

    assert ratings[1] == pytest.approx(BASE_RATING)
    assert ratings[2] == pytest.approx((ratings[0] + ratings[1]) / 2)
    assert abs(ratings[2] - BASE_RATING) > 10


def test_the_prior_is_one_virtual_tie_per_contender_against_the_mean():
    # One vote, 0 beats 1: no MLE, so the prior decides. By symmetry θ0 = -θ1 = t, and with
    # s = expit the log-likelihood log s(2t) + [log s(t) + log s(-t)] (each contender's virtual
    # tie is half a win and half a loss against a phantom at 0) peaks where
    # 2 s(-2t) = s(t) - s(-t).
    t = brentq(lambda t: 2 * expit(-2 * t) - (expit(t) - expit(-t)), 0.0, 10.0)

    ratings = fit_bradley_terry(Votes([0], [1], [A_WINS], 2))

    assert ratings[0] - ratings[1] == pytest.approx(2 * t * ELO_PER_NAT, abs=1e-6)
    assert ratings.mean() == pytest.approx(BASE_RATING)


def test_the_prior_is_not_used_when_the_maximum_likelihood_estimate_exists():
    # 2 wins to 1 between two contenders: the MLE is log 2 apart, exactly.
    ratings = fit_bradley_terry(counts(a_wins=2, ties=0, b_wins=1))

    assert ratings[0] - ratings[1] == pytest.approx(np.log(2.0) * ELO_PER_NAT, abs=1e-6)


@pytest.mark.parametrize(
    "data",
    [
        # Data without a maximum-likelihood estimate: every resample is fitted from a warm
        # start with the prior, so its percentiles can land a rounding error beside the point
        # rating (on the outside). The interval is widened to contain it, to the last bit.
        counts(a_wins=0, ties=0, b_wins=2),
        Votes([2, 2], [0, 0], [A_WINS, A_WINS], 3),
        Votes([0, 2], [1, 0], [A_WINS, B_WINS], 3),
        Votes([1, 2, 2], [2, 0, 1], [B_WINS, A_WINS, A_WINS], 3),
    ],
)
def test_every_rating_lies_inside_its_interval(data):
    intervals = bootstrap_ratings(data, rounds=20, seed=0)

    assert np.all(intervals.lower <= intervals.rating)
    assert np.all(intervals.rating <= intervals.upper)


def test_head_to_head_win_rates_count_a_tie_as_half_even_for_a_single_vote():
    tables = pairwise_matrices(Votes([0, 0, 0, 1], [1, 1, 1, 2], [A_WINS, TIE, TIE, B_WINS], 4))

    assert tables.win_rate[0, 1] == pytest.approx(2 / 3)  # one win and two ties of three
    assert tables.win_rate[1, 0] == pytest.approx(1 / 3)
    assert (tables.win_rate[2, 1], tables.win_rate[1, 2]) == (1.0, 0.0)  # one vote decides
    assert tables.win_rate[0, 3] == 0.5  # never met


def test_online_elo_follows_fastchat_with_k_4():
    def expected(rating_a, rating_b):
        return 1 / (1 + 10 ** ((rating_b - rating_a) / 400))

    a, b = 1000.0, 1000.0
    for score_a in (1.0, 0.0, 0.5):  # a wins, then b wins, then a tie
        delta = 4 * (score_a - expected(a, b))
        a, b = a + delta, b - delta

    online = online_elo(Votes([0, 0, 1], [1, 1, 0], [A_WINS, B_WINS, TIE], 2))

    assert online.tolist() == pytest.approx([a, b], abs=1e-12)
    assert online[0] != online[1]


def test_the_leaderboard_rows_carry_the_bootstrap_of_its_own_seed_rounds_and_base():
    votes = Votes([0, 0, 1, 1, 2, 2], [1, 2, 2, 0, 0, 1], [0, 0, 1, 2, 0, 2], 3)
    names = ["x", "y", "z"]

    for options in ({}, {"rounds": 30, "seed": 7, "base_rating": 1500.0}):
        rows = {row.name: row for row in rate_contenders(names, votes, **options)}
        intervals = bootstrap_ratings(votes, **options)
        online = online_elo(votes, base_rating=options.get("base_rating", BASE_RATING))

        for k, name in enumerate(names):
            row = rows[name]
            assert (row.rating, row.ci_lower, row.ci_upper) == pytest.approx(
                (intervals.rating[k], intervals.lower[k], intervals.upper[k])
            )
            assert row.online_elo == pytest.approx(online[k])


def test_a_contender_without_votes_has_a_win_rate_of_zero():
    rows = rate_contenders(["x", "y", "idle"], Votes([0], [1], [A_WINS], 3), rounds=1)

    idle = next(row for row in rows if row.name == "idle")
    assert (idle.votes, idle.win_rate) == (0, 0.0)
