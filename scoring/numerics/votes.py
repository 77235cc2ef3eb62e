"""Votes: the value types for individual votes and pre-aggregated counts.

`Votes` (one entry per vote, in the order cast, which is the order online Elo replays them in)
and `PairCounts` (per pair: a-wins, ties, b-wins, e.g. from an SQL GROUP BY) are what
`scoring.numerics.ratings` rates. Vote files are read outside the numerics
(`scoring.vote_files`, for the command line).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

# Outcome codes of a vote; also the column order (a-wins, ties, b-wins) of pre-aggregated counts.
A_WINS, TIE, B_WINS = 0, 1, 2


class RatingError(ValueError):
    """Votes that cannot be rated: bad indices, negative counts, unknown anchor."""


@dataclass(frozen=True)
class Votes:
    """Individual votes in the order they were cast; `outcome` is A_WINS, TIE or B_WINS."""

    a: NDArray[np.intp]
    b: NDArray[np.intp]
    outcome: NDArray[np.intp]
    n_contenders: int

    def __post_init__(self) -> None:
        a, b, outcome = (
            np.asarray(x, dtype=np.intp).ravel() for x in (self.a, self.b, self.outcome)
        )
        if not (a.size == b.size == outcome.size):
            raise RatingError("a, b and outcome must have the same length")
        _check_contenders(a, b, self.n_contenders)
        if outcome.size and (outcome.min() < A_WINS or outcome.max() > B_WINS):
            raise RatingError("outcome must be A_WINS (0), TIE (1) or B_WINS (2)")
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "outcome", outcome)


@dataclass(frozen=True)
class PairCounts:
    """Pre-aggregated votes, one row per pair (a, b): how often a won, tied and b won.

    Rows may repeat a pair or give it in either order (an SQL `GROUP BY a, b` fits as is).
    """

    a: NDArray[np.intp]
    b: NDArray[np.intp]
    a_wins: NDArray[np.int64]
    ties: NDArray[np.int64]
    b_wins: NDArray[np.int64]
    n_contenders: int

    def __post_init__(self) -> None:
        a, b = (np.asarray(x, dtype=np.intp).ravel() for x in (self.a, self.b))
        counts = [np.asarray(x).ravel() for x in (self.a_wins, self.ties, self.b_wins)]
        if any(c.size != a.size for c in (b, *counts)):
            raise RatingError("a, b, a_wins, ties and b_wins must have the same length")
        _check_contenders(a, b, self.n_contenders)
        for name, c in zip(("a_wins", "ties", "b_wins"), counts, strict=True):
            if c.size and (c.min() < 0 or not np.array_equal(c, np.round(c))):
                raise RatingError(f"{name} must be non-negative integers")
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "b", b)
        for name, c in zip(("a_wins", "ties", "b_wins"), counts, strict=True):
            object.__setattr__(self, name, c.astype(np.int64))


def _check_contenders(a: np.ndarray, b: np.ndarray, n_contenders: int) -> None:
    if n_contenders < 0:
        raise RatingError("n_contenders must be non-negative")
    if a.size and (min(a.min(), b.min()) < 0 or max(a.max(), b.max()) >= n_contenders):
        raise RatingError(f"contender indices must lie in 0..{n_contenders - 1}")
    if np.any(a == b):
        raise RatingError("a contender cannot be compared with itself")


def outcome_from_verdict(verdict: ArrayLike) -> NDArray[np.intp]:
    """Map verdicts -2…+2 (negative prefers a) to outcome codes A_WINS / TIE / B_WINS."""
    return np.sign(np.asarray(verdict, dtype=np.intp)) + 1


def count_votes(votes: Votes) -> PairCounts:
    """Aggregate votes into one row per ordered pair (a, b) that has votes."""
    return counts_from_table(pair_table(votes), votes.n_contenders)


def pair_table(votes: Votes) -> NDArray[np.int64]:
    """Votes per ordered pair and outcome: row a * n + b, columns a-wins, ties, b-wins (a
    tally that folds: the table of all votes is the sum of any split's tables)."""
    n = votes.n_contenders
    cell = (votes.a * n + votes.b) * 3 + votes.outcome
    return np.bincount(cell, minlength=n * n * 3).reshape(n * n, 3).astype(np.int64)


def counts_from_table(table: NDArray[np.int64], n: int) -> PairCounts:
    """`pair_table`'s votes as `PairCounts`: one row per ordered pair with votes."""
    pair = np.flatnonzero(table.sum(axis=1))
    a_wins, ties, b_wins = table[pair].T
    return PairCounts(pair // n, pair % n, a_wins, ties, b_wins, n_contenders=n)


def unique_inverse(values: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.intp]]:
    """``np.unique(values, return_inverse=True)``, the same result, without sorting when the
    values are ids from a range at most four times their count (a campaign's annotators or
    comparisons): a table over the range then maps each value, for a tenth of a sort's cost
    at a million values."""
    values = np.asarray(values)
    if values.size == 0 or values.min() < 0 or values.max() - values.min() >= 4 * values.size:
        unique, inverse = np.unique(values, return_inverse=True)
        return unique, inverse.astype(np.intp)
    low = int(values.min())
    present = np.bincount(values - low) > 0
    place = np.cumsum(present) - 1
    return (np.flatnonzero(present) + low).astype(values.dtype), place[values - low].astype(
        np.intp, copy=False
    )


def sorted_positions(
    keys: NDArray[np.int64], wanted: NDArray[np.int64]
) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """Where each of ``wanted`` is in the sorted unique ``keys``, and whether it is there at
    all (where not, its position is where it would be inserted)."""
    place = np.searchsorted(keys, wanted)
    found = place < keys.size
    found[found] = keys[place[found]] == wanted[found]
    return place, found
