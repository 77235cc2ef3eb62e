"""How solid is the ranking: leave-one-annotator-out refits and votes to separate neighbours.

Pure numpy (no Django, no I/O), like the fit it re-runs (scoring.numerics.ratings).

Leave one annotator out. For each annotator whose votes count, the default board (plain
Bradley-Terry point ratings, no bootstrap) is refitted without that annotator's votes, and each
contender's place on the board (1 = highest rating; equal ratings in index order, which is name
order on a snapshot) is compared with its place on the full board. The votes are aggregated
once: one bincount over (annotator, pair, outcome) gives every annotator's per-pair counts, and
each refit is the total minus one annotator's counts. All refits are solved together as one
batch of Newton problems, warm-started from the full ratings, with the same rule as the full
fit for data whose maximum-likelihood estimate does not exist (the prior of virtual ties). A
refit in which a contender loses its last vote goes through `fit_bradley_terry` itself, which
leaves that contender out and shows it at the mean, exactly as the board would.

Cap. At most `MAX_REFITS` annotators are refitted: those with the most counted votes (ties by
index). The cap keeps the cost bounded (refits x pairs cells, and refits Newton solves on
contenders x contenders matrices). It is a heuristic: an annotator left out usually moves the
board less, having fewer votes, but not always (a few votes on one close pair can weigh more
than many spread out). Callers say on the page when the cap applied.

Votes to separate neighbours. For contenders next to each other on the board, upper u above
lower l, the 95% intervals are separated when u's lower bound is above l's upper bound (the
rule `rank_with_intervals` gives different ranks by). Otherwise, with gap g = r_u - r_l and
the two facing half-widths h = (r_u - lower_u) + (upper_l - r_l), the estimate assumes (1) the
gap stays as it is, (2) both half-widths shrink like 1/sqrt(V), V the votes involving either
contender (a head-to-head vote counted once), and (3) new votes are spread like the current
ones. The intervals separate when h·sqrt(V / (V + m)) < g, i.e. after about
m = V·((h/g)² - 1) more votes involving either contender. With equal ratings (g = 0), or when
either contender has no votes (its interval is the whole board), no estimate exists (None).
It is an order of magnitude, not a promise: the gap moves as votes come in, and bootstrap
intervals shrink only roughly like 1/sqrt(V).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

# The batch solver and its helpers are the ratings module's own: a refit is the same solve as
# a bootstrap round, only on other cells, so it must follow the same rules to the last digit.
from scoring.numerics.bt_newton import rounds_without_mle
from scoring.numerics.ratings import (
    BASE_RATING,
    ELO_PER_NAT,
    _solve,
    _strongly_connected,
    fit_bradley_terry,
    to_elo,
)
from scoring.numerics.votes import A_WINS, B_WINS, PairCounts, RatingError, Votes

MAX_REFITS = 300  # annotators refitted at most: the ones with the most counted votes
TOP_INFLUENTIAL = 5  # annotators reported, by how much their removal moves the board
_CELLS_PER_CHUNK = 3_000_000  # refits x contenders² solved at once (as the bootstrap does)


@dataclass(frozen=True)
class ContenderMove:
    """One contender's place on the board with and without one annotator's votes."""

    contender: int
    place: int  # 1 = top of the full board
    place_without: int
    rating_change: float  # Elo, without minus with


@dataclass(frozen=True)
class AnnotatorInfluence:
    annotator: int
    votes: int  # counted votes removed
    places_moved: int  # sum over contenders of |place change|
    largest_place_change: int
    largest_rating_change: float  # Elo, the largest |rating change| of any contender
    moves: list[ContenderMove]  # the contenders whose place changes, in full-board order


@dataclass(frozen=True)
class LeaveOneOut:
    annotators: int  # annotators with counted votes
    refitted: int  # min(annotators, cap), the ones with the most counted votes; 0 if one
    cap: int
    largest_place_change: int  # over every refitted annotator; 0 when nobody moves anyone
    influential: list[AnnotatorInfluence]  # up to TOP_INFLUENTIAL, most moving first


@dataclass(frozen=True)
class NeighbourGap:
    """Two contenders next to each other on the board (rating order)."""

    upper: int
    lower: int
    gap: float  # Elo, upper's rating minus lower's (>= 0)
    separated: bool  # upper's lower bound above lower's upper bound
    votes: int  # votes involving either contender (a head-to-head vote counted once)
    more_votes: int | None  # 0 when separated; None when no estimate exists (see module doc)


def board_places(rating: ArrayLike) -> NDArray[np.int64]:
    """Each contender's place (1 = highest rating; equal ratings in index order).

    Ratings are compared to the micro-Elo: two fits of symmetric data can differ in the last
    bits, and that noise must not count as a contender moving.
    """
    r = np.round(np.asarray(rating, dtype=float), 6)
    order = np.lexsort((np.arange(r.size), -r))
    places = np.empty(r.size, dtype=np.int64)
    places[order] = np.arange(1, r.size + 1)
    return places


def leave_one_annotator_out(
    annotator: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    outcome: ArrayLike,
    *,
    n_contenders: int,
    count: ArrayLike | None = None,
    cap: int = MAX_REFITS,
    top: int = TOP_INFLUENTIAL,
) -> LeaveOneOut:
    """Refit the board without each annotator in turn (the counted votes: one entry per vote,
    or per cell with ``count`` votes each, scoring.numerics.vote_cells).

    ``annotator`` holds any non-negative ids; ``a``, ``b``, ``outcome`` are the votes as in
    `Votes`. See the module docstring for the fit, the places and the cap.
    """
    first, second, result = (np.asarray(x, dtype=np.intp).ravel() for x in (a, b, outcome))
    votes = Votes(first, second, result, n_contenders=n_contenders)  # checks indices, outcomes
    who = np.asarray(annotator, dtype=np.intp).ravel()
    if who.size != votes.a.size:
        raise RatingError("annotator, a, b and outcome must have the same length")
    if cap < 1:
        raise RatingError("cap must be at least 1")
    if who.size and who.min() < 0:
        raise RatingError("annotator ids must be non-negative")
    weight = None if count is None else np.asarray(count, dtype=np.int64).ravel()
    if weight is not None and (weight.size != who.size or np.any(weight < 0)):
        raise RatingError("count must give one non-negative number per cell")
    votes_by = _counts(who, weight, 0)
    voters = np.flatnonzero(votes_by)
    if voters.size < 2:
        # Without its only annotator the board has no votes at all: nothing to compare with.
        return LeaveOneOut(voters.size, 0, cap, 0, [])
    chosen = voters[np.argsort(-votes_by[voters], kind="stable")[:cap]]
    n = n_contenders
    # Canonical pairs (low index first) so a pair's votes land in one cell whatever the sides.
    swap = votes.a > votes.b
    low, high = np.minimum(votes.a, votes.b), np.maximum(votes.a, votes.b)
    result = np.where(swap, (A_WINS + B_WINS) - votes.outcome, votes.outcome)
    key = low * n + high
    present = np.flatnonzero(_counts(key, weight, n * n))
    lookup = np.full(n * n, -1, dtype=np.intp)
    lookup[present] = np.arange(present.size)
    cell = lookup[key] * 3 + result
    total = _counts(cell, weight, present.size * 3).reshape(-1, 3)
    # Every chosen annotator's per-pair counts in one bincount over (annotator, pair, outcome).
    slot = np.full(votes_by.size, -1, dtype=np.intp)
    slot[chosen] = np.arange(chosen.size)
    mine = slot[who]
    kept = mine >= 0
    size = present.size * 3
    per = _counts(
        mine[kept] * size + cell[kept],
        None if weight is None else weight[kept],
        chosen.size * size,
    )
    without = total[None] - per.reshape(chosen.size, -1, 3)

    pair_i, pair_j = present // n, present % n
    full = fit_bradley_terry(_pair_counts(pair_i, pair_j, total, n))
    ratings = _refit(pair_i, pair_j, total, without, full, n)
    return _influence(full, ratings, chosen, votes_by, voters.size, cap, top)


def _counts(key: np.ndarray, weight: np.ndarray | None, size: int) -> np.ndarray:
    """Votes per key 0..size-1 (or up to the largest key): one per entry, or ``weight``."""
    if weight is None:
        return np.bincount(key, minlength=size).astype(np.int64)
    # Integer weights, summed exactly in float64 (below 2**53).
    return np.bincount(key, weight.astype(np.float64), minlength=size).astype(np.int64)


def _pair_counts(i: np.ndarray, j: np.ndarray, cells: np.ndarray, n: int) -> PairCounts:
    return PairCounts(i, j, cells[:, 0], cells[:, 1], cells[:, 2], n_contenders=n)


def _refit(
    pair_i: np.ndarray,
    pair_j: np.ndarray,
    total: np.ndarray,
    without: np.ndarray,
    full: np.ndarray,
    n: int,
) -> np.ndarray:
    """Elo ratings (refits, n) for each refit's cells, warm-started from the full ratings."""
    voted = np.union1d(pair_i, pair_j)
    k = voted.size
    i, j = np.searchsorted(voted, pair_i), np.searchsorted(voted, pair_j)
    ends = np.zeros((pair_i.size, k))
    ends[np.arange(pair_i.size), i] = 1.0
    ends[np.arange(pair_i.size), j] = 1.0
    # A contender left without votes changes the set being fitted: fitted on its own below.
    orphaned = ((without.sum(axis=2) @ ends) == 0).any(axis=1)
    full_exists = _strongly_connected(i, j, total, k)
    warm = (full[voted] - full[voted].mean()) / ELO_PER_NAT
    out = np.empty((without.shape[0], n))
    batch = np.flatnonzero(~orphaned)
    chunk = max(1, _CELLS_PER_CHUNK // (k * k))
    for start in range(0, batch.size, chunk):
        rows = batch[start : start + chunk]
        cells = without[rows]
        # Removing votes only loses edges: the full data's verdict on the MLE holds unless a
        # refit lost one, and only those refits need a connectivity check of their own.
        prior = rounds_without_mle(i, j, cells, total, k, full_exists=full_exists)
        theta = _solve(i, j, cells, k, prior, start=warm)
        out[rows] = to_elo(theta, voted, n, None, BASE_RATING)
    for r in np.flatnonzero(orphaned):
        out[r] = fit_bradley_terry(_pair_counts(pair_i, pair_j, without[r], n))
    return out


def _influence(
    full: np.ndarray,
    ratings: np.ndarray,
    chosen: np.ndarray,
    votes_by: np.ndarray,
    annotators: int,
    cap: int,
    top: int,
) -> LeaveOneOut:
    places = board_places(full)
    places_without = np.array([board_places(row) for row in ratings]).reshape(ratings.shape)
    moved = np.abs(places_without - places)
    shift = ratings - full
    total_moved = moved.sum(axis=1)
    largest_rating = np.abs(shift).max(axis=1)
    order = np.lexsort((chosen, -votes_by[chosen], -largest_rating, -total_moved))[:top]
    influential = [
        AnnotatorInfluence(
            annotator=int(chosen[r]),
            votes=int(votes_by[chosen[r]]),
            places_moved=int(total_moved[r]),
            largest_place_change=int(moved[r].max()),
            largest_rating_change=float(largest_rating[r]),
            moves=[
                ContenderMove(
                    contender=int(c),
                    place=int(places[c]),
                    place_without=int(places_without[r, c]),
                    rating_change=float(shift[r, c]),
                )
                for c in np.argsort(places)
                if moved[r, c]
            ],
        )
        for r in order
    ]
    return LeaveOneOut(annotators, chosen.size, cap, int(moved.max()), influential)


def votes_to_separate(
    rating: ArrayLike, lower: ArrayLike, upper: ArrayLike, votes: ArrayLike
) -> list[NeighbourGap]:
    """Each pair of neighbours on the board, top first; ``votes`` is the n-by-n vote matrix.

    The estimate and its assumptions are in the module docstring.
    """
    r, lo, hi = (np.asarray(x, dtype=float).ravel() for x in (rating, lower, upper))
    matrix = np.asarray(votes, dtype=np.int64)
    n = r.size
    if lo.size != n or hi.size != n or matrix.shape != (n, n):
        raise RatingError("rating, lower, upper and an n-by-n votes matrix must agree on n")
    order = np.argsort(board_places(r))
    per_contender = matrix.sum(axis=1)
    gaps = []
    for above, below in itertools.pairwise(order):
        u, low = int(above), int(below)
        gap = float(r[u] - r[low])
        separated = bool(lo[u] > hi[low])
        involving = int(per_contender[u] + per_contender[low] - matrix[u, low])
        facing = (r[u] - lo[u]) + (hi[low] - r[low])
        more: int | None
        if separated:
            more = 0
        elif gap <= 0.0 or per_contender[u] == 0 or per_contender[low] == 0:
            more = None
        else:
            # h·sqrt(V / (V + m)) < g  <=>  m > V·((h/g)² - 1); the smallest whole m past it.
            more = max(1, math.floor(involving * ((facing / gap) ** 2 - 1.0)) + 1)
        gaps.append(NeighbourGap(u, low, gap, separated, involving, more))
    return gaps
