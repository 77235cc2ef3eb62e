"""Rules of the leaderboard numbers that a plausible slip in the code would break quietly.

Each test states one promise (PRODUCT.md "Scoring", the ratings module docstring) and checks it
on data small enough to reason about by hand; expected values are derived independently.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq, minimize_scalar
from scipy.special import expit, log_expit

from scoring.numerics import bt_newton, ratings
from scoring.numerics.ratings import (
    BASE_RATING,
    ELO_PER_NAT,
    PRIOR_TIES,
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
    with pytest.raises(RatingError, match=r"^rounds must be at least 1$"):
        bootstrap_ratings(votes, rounds=rounds)
    with pytest.raises(RatingError, match=r"^rounds must be at least 1$"):
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


def test_a_rows_win_rate_counts_every_tie_as_half_a_win():
    # x: one win, two ties and a loss in four votes: (1 + 2 / 2) / 4. y: no tie at all.
    votes = Votes([0, 0, 0, 0, 1], [1, 1, 1, 1, 2], [A_WINS, TIE, TIE, B_WINS, A_WINS], 3)

    rows = {row.name: row for row in rate_contenders(["x", "y", "z"], votes, rounds=1)}

    assert (rows["x"].wins, rows["x"].ties, rows["x"].losses) == (1, 2, 1)
    assert rows["x"].win_rate == pytest.approx(0.5)
    assert rows["y"].win_rate == pytest.approx((1 + 2 / 2 + 1) / 5)
    assert rows["z"].win_rate == 0.0


def test_the_bootstrap_point_rating_is_the_fit_on_the_same_base():
    votes = Votes([0, 0, 1, 2], [1, 2, 2, 0], [A_WINS, TIE, B_WINS, A_WINS], 3)

    intervals = bootstrap_ratings(votes, rounds=10, base_rating=1500.0)

    np.testing.assert_allclose(intervals.rating, fit_bradley_terry(votes, base_rating=1500.0))
    assert intervals.rating.mean() == pytest.approx(1500.0)


def test_the_anchor_carries_the_scale_in_every_bootstrap_round():
    # Each round is pinned at the anchor like the point fit, so the anchor's own interval is
    # the single value base_rating; the others move around it.
    votes = Votes(
        [0, 0, 1, 1, 2, 2], [1, 2, 2, 0, 0, 1], [A_WINS, TIE, A_WINS, B_WINS, TIE, B_WINS], 3
    )

    intervals = bootstrap_ratings(votes, rounds=40, seed=3, anchor=1, base_rating=800.0)

    assert intervals.lower[1] == pytest.approx(800.0) and intervals.upper[1] == pytest.approx(800.0)
    assert np.all(intervals.upper[[0, 2]] - intervals.lower[[0, 2]] > 1.0)


def test_the_interval_runs_from_the_2_5th_to_the_97_5th_percentile_of_the_rounds(monkeypatch):
    # A 95% percentile-bootstrap interval: the rounds' own ratings, seen through the one
    # conversion every fit makes, have 2.5% of them (interpolated) below the lower bound and
    # 2.5% above the upper one.
    converted = []

    def keep(theta, *args):
        elo = real_to_elo(theta, *args)
        converted.append(elo)
        return elo

    real_to_elo = ratings.to_elo
    monkeypatch.setattr(ratings, "to_elo", keep)
    votes = PairCounts([0, 0, 1, 2], [1, 2, 2, 3], [9, 6, 7, 5], [2, 1, 0, 3], [4, 5, 6, 4], 4)

    intervals = bootstrap_ratings(votes, rounds=200, seed=4)

    (point, rounds) = converted  # the point fit, then all 200 rounds in one batch
    assert rounds.shape == (200, 4)
    np.testing.assert_array_equal(point[0], intervals.rating)
    lower, upper = np.quantile(rounds, 0.025, axis=0), np.quantile(rounds, 0.975, axis=0)
    assert np.all((lower < intervals.rating) & (intervals.rating < upper))  # none widened
    np.testing.assert_allclose(intervals.lower, lower, rtol=0, atol=1e-9)
    np.testing.assert_allclose(intervals.upper, upper, rtol=0, atol=1e-9)


def test_a_tie_alone_scores_against_the_other_so_the_exact_mle_is_used():
    # One win and one tie: each side scored against the other (the tie is half a win for
    # both), so the MLE exists without the prior: a win share of 1.5 / 2, odds 3.
    rating = fit_bradley_terry(counts(1, 1, 0))
    assert rating[0] - rating[1] == pytest.approx(400.0 * np.log10(3.0))
    rating = fit_bradley_terry(counts(0, 1, 1))  # the same from the other side
    assert rating[1] - rating[0] == pytest.approx(400.0 * np.log10(3.0))


def test_the_intervals_record_the_rounds_and_seed_they_were_drawn_with():
    intervals = bootstrap_ratings(Votes([0, 1], [1, 0], [A_WINS, TIE], 2), rounds=12, seed=41)

    assert (intervals.rounds, intervals.seed) == (12, 41)


def test_an_anchor_without_votes_is_refused_with_the_reason():
    with pytest.raises(RatingError, match=r"^the anchor contender has no votes, so it cannot"):
        fit_bradley_terry(Votes([0], [1], [A_WINS], 3), anchor=2)


def test_without_votes_the_intervals_still_record_their_rounds_and_seed():
    intervals = bootstrap_ratings(Votes([], [], [], 2), rounds=25, seed=9, base_rating=1200.0)

    assert (intervals.rounds, intervals.seed) == (25, 9)
    assert intervals.rating.tolist() == intervals.lower.tolist() == intervals.upper.tolist()
    assert intervals.rating.tolist() == [1200.0, 1200.0]


# The solver on hard data. The module promises the exact maximum-likelihood estimate whenever
# it exists and the prior's estimate otherwise; these tests check that from the definitions
# (the likelihood's stationarity), not from the solver's own steps.

MILLION = 1_000_000


def chain(wins: list[tuple[int, int]]) -> PairCounts:
    """Contender k against k + 1: (k's wins, k + 1's wins) for each link, no ties."""
    n = len(wins) + 1
    return PairCounts(
        a=np.arange(n - 1),
        b=np.arange(1, n),
        a_wins=[w for w, _ in wins],
        ties=np.zeros(n - 1, dtype=int),
        b_wins=[lost for _, lost in wins],
        n_contenders=n,
    )


def log_likelihood(theta: np.ndarray, counts: PairCounts, *, prior: bool) -> float:
    """The model's log-likelihood in natural-log strengths, written out from the docstring:
    a tie is half a win for each side; the prior is one virtual tie against a phantom at 0."""
    d = theta[counts.a] - theta[counts.b]
    score_a = counts.a_wins + 0.5 * counts.ties
    score_b = counts.b_wins + 0.5 * counts.ties
    value = float((score_a * log_expit(d) + score_b * log_expit(-d)).sum())
    if prior:
        value += float(0.5 * PRIOR_TIES * (log_expit(theta) + log_expit(-theta)).sum())
    return value


def score_gaps(theta: np.ndarray, counts: PairCounts) -> np.ndarray:
    """Observed minus expected score per contender: all zero exactly at the MLE."""
    d = theta[counts.a] - theta[counts.b]
    games = counts.a_wins + counts.ties + counts.b_wins
    expected_a = games * expit(d)
    observed_a = counts.a_wins + 0.5 * counts.ties
    gap = np.zeros(counts.n_contenders)
    np.add.at(gap, counts.a, observed_a - expected_a)
    np.add.at(gap, counts.b, expected_a - observed_a)
    return gap


def strengths(elo: np.ndarray) -> np.ndarray:
    return (elo - BASE_RATING) / ELO_PER_NAT


@pytest.mark.parametrize(
    "counts",
    [
        # Each link a million to one: the ratings end up ~2,400 Elo points apart per link,
        # far outside the region where a plain Newton step from zero lands near the answer.
        chain([(MILLION, 1)] * 4),
        # Alternating directions: the order of the strengths zigzags.
        chain([(MILLION, 1), (1, MILLION), (MILLION, 3), (2, MILLION)]),
        # One link a million to one, the other a coin flip, and one link of a single win each.
        chain([(MILLION, 1), (7, 5), (1, 1)]),
    ],
    ids=["steep-chain", "zigzag", "mixed"],
)
def test_far_apart_ratings_are_still_the_exact_maximum_likelihood(counts):
    theta = strengths(fit_bradley_terry(counts))

    # At the MLE every contender's expected score equals its observed score.
    assert np.abs(score_gaps(theta, counts)).max() < 1e-5
    # Two contenders joined by w wins to l sit exactly log(w / l) apart when the links form a
    # chain (each link's score equations only involve its own two ends, end to end).
    expected = np.log(counts.a_wins / counts.b_wins)
    np.testing.assert_allclose(theta[:-1] - theta[1:], expected, atol=1e-6)


def test_the_prior_fit_maximises_the_likelihood_with_its_virtual_ties():
    # Not strongly connected (0 never loses), with lopsided counts: the prior's estimate.
    counts = PairCounts(
        a=[0, 0, 1, 2], b=[1, 2, 2, 3], a_wins=[40, 3, MILLION, 5], ties=[0, 0, 1, 2],
        b_wins=[0, 0, 1, 4], n_contenders=4,
    )  # fmt: skip
    shown = strengths(fit_bradley_terry(counts))
    # The board shows the ratings shifted to a mean of 1000; the fit itself is on the scale
    # where the phantom sits at 0, found back here as the best shift.
    shift = minimize_scalar(lambda c: -log_likelihood(shown + c, counts, prior=True)).x
    theta = shown + shift

    # A maximum: every coordinate's numerical derivative vanishes, and no small move helps.
    best = log_likelihood(theta, counts, prior=True)
    h = 1e-5
    for k in range(4):
        step = np.zeros(4)
        step[k] = h
        up = log_likelihood(theta + step, counts, prior=True)
        down = log_likelihood(theta - step, counts, prior=True)
        assert abs(up - down) / (2 * h) < 1e-3
        assert max(up, down) <= best + 1e-9


def test_a_fit_from_a_far_start_reaches_the_same_estimate():
    # The bootstrap warm-starts its rounds from the point rating; a start far from a round's
    # answer (here: reversed) must not change where the solver ends.
    counts = chain([(MILLION, 1), (30, 2), (1, 9)])
    i, j, cells = ratings._pair_cells(counts)
    exact = strengths(fit_bradley_terry(counts))
    reversed_start = -(exact - exact.mean())

    theta = ratings._solve(i, j, cells[None], 4, np.array([False]), start=reversed_start)[0]

    np.testing.assert_allclose(theta - theta.mean(), exact - exact.mean(), atol=1e-7)


@pytest.mark.parametrize(
    "counts",
    [
        chain([(MILLION, 1)] * 4),
        chain([(MILLION, 1), (1, MILLION), (MILLION, 3), (2, MILLION)]),
        PairCounts([0, 0, 1, 2], [1, 2, 2, 3], [40, 3, MILLION, 5], [0, 0, 1, 2], [0, 0, 1, 4], 4),
    ],
    ids=["steep-chain", "zigzag", "prior"],
)
def test_newton_steps_reach_even_ratings_thousands_of_points_apart_in_a_few_dozen(
    monkeypatch, counts
):
    # Capped steps cover the ~28 natural-log units (~10,000 Elo) from the start in about 14
    # steps, then Newton's quadratic convergence needs only a few more (19 here). A solver that
    # lost its curvature or its step control would crawl, or wander, far past 25.
    monkeypatch.setattr(bt_newton, "_MAX_ITERATIONS", 25)

    assert np.all(np.isfinite(fit_bradley_terry(counts)))


def test_a_fit_that_cannot_converge_says_so(monkeypatch):
    # The iteration cap is a safety net: reaching it is an error, never a silent half-answer.
    monkeypatch.setattr(bt_newton, "_MAX_ITERATIONS", 1)
    with pytest.raises(RatingError, match=r"^Bradley-Terry fit did not converge$"):
        fit_bradley_terry(chain([(MILLION, 1), (3, 1)]))


@pytest.mark.parametrize("anchor_place", [None, 1])
def test_each_round_converts_to_elo_on_its_own_as_a_single_fit_does(anchor_place):
    # Bootstrap rounds (a batch) and a single fit go through the same conversion: a round's
    # Elo depends on that round alone. Contenders 1 and 4 have no votes: they get the mean.
    theta = np.array([[0.5, -0.5, 1.0], [2.0, 0.0, 1.5]])  # rounds with different means
    voted, n = np.array([0, 2, 3]), 5

    batch = ratings.to_elo(theta, voted, n, anchor_place, 1000.0)

    for round_theta, converted in zip(theta, batch, strict=True):
        single = ratings.to_elo(round_theta, voted, n, anchor_place, 1000.0)
        assert single.shape == (n,)
        np.testing.assert_allclose(converted, single)
        centre = single[voted].mean() if anchor_place is None else single[voted[anchor_place]]
        assert centre == pytest.approx(1000.0)
        np.testing.assert_allclose(single[[1, 4]], single[voted].mean())
        np.testing.assert_allclose(
            np.diff(single[voted]), np.diff(round_theta) * ratings.ELO_PER_NAT
        )
