"""The batch Newton solver's shortcuts (scoring.numerics.bt_newton) give what the plain way
gives: connectivity checked only for rounds that lost an edge, ids grouped without a sort."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.numerics import bt_newton
from scoring.numerics.bt_newton import (
    pair_cells,
    rounds_without_mle,
    solve,
    solve_resamples,
    strongly_connected,
)
from scoring.numerics.ratings import fit_bradley_terry
from scoring.numerics.votes import PairCounts, Votes, unique_inverse


def sparse_counts(seed: int, n: int = 6, votes: int = 30) -> PairCounts:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n, votes)
    b = (a + rng.integers(1, n, votes)) % n
    outcome = rng.integers(0, 3, votes)
    cells = np.zeros((votes, 3), dtype=np.int64)
    cells[np.arange(votes), outcome] = 1
    return PairCounts(a, b, cells[:, 0], cells[:, 1], cells[:, 2], n_contenders=n)


@pytest.mark.parametrize("seed", range(8))
def test_rounds_without_mle_agree_with_a_connectivity_check_of_every_round(seed):
    counts = sparse_counts(seed)
    i, j, cells = pair_cells(counts)
    n = counts.n_contenders
    rng = np.random.default_rng(100 + seed)
    flat = cells.ravel()
    # Resamples of few votes: many rounds lose cells, some lose edges, some the MLE.
    draws = rng.multinomial(int(flat.sum()), flat / flat.sum(), size=200).reshape(-1, *cells.shape)
    full_exists = strongly_connected(i, j, cells, n)

    prior = rounds_without_mle(i, j, draws, cells, n, full_exists=full_exists)

    expected = [not strongly_connected(i, j, round_cells, n) for round_cells in draws]
    assert prior.tolist() == expected


def test_a_round_that_loses_only_a_tie_cell_keeps_the_full_datas_mle():
    # Every pair has wins both ways and a tie; the round loses the ties only.
    counts = PairCounts([0, 1, 0], [1, 2, 2], [2, 2, 2], [1, 1, 1], [2, 2, 2], n_contenders=3)
    i, j, cells = pair_cells(counts)
    no_ties = cells.copy()
    no_ties[:, 1] = 0
    one_sided = cells.copy()
    one_sided[0] = [2, 0, 0]  # contender 1 no longer scores against 0: still connected via 2

    prior = rounds_without_mle(i, j, np.stack([no_ties, one_sided]), cells, 3, full_exists=True)

    assert prior.tolist() == [False, False]


def test_rounds_of_data_without_an_mle_all_need_the_prior():
    counts = PairCounts([0, 1], [1, 2], [3, 3], [0, 0], [0, 0], n_contenders=3)  # 0 > 1 > 2
    i, j, cells = pair_cells(counts)

    prior = rounds_without_mle(i, j, cells[None].repeat(4, 0), cells, 3, full_exists=False)

    assert prior.tolist() == [True] * 4


def test_newton_stops_within_its_tolerance_of_the_optimum():
    # The fit stops once the next step is predicted below 1e-9: the gradient of the
    # log-likelihood there is zero to that precision.
    rng = np.random.default_rng(7)
    n = 12
    a = rng.integers(0, n, 5000)
    b = (a + rng.integers(1, n, 5000)) % n
    strength = rng.normal(0.0, 1.0, n)
    outcome = np.where(rng.random(5000) < 1 / (1 + np.exp(strength[b] - strength[a])), 0, 2)
    votes = Votes(a, b, outcome, n)
    theta = (fit_bradley_terry(votes) - 1000.0) * np.log(10.0) / 400.0
    p = 1 / (1 + np.exp(theta[b] - theta[a]))
    score = (outcome == 0).astype(float)
    gradient = np.bincount(a, score - p, minlength=n) - np.bincount(b, score - p, minlength=n)
    # Newton's step is H⁻¹·g with H ~ votes per contender / 4: a 1e-9 step is g ~ 1e-6.
    assert np.abs(gradient).max() < 1e-6


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(0).integers(100, 600, 10_000),  # dense ids: the table
        np.random.default_rng(1).integers(0, 10**9, 1000),  # sparse ids: np.unique
        np.array([5, 5, 3, 9], dtype=np.int64),
        np.array([], dtype=np.int64),
    ],
)
def test_unique_inverse_is_numpys_unique_with_its_inverse(values):
    unique, inverse = unique_inverse(values)
    expected_unique, expected_inverse = np.unique(values, return_inverse=True)
    assert np.array_equal(unique, expected_unique)
    assert np.array_equal(inverse, expected_inverse)
    assert unique.dtype == values.dtype and inverse.dtype == np.intp


def test_a_capped_step_that_overshoots_still_ends_at_the_maximum():
    # 999 wins, 1 tie, 1 loss: the answer is a gap of ln(999.5 / 1.5) ≈ 6.5. From a start 8.5
    # apart, Newton's first step (the tail is flat) is capped at 2 per contender and lands at
    # 4.5, past the answer to a lower likelihood than the start; the next steps come back.
    i, j, cells = np.array([0]), np.array([1]), np.array([[[999, 1, 1]]])

    theta = solve(i, j, cells, 2, np.array([False]), start=np.array([4.25, -4.25]))[0]

    assert theta[0] - theta[1] == pytest.approx(np.log(999.5 / 1.5), abs=1e-9)
    assert theta.sum() == pytest.approx(0.0, abs=1e-12)


def test_each_round_stops_once_its_step_or_the_predicted_next_step_is_within_tolerance(
    monkeypatch,
):
    # The stopping rule of `solve`, replayed from the steps it takes: a round goes on while its
    # largest move is above 1e-9 and, once moves are below 1e-3 (Newton's quadratic region),
    # so is the next move predicted as move³ / previous move². Rounds stop at different
    # iterations (warm and cold starts, with and without the prior), so each round's own
    # previous move must be used, and the stopped rounds must leave the batch.
    steps = []
    real_solve = np.linalg.solve

    def recording(hessian, gradient):
        step = real_solve(hessian, gradient)
        # The step taken is capped at 2 per round (its largest move).
        steps.append(np.minimum(np.abs(step[:, :, 0]).max(axis=1), 2.0))
        return step

    counts = sparse_counts(0, n=5, votes=100)
    i, j, cells = pair_cells(counts)
    rng = np.random.default_rng(11)
    flat = cells.ravel()
    rounds = rng.multinomial(int(flat.sum()), flat / flat.sum(), size=6).reshape(-1, *cells.shape)
    rounds[4] = [[300, 0, 1]] * len(i)  # ratings far apart: more steps
    rounds[5] = [[9, 0, 0]] * len(i)  # the first contender of a pair always wins: the prior
    prior = np.array([False] * 5 + [True])
    start = np.array([0.3, -0.2, 0.1, 0.0, -0.2])
    monkeypatch.setattr(np.linalg, "solve", recording)
    solve(i, j, rounds, 5, prior)
    solve(i, j, rounds, 5, prior, start=start)
    monkeypatch.undo()

    # Replay both solves: a call's rows are the rounds still going, in round order.
    calls, stopped_at = iter(steps), []
    for _solve in ("cold", "warm"):
        going, previous, iteration = list(range(6)), dict.fromkeys(range(6), np.inf), 0
        stops = {}
        while going:
            moves = next(calls)
            iteration += 1
            assert moves.size == len(going)
            still = []
            for r, move in zip(going, moves, strict=True):
                predicted = move**3 / previous[r] ** 2 if move < 1e-3 else np.inf
                previous[r] = move
                if move > 1e-9 and predicted > 1e-9:
                    still.append(r)
                else:
                    stops[r] = (iteration, move)
            going = still
        stopped_at.append(stops)
    assert next(calls, None) is None
    for stops in stopped_at:
        assert len({iteration for iteration, _ in stops.values()}) > 1
        assert any(move > 1e-9 for _, move in stops.values())  # stopped on the prediction


def test_a_round_that_loses_an_edge_made_of_ties_only_needs_the_prior():
    # Contender 0 scores against 1 only through its tie (no win): a round that draws no tie
    # loses that edge, and with it the MLE, though 0's wins (none) did not change.
    counts = PairCounts([0], [1], [0], [1], [3], n_contenders=2)
    i, j, cells = pair_cells(counts)
    rounds = np.array([[[0, 0, 4]], [[0, 1, 3]], [[0, 2, 2]]])

    prior = rounds_without_mle(i, j, rounds, cells, 2, full_exists=True)

    assert prior.tolist() == [True, False, False]


def resamples_of(counts: PairCounts, rounds: int, seed: int):
    """The bootstrap's inputs: cells, resampled cells, each round's prior, the warm start."""
    i, j, cells = pair_cells(counts)
    n = counts.n_contenders
    flat = cells.ravel()
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(int(flat.sum()), flat / flat.sum(), size=rounds)
    draws = draws.reshape(-1, *cells.shape)
    exists = strongly_connected(i, j, cells, n)
    prior = rounds_without_mle(i, j, draws, cells, n, full_exists=exists)
    start = solve(i, j, cells[None], n, np.array([not exists]))[0]
    return i, j, cells, draws, prior, start


@pytest.mark.parametrize(
    ("n", "votes", "seed"),
    [(50, 200_000, 0), (12, 5_000, 1), (6, 30, 2), (6, 30, 3), (4, 12, 4), (3, 6, 5)],
    ids=["large", "medium", "sparse-2", "sparse-3", "tiny", "three"],
)
def test_resamples_solved_by_the_chord_method_are_as_exact_as_newtons(n, votes, seed, monkeypatch):
    # The chord method (one Hessian for every round) on a large board, Newton's fallback on
    # sparse ones (slow or diverging chord steps, rounds with the prior): each round as close
    # to its exact fit (Newton run to 1e-14) as Newton's own answer, or within the tolerance.
    counts = sparse_counts(seed, n=n, votes=votes)
    i, j, cells, draws, prior, start = resamples_of(counts, rounds=200, seed=10 + seed)

    chord = solve_resamples(i, j, draws, cells, n, prior, start)
    newton = solve(i, j, draws, n, prior, start=start)
    monkeypatch.setattr(bt_newton, "_TOLERANCE", 1e-14)
    monkeypatch.setattr(bt_newton, "_QUADRATIC", 0.0)
    exact = solve(i, j, draws, n, prior, start=start)

    chord_error = np.abs(chord - exact).max(axis=1)
    newton_error = np.abs(newton - exact).max(axis=1)
    assert np.all(chord_error <= np.maximum(newton_error, 2e-9))


def test_resamples_of_data_without_an_mle_are_all_solved_with_the_prior():
    counts = PairCounts([0, 1], [1, 2], [3, 3], [0, 0], [0, 0], n_contenders=3)  # 0 > 1 > 2
    i, j, cells, draws, prior, start = resamples_of(counts, rounds=5, seed=0)
    assert prior.all()

    chord = solve_resamples(i, j, draws, cells, 3, prior, start)

    np.testing.assert_allclose(chord, solve(i, j, draws, 3, prior, start=start), atol=1e-12)
