"""Model ratings: Bradley-Terry maximum likelihood on the Elo scale, with bootstrap intervals.

Pure numpy/scipy (no Django, no I/O) so jobs, commands, notebooks and benchmarks share it.

Model. P(i beats j) = 1 / (1 + 10^((r_j - r_i) / 400)); a tie counts as half a win for each
side (Chatbot Arena's convention). The likelihood then depends on the votes only through the
per-pair vote counts and each contender's score (wins + ties / 2), so every fit runs on
aggregated counts (`PairCounts`): one bootstrap round over a million votes is a multinomial
draw over at most 3·C(n, 2) (pair, outcome) cells and a Newton solve on an n-by-n matrix, and all
rounds are solved together as one batch of matrices (scoring.numerics.bt_newton).

Awkward data. The maximum-likelihood estimate exists (finite, unique up to a shift) exactly
when the graph "i scored against j" (a win or a tie) is strongly connected (Zermelo, Ford
1957). When it is not — a contender that never loses or never wins, a disconnected graph, a
single vote — the fit adds one virtual tie per contender against a phantom contender rated at
the mean (a logistic prior, as BayesElo's virtual draws), which makes every rating finite and
leaves them ordered as the data say. The prior is used only in fits (and bootstrap rounds)
whose MLE does not exist, so on ordinary data the ratings are the exact MLE. Contenders with
no votes at all are left out of the fit: they are shown at the mean rating with an interval
spanning the whole board ("we know nothing"). No input yields NaN or infinity.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

# The batch Newton solver lives in its own module; its helpers keep their names here, where
# the other fits (robustness, contextual) have always imported them from.
from scoring.numerics.bt_newton import PRIOR_TIES as PRIOR_TIES
from scoring.numerics.bt_newton import pair_cells as _pair_cells
from scoring.numerics.bt_newton import rounds_without_mle, solve_resamples
from scoring.numerics.bt_newton import solve as _solve
from scoring.numerics.bt_newton import strongly_connected as _strongly_connected
from scoring.numerics.votes import PairCounts, RatingError, Votes, count_votes

BASE_RATING = 1000.0
ELO_PER_NAT = 400.0 / math.log(10.0)  # Elo points per unit of natural-log odds
ONLINE_ELO_K = 4.0  # FastChat's K for the online Elo shown for reference
_CELLS_PER_CHUNK = 3_000_000  # rounds x contenders² solved at once; bounds memory at ~100 MB
# Bootstrap rounds come in blocks of _BLOCK_ROUNDS, each drawn from its own stream of the seed,
# so the intervals do not depend on how many threads (_THREADS) fit the blocks.
_BLOCK_ROUNDS = 250
_THREADS = 2


@dataclass(frozen=True)
class RatingIntervals:
    """Point ratings and 95% percentile-bootstrap intervals, all on the Elo scale."""

    rating: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    rounds: int
    seed: int


@dataclass(frozen=True)
class ContenderRating:
    """One leaderboard row; the fields of PRODUCT.md's leaderboard JSON `contenders`."""

    name: str
    rating: float
    ci_lower: float
    ci_upper: float
    rank: int
    votes: int
    wins: int
    losses: int
    ties: int
    win_rate: float  # (wins + ties / 2) / votes; 0.0 with no votes
    online_elo: float | None  # None only when rated from counts without a vote order


@dataclass(frozen=True)
class PairwiseMatrices:
    """Head-to-head tables; entry [i, j] is about row contender i against column contender j."""

    votes: NDArray[np.int64]  # symmetric
    wins: NDArray[np.int64]  # i beat j
    ties: NDArray[np.int64]  # symmetric
    win_rate: NDArray[np.float64]  # (wins + ties / 2) / votes; 0.5 where votes == 0


def _as_counts(data: Votes | PairCounts) -> PairCounts:
    return count_votes(data) if isinstance(data, Votes) else data


def _prepare(
    counts: PairCounts, anchor: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int | None]:
    """Re-index to contenders with votes: voted ids, pairs i < j, their cells, anchor's place."""
    i, j, cells = _pair_cells(counts)
    voted = np.union1d(i, j)
    if anchor is not None and anchor not in voted:
        raise RatingError("the anchor contender has no votes, so it cannot carry the scale")
    place = None if anchor is None else int(np.searchsorted(voted, anchor))
    return voted, np.searchsorted(voted, i), np.searchsorted(voted, j), cells, place


def to_elo(
    theta: np.ndarray, voted: np.ndarray, n: int, anchor_place: int | None, base: float
) -> np.ndarray:
    """Log-strengths (..., voted) → Elo (..., n): mean or anchor at `base`; no votes → the mean.

    ``anchor_place`` is the anchor's position in ``voted`` (not its contender index). Every
    board (plain, annotator-aware, style-controlled, leave-one-out) converts through here.
    """
    if voted.size == 0:
        return np.full((*theta.shape[:-1], n), float(base))
    elo = theta * ELO_PER_NAT
    reference = (
        elo.mean(axis=-1, keepdims=True) if anchor_place is None else elo[..., [anchor_place]]
    )
    elo = elo - reference + base
    out = np.empty((*elo.shape[:-1], n))
    out[...] = elo.mean(axis=-1, keepdims=True)
    out[..., voted] = elo
    return out


def fit_bradley_terry(
    data: Votes | PairCounts, *, anchor: int | None = None, base_rating: float = BASE_RATING
) -> NDArray[np.float64]:
    """Bradley-Terry ratings (Elo scale) of all `n_contenders`, ties counted as half a win.

    Mean `base_rating` over contenders with votes, or `anchor`'s rating set to `base_rating`.
    The exact MLE whenever it exists; otherwise see the module docstring.
    """
    counts = _as_counts(data)
    n = counts.n_contenders
    voted, i, j, cells, anchor_place = _prepare(counts, anchor)
    if voted.size == 0:
        return np.full(n, float(base_rating))
    prior = np.array([not _strongly_connected(i, j, cells, voted.size)])
    theta = _solve(i, j, cells[None], voted.size, prior)
    return to_elo(theta, voted, n, anchor_place, base_rating)[0]


def bootstrap_ratings(
    data: Votes | PairCounts,
    *,
    rounds: int = 1000,
    seed: int = 0,
    anchor: int | None = None,
    base_rating: float = BASE_RATING,
) -> RatingIntervals:
    """Point ratings with 95% percentile intervals from `rounds` resamples of the votes.

    A resample of N votes is one multinomial draw of N over the observed (pair, outcome)
    cells — the same distribution as drawing votes with replacement — so the cost does not
    grow with N. Same seed, same intervals. Each round gets the same finite-rating rule as
    the point fit. The interval is widened to contain the point rating if needed, so a
    leaderboard never shows a rating outside its own interval (only on degenerate data).
    """
    if rounds < 1:
        raise RatingError("rounds must be at least 1")
    counts = _as_counts(data)
    n = counts.n_contenders
    rating = fit_bradley_terry(counts, anchor=anchor, base_rating=base_rating)
    voted, i, j, cells, anchor_place = _prepare(counts, anchor)
    if voted.size == 0:
        return RatingIntervals(rating, rating.copy(), rating.copy(), rounds, seed)
    k = voted.size
    flat = cells.ravel()
    nonzero = np.flatnonzero(flat)
    full_exists = _strongly_connected(i, j, cells, k)
    samples = np.empty((rounds, n))
    # Every round starts at the point fit, where the chord method takes its one Hessian.
    warm = (rating[voted] - rating[voted].mean()) / ELO_PER_NAT
    chunk = max(1, min(_BLOCK_ROUNDS, _CELLS_PER_CHUNK // (k * k)))
    votes, share = int(flat.sum()), flat[nonzero] / flat.sum()

    def fit_block(block: int) -> None:
        first, last = block * _BLOCK_ROUNDS, min((block + 1) * _BLOCK_ROUNDS, rounds)
        rng = np.random.default_rng([seed, block])
        draws = rng.multinomial(votes, share, size=last - first)
        for start in range(0, last - first, chunk):
            resampled = np.zeros((min(chunk, last - first - start), flat.size), dtype=np.int64)
            resampled[:, nonzero] = draws[start : start + chunk]
            resampled = resampled.reshape(-1, *cells.shape)
            # A resample only loses edges: it keeps the full data's MLE verdict unless it lost one.
            prior = rounds_without_mle(i, j, resampled, cells, k, full_exists=full_exists)
            theta = solve_resamples(i, j, resampled, cells, k, prior, warm)
            at = first + start
            samples[at : at + theta.shape[0]] = to_elo(theta, voted, n, anchor_place, base_rating)

    blocks = range(-(-rounds // _BLOCK_ROUNDS))
    if len(blocks) == 1:
        fit_block(0)
    else:
        # numpy lets go of the GIL in the draws and the array arithmetic, so blocks overlap.
        with ThreadPoolExecutor(_THREADS) as pool:
            list(pool.map(fit_block, blocks))
    lower, upper = np.percentile(samples, [2.5, 97.5], axis=0)
    lower, upper = board_interval(rating, lower, upper, voted)
    return RatingIntervals(rating, lower, upper, rounds, seed)


def board_interval(
    rating: np.ndarray, lower: np.ndarray, upper: np.ndarray, voted: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The board's interval rule, for every board: widened to contain the point rating (a
    board never shows a rating outside its own interval), and a contender without votes
    spans the voted contenders' whole range (it could be anywhere among them)."""
    lower, upper = np.minimum(lower, rating), np.maximum(upper, rating)
    if voted.size:
        unvoted = np.setdiff1d(np.arange(rating.size), voted)
        lower[unvoted], upper[unvoted] = lower[voted].min(), upper[voted].max()
    return lower, upper


def rank_with_intervals(lower: ArrayLike, upper: ArrayLike) -> NDArray[np.int64]:
    """1 + the number of contenders whose lower bound is above this one's upper bound."""
    lower, upper = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    return 1 + (lower[None, :] > upper[:, None]).sum(axis=1)


def pairwise_matrices(data: Votes | PairCounts) -> PairwiseMatrices:
    """Vote-count, win, tie and win-rate matrices for charts and head-to-head tables."""
    counts = _as_counts(data)
    n = counts.n_contenders
    wins = np.zeros((n, n), dtype=np.int64)
    ties = np.zeros((n, n), dtype=np.int64)
    np.add.at(wins, (counts.a, counts.b), counts.a_wins)
    np.add.at(wins, (counts.b, counts.a), counts.b_wins)
    np.add.at(ties, (counts.a, counts.b), counts.ties)
    ties = ties + ties.T
    votes = wins + wins.T + ties
    with np.errstate(invalid="ignore", divide="ignore"):
        win_rate = np.where(votes > 0, (wins + 0.5 * ties) / votes, 0.5)
    return PairwiseMatrices(votes, wins, ties, win_rate)


def predicted_win_probabilities(ratings: ArrayLike) -> NDArray[np.float64]:
    """Matrix of P(row beats column) under the fitted model (a tie counts as half)."""
    r = np.asarray(ratings, dtype=float)
    return expit((r[:, None] - r[None, :]) / ELO_PER_NAT)


def online_elo(
    votes: Votes,
    *,
    k: float = ONLINE_ELO_K,
    base_rating: float = BASE_RATING,
    start: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Sequential Elo in vote order (FastChat's `compute_elo`), shown only for reference.

    Inherently sequential, so a plain loop over Python floats (about 1 µs per vote).
    ``start``: the ratings after the earlier votes (an incremental run continues from them:
    the same float operations in the same order as replaying every vote).
    """
    if start is None:
        rating = [float(base_rating)] * votes.n_contenders
    else:
        rating = np.asarray(start, dtype=np.float64).tolist()
    score_a = (1.0, 0.5, 0.0)
    for a, b, outcome in zip(
        votes.a.tolist(), votes.b.tolist(), votes.outcome.tolist(), strict=True
    ):
        expected_a = 1.0 / (1.0 + 10.0 ** ((rating[b] - rating[a]) / 400.0))
        delta = k * (score_a[outcome] - expected_a)
        rating[a] += delta
        rating[b] -= delta
    return np.array(rating)


def rate_contenders(
    names: Sequence[str],
    data: Votes | PairCounts,
    *,
    rounds: int = 1000,
    seed: int = 0,
    anchor: str | None = None,
    base_rating: float = BASE_RATING,
    online: ArrayLike | None = None,
) -> list[ContenderRating]:
    """The model leaderboard: one row per contender, best rating first (name breaks ties).

    `names[k]` names contender index k. Online Elo is computed from `Votes`; from
    `PairCounts` pass `online` (computed by `online_elo` over the ordered votes) or get None.
    """
    counts = _as_counts(data)
    if len(names) != counts.n_contenders:
        raise RatingError("names must name every contender index")
    if anchor is not None and anchor not in names:
        raise RatingError(f"unknown anchor contender {anchor!r}")
    anchor_index = None if anchor is None else list(names).index(anchor)
    intervals = bootstrap_ratings(
        counts, rounds=rounds, seed=seed, anchor=anchor_index, base_rating=base_rating
    )
    if isinstance(data, Votes):
        online = online_elo(data, base_rating=base_rating)
    return contender_rows(names, intervals, counts, online=online)


def contender_rows(
    names: Sequence[str],
    intervals: RatingIntervals,
    counts: PairCounts,
    *,
    online: ArrayLike | None = None,
) -> list[ContenderRating]:
    """Leaderboard rows from any model's intervals and the votes' tallies, best first (name
    breaks ties); the default board's and every other view's (style-controlled, …)."""
    ranks = rank_with_intervals(intervals.lower, intervals.upper)
    tables = pairwise_matrices(counts)
    votes, wins, ties = tables.votes.sum(1), tables.wins.sum(1), tables.ties.sum(1)
    elo = None if online is None else np.asarray(online, dtype=float)
    rows = [
        ContenderRating(
            name=str(name),
            rating=float(intervals.rating[k]),
            ci_lower=float(intervals.lower[k]),
            ci_upper=float(intervals.upper[k]),
            rank=int(ranks[k]),
            votes=int(votes[k]),
            wins=int(wins[k]),
            losses=int(votes[k] - wins[k] - ties[k]),
            ties=int(ties[k]),
            win_rate=float((wins[k] + 0.5 * ties[k]) / votes[k]) if votes[k] else 0.0,
            online_elo=None if elo is None else float(elo[k]),
        )
        for k, name in enumerate(names)
    ]
    return sorted(rows, key=lambda row: (-row.rating, row.name))
