"""Bradley-Terry ratings against published figures, a reference fit, and awkward data."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.optimize import minimize

from scoring.numerics import ratings
from scoring.numerics.ratings import (
    ELO_PER_NAT,
    bootstrap_ratings,
    fit_bradley_terry,
    online_elo,
    pairwise_matrices,
    predicted_win_probabilities,
    rank_with_intervals,
    rate_contenders,
)
from scoring.numerics.votes import (
    A_WINS,
    B_WINS,
    TIE,
    PairCounts,
    RatingError,
    Votes,
    count_votes,
    outcome_from_verdict,
)


def random_votes(
    seed: int, n_contenders: int = 6, n_votes: int = 800, tie_share: float = 0.15
) -> Votes:
    rng = np.random.default_rng(seed)
    strength = rng.normal(0.0, 0.8, n_contenders)
    a = rng.integers(0, n_contenders, n_votes)
    b = (a + rng.integers(1, n_contenders, n_votes)) % n_contenders
    p_a = 1.0 / (1.0 + np.exp(strength[b] - strength[a]))
    outcome = np.where(
        rng.random(n_votes) < tie_share, TIE, np.where(rng.random(n_votes) < p_a, A_WINS, B_WINS)
    )
    return Votes(a, b, outcome, n_contenders)


def logistic_regression_elo(votes: Votes) -> np.ndarray:
    """Chatbot Arena's published method, unregularised: duplicate the votes, a tie becomes one
    a-win and one b-win, and fit a logistic regression without intercept on ±log(10) columns."""
    n = votes.outcome.size
    x = np.zeros((2 * n, votes.n_contenders))
    rows = np.arange(2 * n)
    x[rows, np.tile(votes.a, 2)] = math.log(10.0)
    x[rows, np.tile(votes.b, 2)] = -math.log(10.0)
    y = np.zeros(2 * n)
    y[np.tile(votes.outcome == A_WINS, 2)] = 1.0
    y[:n][votes.outcome == TIE] = 1.0
    sign = 2.0 * y - 1.0

    def loss(beta: np.ndarray) -> float:
        return float(np.logaddexp(0.0, -sign * (x @ beta)).sum())

    def gradient(beta: np.ndarray) -> np.ndarray:
        return -(x.T @ (sign / (1.0 + np.exp(sign * (x @ beta)))))

    def hessian(beta: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        return (x.T * (p * (1.0 - p))) @ x + 1e-12 * np.eye(x.shape[1])

    fit = minimize(
        loss,
        np.zeros(votes.n_contenders),
        jac=gradient,
        hess=hessian,
        method="trust-exact",
        tol=1e-14,
    )
    elo = 400.0 * fit.x
    return elo - elo.mean() + 1000.0


def test_wikipedia_worked_example_strengths() -> None:
    # en.wikipedia.org/wiki/Bradley-Terry_model, "Worked example of solution procedure":
    # wins[i][j] = times i beat j; strengths normalised by their geometric mean.
    wins = np.array([[0, 2, 0, 1], [3, 0, 5, 0], [0, 3, 0, 1], [4, 0, 3, 0]])
    a, b = np.nonzero(wins)
    counts = PairCounts(a, b, wins[a, b], np.zeros_like(a), np.zeros_like(a), 4)
    strength = np.exp((fit_bradley_terry(counts) - 1000.0) / ELO_PER_NAT)
    np.testing.assert_allclose(strength, [0.640, 1.043, 0.660, 2.270], atol=5e-4)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_agrees_with_unregularised_logistic_regression_within_a_hundredth_of_an_elo_point(
    seed: int,
) -> None:
    votes = random_votes(seed)
    assert np.count_nonzero(votes.outcome == TIE) > 50
    ours = fit_bradley_terry(votes)
    assert np.abs(ours - logistic_regression_elo(votes)).max() < 0.01


def test_votes_and_their_counts_give_the_same_ratings_and_intervals() -> None:
    votes = random_votes(4, n_votes=300)
    counts = count_votes(votes)
    np.testing.assert_array_equal(fit_bradley_terry(votes), fit_bradley_terry(counts))
    left, right = bootstrap_ratings(votes, rounds=50), bootstrap_ratings(counts, rounds=50)
    np.testing.assert_array_equal(left.lower, right.lower)


def test_counts_may_repeat_a_pair_in_either_order() -> None:
    once = PairCounts([0, 1], [1, 2], [5, 2], [1, 0], [2, 3], 3)
    split = PairCounts([0, 1, 0, 2], [1, 0, 2, 1], [3, 2, 0, 3], [1, 0, 0, 0], [0, 2, 0, 2], 3)
    np.testing.assert_allclose(fit_bradley_terry(once), fit_bradley_terry(split))


def test_mean_is_the_base_rating_or_the_anchor_is_pinned() -> None:
    votes = random_votes(5, n_votes=200)
    assert fit_bradley_terry(votes).mean() == pytest.approx(1000.0)
    anchored = fit_bradley_terry(votes, anchor=2, base_rating=800.0)
    assert anchored[2] == pytest.approx(800.0)
    np.testing.assert_allclose(np.diff(anchored), np.diff(fit_bradley_terry(votes)), atol=1e-9)


def test_bootstrap_is_reproducible_for_a_seed_and_contains_the_rating() -> None:
    votes = random_votes(6, n_votes=400)
    first, second = (
        bootstrap_ratings(votes, rounds=200, seed=7),
        bootstrap_ratings(votes, rounds=200, seed=7),
    )
    np.testing.assert_array_equal(first.lower, second.lower)
    np.testing.assert_array_equal(first.upper, second.upper)
    assert not np.array_equal(first.lower, bootstrap_ratings(votes, rounds=200, seed=8).lower)
    assert np.all(first.lower <= first.rating) and np.all(first.rating <= first.upper)
    assert np.all(first.upper - first.lower > 10.0)


def test_bootstrap_width_matches_the_asymptotic_standard_error() -> None:
    # Two contenders, 2,000 votes, p = 0.6: the log-odds' standard error is 1/sqrt(n p (1-p)).
    votes = Votes(
        np.zeros(2000, int), np.ones(2000, int), np.r_[np.zeros(1200, int), np.full(800, 2)], 2
    )
    intervals = bootstrap_ratings(votes, rounds=1000, seed=1)
    # Each contender carries half the difference, so its 95% half-width is 1.96·se/2.
    expected = 1.96 * ELO_PER_NAT / math.sqrt(2000 * 0.6 * 0.4) / 2.0
    half_width = (intervals.upper[0] - intervals.lower[0]) / 2.0
    assert half_width == pytest.approx(expected, rel=0.1)


@pytest.mark.parametrize(
    ("a", "b", "outcome", "n"),
    [
        ([], [], [], 3),  # no votes
        ([0], [1], [A_WINS], 2),  # a single vote
        ([0, 0, 1], [1, 2, 2], [A_WINS, A_WINS, B_WINS], 3),  # 0 never loses, 1 never wins
        ([0, 1, 2, 3], [1, 0, 3, 2], [A_WINS, A_WINS, A_WINS, TIE], 4),  # two disconnected groups
        ([0, 1], [1, 0], [TIE, TIE], 5),  # only ties, and three contenders without votes
    ],
)
def test_awkward_data_gets_finite_ratings_and_intervals(
    a: list, b: list, outcome: list, n: int
) -> None:
    votes = Votes(a, b, outcome, n)
    intervals = bootstrap_ratings(votes, rounds=100)
    for values in (intervals.rating, intervals.lower, intervals.upper):
        assert values.shape == (n,) and np.all(np.isfinite(values))
    assert intervals.rating.mean() == pytest.approx(1000.0)
    assert np.all(intervals.lower <= intervals.rating) and np.all(
        intervals.rating <= intervals.upper
    )


def test_a_contender_that_never_loses_ranks_first_and_finite() -> None:
    # 0 beats 1 twice and 2 once; 2 beats 1 twice, 1 beats 2 once.
    votes = Votes(
        [0, 0, 0, 1, 1, 2], [1, 2, 1, 2, 2, 1], [A_WINS, A_WINS, A_WINS, A_WINS, B_WINS, A_WINS], 3
    )
    ratings = fit_bradley_terry(votes)
    assert ratings[0] > ratings[2] > ratings[1] and np.all(np.isfinite(ratings))


def test_contenders_without_votes_sit_at_the_mean_with_the_widest_interval() -> None:
    votes = random_votes(8, n_contenders=4, n_votes=200)
    padded = Votes(votes.a, votes.b, votes.outcome, 5)
    intervals = bootstrap_ratings(padded, rounds=100)
    assert intervals.rating[4] == pytest.approx(intervals.rating[:4].mean())
    assert (
        intervals.lower[4] == intervals.lower[:4].min()
        and intervals.upper[4] == intervals.upper[:4].max()
    )
    np.testing.assert_allclose(intervals.rating[:4], fit_bradley_terry(votes))


def test_bad_input_is_refused_with_a_clear_error() -> None:
    with pytest.raises(RatingError, match="indices"):
        Votes([0], [3], [A_WINS], 3)
    with pytest.raises(RatingError, match="itself"):
        Votes([1], [1], [A_WINS], 3)
    with pytest.raises(RatingError, match="outcome"):
        Votes([0], [1], [3], 3)
    with pytest.raises(RatingError, match="non-negative"):
        PairCounts([0], [1], [-1], [0], [0], 2)
    with pytest.raises(RatingError, match="anchor"):
        fit_bradley_terry(Votes([0], [1], [A_WINS], 3), anchor=2)


def test_verdicts_map_to_outcomes() -> None:
    np.testing.assert_array_equal(
        outcome_from_verdict([-2, -1, 0, 1, 2]), [A_WINS, A_WINS, TIE, B_WINS, B_WINS]
    )


def test_rank_counts_contenders_whose_lower_bound_clears_this_upper_bound() -> None:
    ranks = rank_with_intervals(lower=[1100, 1050, 990, 900], upper=[1200, 1150, 1060, 980])
    np.testing.assert_array_equal(ranks, [1, 1, 2, 4])


def test_pairwise_matrices_and_predicted_probabilities() -> None:
    votes = Votes([0, 0, 1, 1], [1, 1, 0, 2], [A_WINS, TIE, A_WINS, B_WINS], 3)
    tables = pairwise_matrices(votes)
    np.testing.assert_array_equal(tables.votes, [[0, 3, 0], [3, 0, 1], [0, 1, 0]])
    np.testing.assert_array_equal(tables.wins, [[0, 1, 0], [1, 0, 0], [0, 1, 0]])
    np.testing.assert_array_equal(tables.ties, [[0, 1, 0], [1, 0, 0], [0, 0, 0]])
    assert tables.win_rate[0, 1] == pytest.approx(0.5) and tables.win_rate[0, 2] == 0.5
    probabilities = predicted_win_probabilities([1100.0, 1000.0])
    assert probabilities[0, 1] == pytest.approx(1.0 / (1.0 + 10.0 ** (-100.0 / 400.0)))
    np.testing.assert_allclose(probabilities + probabilities.T, 1.0)


def test_online_elo_replays_votes_in_order_with_k_4() -> None:
    ratings = online_elo(Votes([0, 1], [1, 0], [A_WINS, TIE], 2))
    after_first = 1000.0 + 4.0 * 0.5
    expected_b = 1.0 / (1.0 + 10.0 ** ((after_first - (2000.0 - after_first)) / 400.0))
    second = (2000.0 - after_first) + 4.0 * (0.5 - expected_b)
    np.testing.assert_allclose(ratings, [2000.0 - second, second])


def test_online_elo_continues_a_start_given_in_whole_numbers_as_float_ratings() -> None:
    # An incremental run may hand back ratings read as integers; ratings stay floats even for
    # a contender no new vote touches.
    untouched = online_elo(Votes([], [], [], 2), start=[1000, 1010])
    assert untouched.dtype == np.float64 and untouched.tolist() == [1000.0, 1010.0]


def test_leaderboard_rows_carry_the_product_fields() -> None:
    votes = Votes([0, 0, 1, 2], [1, 2, 2, 0], [A_WINS, TIE, B_WINS, B_WINS], 3)
    rows = rate_contenders(["x", "y", "z"], votes, rounds=50)
    assert [row.name for row in rows] == ["x", "z", "y"]
    x = rows[0]
    assert (x.votes, x.wins, x.losses, x.ties, x.win_rate) == (3, 2, 0, 1, pytest.approx(5 / 6))
    assert x.online_elo is not None and x.rank == 1
    from_counts = rate_contenders(["x", "y", "z"], count_votes(votes), rounds=50, anchor="y")
    assert next(row for row in from_counts if row.name == "y").rating == pytest.approx(1000.0)
    assert all(row.online_elo is None for row in from_counts)


# Each bootstrap round follows the point fit's rule, checked against every resample a small
# data set can have.


def every_resample(counts: PairCounts) -> list[PairCounts]:
    """All data sets a bootstrap round can draw: N votes spread over the observed cells."""
    rows = [(a, b, outcome) for a, b, a_w, t, b_w in zip(
        counts.a, counts.b, counts.a_wins, counts.ties, counts.b_wins, strict=True
    ) for outcome, n in enumerate((a_w, t, b_w)) if n]  # fmt: skip
    total = int(counts.a_wins.sum() + counts.ties.sum() + counts.b_wins.sum())
    resamples = []
    for split in itertools.product(range(total + 1), repeat=len(rows)):
        if sum(split) != total:
            continue
        cells = np.zeros((len(rows), 3), dtype=int)
        for k, (_, _, outcome) in enumerate(rows):
            cells[k, outcome] = split[k]
        resamples.append(
            PairCounts([r[0] for r in rows], [r[1] for r in rows], *cells.T, counts.n_contenders)
        )
    return resamples


@pytest.mark.parametrize(
    "counts",
    [
        # A cycle of one win each: strongly connected, so the point fit is the MLE; a round
        # that draws any win twice breaks the cycle and needs the prior.
        PairCounts([0, 1, 2], [1, 2, 0], [1, 1, 1], [0, 0, 0], [0, 0, 0], 3),
        # Two contenders that each won once: a round drawing the same win twice has no MLE.
        PairCounts([0], [1], [1], [0], [1], 2),
        # A win and a tie: the MLE exists, and so it does in every round that keeps the tie.
        PairCounts([0], [1], [1], [1], [0], 2),
    ],
    ids=["cycle", "split-pair", "win-and-tie"],
)
def test_each_bootstrap_round_is_the_point_fit_of_its_resample(counts):
    # "Each round gets the same finite-rating rule as the point fit": a round that loses the
    # data's MLE (a broken cycle) is fitted with the prior, one that keeps it without. With
    # one round, the interval is that round's ratings widened to hold the point rating.
    # (Data chosen so that a contender that loses all its votes in a round, as in the cycle,
    # does so symmetrically: such a contender is kept in the round's fit at the prior's centre.)
    candidates = [fit_bradley_terry(resample) for resample in every_resample(counts)]
    point = fit_bradley_terry(counts)
    seen = set()
    for seed in range(12):
        interval = bootstrap_ratings(counts, rounds=1, seed=seed)
        matches = [
            k
            for k, fit in enumerate(candidates)
            if np.allclose(interval.lower, np.minimum(fit, point), atol=1e-6)
            and np.allclose(interval.upper, np.maximum(fit, point), atol=1e-6)
        ]
        assert matches, f"seed {seed}: the round is no resample's point fit"
        seen.update(matches)
    assert len(seen) > 1  # the seeds drew different resamples, not one lucky case


def test_how_rounds_are_batched_does_not_change_the_intervals(monkeypatch):
    # Rounds are solved in chunks to bound memory; the chunk size is no part of the answer.
    counts = PairCounts([0, 1, 2, 0], [1, 2, 0, 2], [4, 2, 1, 3], [1, 0, 2, 0], [2, 3, 1, 1], 3)
    whole = bootstrap_ratings(counts, rounds=20, seed=5)

    monkeypatch.setattr(ratings, "_CELLS_PER_CHUNK", 7 * 3 * 3)  # 7, 7, then 6 rounds
    chunked = bootstrap_ratings(counts, rounds=20, seed=5)
    monkeypatch.setattr(ratings, "_CELLS_PER_CHUNK", 1)  # one round at a time
    single = bootstrap_ratings(counts, rounds=20, seed=5)

    for other in (chunked, single):
        np.testing.assert_allclose(other.lower, whole.lower, atol=1e-9)
        np.testing.assert_allclose(other.upper, whole.upper, atol=1e-9)


def test_the_thread_count_does_not_change_the_intervals(monkeypatch):
    # Rounds come in blocks, each drawn from its own stream of the seed: fitted on one thread
    # or several, in whatever order the blocks finish, the rounds are the same.
    counts = PairCounts([0, 1, 2, 0], [1, 2, 0, 2], [4, 2, 1, 3], [1, 0, 2, 0], [2, 3, 1, 1], 3)
    monkeypatch.setattr(ratings, "_BLOCK_ROUNDS", 7)  # 50 rounds: 8 blocks
    several = bootstrap_ratings(counts, rounds=50, seed=5)
    monkeypatch.setattr(ratings, "_THREADS", 1)
    one = bootstrap_ratings(counts, rounds=50, seed=5)

    np.testing.assert_array_equal(several.lower, one.lower)
    np.testing.assert_array_equal(several.upper, one.upper)
