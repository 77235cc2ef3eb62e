"""The batch Newton solver behind every Bradley-Terry fit (scoring.numerics.ratings).

Pure numpy/scipy. Fits run on aggregated cells: for each unordered pair i < j with votes, the
counts (i wins, ties, j wins); a batch is many rounds of cells over the same pairs (bootstrap
resamples, leave-one-out refits), all solved together. See scoring.numerics.ratings for the
model and for when the prior (virtual ties against the mean) is used.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from scipy.special import expit

from scoring.numerics.votes import PairCounts, RatingError

PRIOR_TIES = 1.0  # virtual ties per contender against the mean, only when the MLE does not exist
_TOLERANCE = 1e-9  # Newton stops when no rating moves more than this (natural-log units)
_MAX_STEP = 2.0  # cap per Newton step: keeps far-apart ratings (never-loses + prior) stable
_MAX_ITERATIONS = 200
_QUADRATIC = 1e-3  # steps below this are in Newton's quadratic region (predicted next step)
_CHORD_ITERATIONS = 30  # resamples of a large board need 5-7 chord steps
_CHORD_RATE = 0.25  # a chord round converging slower than this is handed to Newton


def pair_cells(counts: PairCounts) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.int64]]:
    """Unordered pairs i < j, their (i wins, ties, j wins) counts; pairs without votes dropped."""
    n = counts.n_contenders
    swap = counts.a > counts.b
    i = np.where(swap, counts.b, counts.a)
    j = np.where(swap, counts.a, counts.b)
    i_wins = np.where(swap, counts.b_wins, counts.a_wins)
    j_wins = np.where(swap, counts.a_wins, counts.b_wins)
    key = i * n + j
    cells = np.stack(
        [np.bincount(key, c, minlength=n * n) for c in (i_wins, counts.ties, j_wins)], 1
    )
    pair = np.flatnonzero(cells.sum(axis=1))
    return pair // n, pair % n, cells[pair].round().astype(np.int64)


def strongly_connected(i: np.ndarray, j: np.ndarray, cells: np.ndarray, n: int) -> bool:
    """True when the 'scored against' graph is strongly connected, i.e. the MLE exists."""
    if n <= 1:  # pragma: no cover - callers pass the contenders with votes: two or more
        return True
    i_scored = cells[:, 0] + cells[:, 1] > 0
    j_scored = cells[:, 2] + cells[:, 1] > 0
    rows = np.concatenate([i[i_scored], j[j_scored]])
    cols = np.concatenate([j[i_scored], i[j_scored]])
    graph = coo_array((np.ones(rows.size), (rows, cols)), shape=(n, n)).tocsr()
    return connected_components(graph, directed=True, connection="strong")[0] == 1


def solve(
    i: np.ndarray,
    j: np.ndarray,
    cells: np.ndarray,
    n: int,
    prior: np.ndarray,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """Batched Newton-Raphson for log-strengths; cells is (rounds, pairs, 3), prior (rounds,).

    A round stops once its step moves no log-strength more than _TOLERANCE, or once the next
    step is predicted to: near the optimum Newton converges quadratically, the next step
    about C·s² for this step s, with C measured as s / s_prev² from the last two steps. A
    warm-started bootstrap round so saves the last step (about 1e-8 then 1e-16 at a million
    votes), which only confirmed the fit; the predicted move is bounded by _TOLERANCE too.

    Works per pair (not per nxn entry) and only scatters the Hessian. Rows without the prior
    are gauge-fixed by adding a multiple of 11ᵀ to the singular (Laplacian) Hessian: the
    gradient sums to zero, so every step keeps the log-strengths summing to zero. Steps are
    capped at _MAX_STEP: in the flat tails of a contender rated thousands of points away the
    uncapped step is huge. A capped step can still overshoot (from a start on the far side of
    the answer) but the next steps come back; no line search, as it never changed a result.
    """
    rounds = cells.shape[0]
    games = cells.sum(axis=2).astype(np.float64)
    score_i = cells[:, :, 0] + 0.5 * cells[:, :, 1]  # i's score against j
    signed = _signed(i, j, n)
    ends = np.abs(signed)
    theta = (
        np.zeros((rounds, n)) if start is None else np.array(np.broadcast_to(start, (rounds, n)))
    )
    todo = np.arange(rounds)
    # Flat positions in an n-by-n matrix: scattering into a flat row is several times faster
    # than numpy's two-index fancy assignment, for the same entries.
    upper, lower, diagonal = i * n + j, j * n + i, np.arange(n) * (n + 1)
    previous = np.full(rounds, np.inf)  # each round's last step (largest move), inf before one
    for _ in range(_MAX_ITERATIONS):
        t, g, w, use_prior = theta[todo], games[todo], score_i[todo], prior[todo]
        difference = np.take(t, i, axis=1) - np.take(t, j, axis=1)
        p, p_j = expit(difference), expit(-difference)
        # w·sig(-d) - (g-w)·sig(d) is w - g·p without cancelling two near-equal large numbers.
        gradient = (w * p_j - (g - w) * p) @ signed
        q = g * p * p_j
        hessian = np.zeros((todo.size, n * n))
        hessian[:, upper] = -q
        hessian[:, lower] = -q
        curvature = q @ ends
        # Prior: a virtual tie with a phantom at 0: gradient τ(½ - s(θ)), curvature τ·s(1 - s).
        s = expit(t)
        gradient += use_prior[:, None] * PRIOR_TIES * 0.5 * (expit(-t) - s)
        curvature += use_prior[:, None] * PRIOR_TIES * s * expit(-t)
        hessian[:, diagonal] = curvature
        hessian += (~use_prior * curvature.mean(axis=1) / n)[:, None]
        step = np.linalg.solve(hessian.reshape(-1, n, n), gradient[:, :, None])[:, :, 0]
        step *= np.minimum(1.0, _MAX_STEP / np.maximum(np.abs(step).max(axis=1), 1e-300))[:, None]
        theta[todo] = t + step
        moved = np.abs(step).max(axis=1)
        # The next step, predicted as moved³ / previous² (quadratic convergence); only
        # trusted once steps are small, where that model holds.
        predicted = np.where(moved < _QUADRATIC, moved**3 / previous[todo] ** 2, np.inf)
        previous[todo] = moved
        todo = todo[(moved > _TOLERANCE) & (predicted > _TOLERANCE)]
        if todo.size == 0:
            return theta
    raise RatingError("Bradley-Terry fit did not converge")  # not seen in tests; a bug if raised


def solve_resamples(
    i: np.ndarray,
    j: np.ndarray,
    cells: np.ndarray,
    full: np.ndarray,
    n: int,
    prior: np.ndarray,
    start: np.ndarray,
) -> np.ndarray:
    """`solve` for resamples (rounds, pairs, 3) of the ``full`` cells, each as many votes as
    ``full``, warm-started at the full data's fit ``start``: the same answer to the tolerance.

    A resample's Hessian at its own fit differs from the full data's at ``start`` only by the
    resampling noise (a few percent per pair on a large board), so the chord method (Newton's
    step with that one Hessian, inverted once for every round) gains more than a digit per
    step, and a step is two matrix products instead of building a Hessian per round and
    solving them all: 2-3 times cheaper at a million votes over 50 contenders. It converges
    linearly, so a round stops when its step, or the next one predicted from the last two
    steps' ratio, is within _TOLERANCE. Rounds with the prior (their Hessian differs), rounds
    converging slower than _CHORD_RATE (small data) and rounds not done after
    _CHORD_ITERATIONS get Newton (`solve`).
    """
    todo = np.flatnonzero(~prior)
    if todo.size == 0:
        return solve(i, j, cells, n, prior, start=start)
    rounds = cells.shape[0]
    theta = np.array(np.broadcast_to(start, (rounds, n)))
    signed = _signed(i, j, n)
    difference = start[i] - start[j]
    q = full.sum(axis=1) * expit(difference) * expit(-difference)
    hessian = np.zeros((n, n))
    hessian[i, j] = hessian[j, i] = -q
    hessian[np.arange(n), np.arange(n)] = q @ np.abs(signed)
    hessian += hessian.diagonal().mean() / n  # the gauge, as in `solve`
    try:
        inverse = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:  # curvature lost to underflow: ratings far apart
        return solve(i, j, cells, n, prior, start=start)
    score_i = cells[:, :, 0] + 0.5 * cells[:, :, 1]
    score_j = cells[:, :, 2] + 0.5 * cells[:, :, 1]
    newton = [np.flatnonzero(prior)]
    previous = np.full(rounds, np.inf)
    for _ in range(_CHORD_ITERATIONS):
        if todo.size == 0:
            break
        whole = todo.size == rounds  # the usual case: no copies of the rounds' cells
        w, lose = (score_i, score_j) if whole else (score_i[todo], score_j[todo])
        with np.errstate(over="ignore", invalid="ignore"):
            far = np.exp(-(theta[todo] @ signed.T))  # e^-d, d = θ_i - θ_j
            # w·sig(-d) - (g-w)·sig(d) = (w·e^-d - (g-w)) / (1 + e^-d)
            gradient = np.multiply(w, far) - lose
            gradient /= far + 1.0
            step = gradient @ signed @ inverse
        theta[todo] += step
        moved = np.abs(step).max(axis=1)
        rate = moved / previous[todo]  # 0 on the first step (previous is inf)
        previous[todo] = moved
        slow = ~np.isfinite(moved) | (rate >= _CHORD_RATE)
        theta[todo[slow]] = start
        newton.append(todo[slow])
        # What is left after this step, if the rate holds: the tail of a geometric series.
        done = (moved <= _TOLERANCE) | ((rate > 0) & (moved * rate / (1 - rate) <= _TOLERANCE))
        todo = todo[~slow & ~done]
    rest = np.concatenate([*newton, todo])
    if rest.size:
        theta[rest] = solve(i, j, cells[rest], n, prior[rest], start=theta[rest])
    return theta


def _signed(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    """(pairs, n): +1 at i, -1 at j; maps a pair quantity onto both of its contenders."""
    signed = np.zeros((i.size, n))
    signed[np.arange(i.size), i] = 1.0
    signed[np.arange(i.size), j] = -1.0
    return signed


def rounds_without_mle(
    i: np.ndarray,
    j: np.ndarray,
    rounds: np.ndarray,
    full: np.ndarray,
    n: int,
    *,
    full_exists: bool,
) -> np.ndarray:
    """For each round's cells (rounds, pairs, 3) drawn from the ``full`` cells (a resample or
    a subset of the same votes), True where its MLE does not exist: the prior is needed.

    A round's "scored against" graph is a subgraph of the full data's, so without an MLE on
    the full data no round has one; with it, a round that keeps every edge (i scored against
    j: i's wins or the ties still there) keeps it too. Only rounds that lost an edge, not
    merely a cell (a pair's ties emptied while both sides still won there), are checked one
    by one, which on a large board is almost none of them.
    """
    prior = np.full(rounds.shape[0], not full_exists)
    if not full_exists:
        return prior
    edges = (full[:, 0] + full[:, 1] > 0, full[:, 2] + full[:, 1] > 0)
    kept = (rounds[:, :, 0] + rounds[:, :, 1] > 0, rounds[:, :, 2] + rounds[:, :, 1] > 0)
    lost = np.flatnonzero(np.any((edges[0] & ~kept[0]) | (edges[1] & ~kept[1]), axis=1))
    if lost.size:
        prior[lost] = ~_all_strongly_connected(i, j, kept[0][lost], kept[1][lost], n)
    return prior


def _all_strongly_connected(
    i: np.ndarray, j: np.ndarray, i_scored: np.ndarray, j_scored: np.ndarray, n: int
) -> NDArray[np.bool_]:
    """`strongly_connected` of many rounds at once (``*_scored``: (rounds, pairs) edges):
    contender 0 reaches every contender and every contender reaches it, found by growing
    both sets one step at a time for all rounds together. One scipy call per round cost a
    category board's 100 rounds more than their fits (about 1.5 ms a round)."""
    rounds = i_scored.shape[0]
    forward = np.zeros((rounds, n, n), dtype=bool)  # forward[r, x, y]: x scored against y
    forward[:, i, j] = i_scored
    forward[:, j, i] |= j_scored
    connected = np.ones(rounds, dtype=bool)
    for graph in (forward, forward.transpose(0, 2, 1)):
        reached = np.zeros((rounds, n), dtype=bool)
        reached[:, 0] = True
        for _ in range(n):
            grown = reached | np.einsum("rx,rxy->ry", reached, graph, dtype=bool)
            if np.array_equal(grown, reached):
                break
            reached = grown
        connected &= reached.all(axis=1)
    return connected
