"""Votes: the value types for individual votes and pre-aggregated counts, and vote files.

`Votes` (one entry per vote, in the order cast) and `PairCounts` (per pair: a-wins, ties,
b-wins, e.g. from an SQL GROUP BY) are what `scoring.numerics.ratings` rates. `read_votes` reads
a CSV
or JSON Lines file for the command line; it is the only numerics code that touches files.
Votes keep file order, which is the order online Elo replays them in.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
    n = votes.n_contenders
    cell = (votes.a * n + votes.b) * 3 + votes.outcome
    table = np.bincount(cell, minlength=n * n * 3).reshape(n * n, 3)
    pair = np.flatnonzero(table.sum(axis=1))
    a_wins, ties, b_wins = table[pair].T
    return PairCounts(pair // n, pair % n, a_wins, ties, b_wins, n_contenders=n)


# Winner values understood, case-insensitive. "left" means the --a column. FastChat's
# "tie (bothbad)" is a tie too, so Chatbot Arena dumps load as they are.
WINNERS = {
    "a": A_WINS,
    "model_a": A_WINS,
    "left": A_WINS,
    "b": B_WINS,
    "model_b": B_WINS,
    "right": B_WINS,
    "tie": TIE,
    "tie (bothbad)": TIE,
    "-2": A_WINS,
    "-1": A_WINS,
    "0": TIE,
    "1": B_WINS,
    "+1": B_WINS,
    "2": B_WINS,
    "+2": B_WINS,
}


class VoteFileError(ValueError):
    """A vote file that cannot be read; the message names the line and the reason."""


@dataclass(frozen=True)
class VoteFile:
    """Votes read from a file, contender index k being `names[k]` (names sorted)."""

    names: list[str]
    votes: Votes


def _rows(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    """(line number, row) pairs; JSON Lines for .jsonl/.ndjson/.json, CSV otherwise."""
    with path.open(encoding="utf-8", newline="") as handle:
        if path.suffix.lower() in {".jsonl", ".ndjson", ".json"}:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    raise VoteFileError(f"line {number}: bad JSON ({error.msg})") from error
                if not isinstance(row, dict):
                    raise VoteFileError(f"line {number}: expected a JSON object")
                yield number, row
        else:
            # Line 1 is the header, so the first vote is on line 2.
            for number, row in enumerate(csv.DictReader(handle), start=2):
                yield number, row


def read_votes(
    path: str | Path, *, a: str = "model_a", b: str = "model_b", winner: str = "winner"
) -> VoteFile:
    """Read every row's two contenders and winner; raise VoteFileError on the first bad row."""
    path = Path(path)
    if not path.is_file():
        raise VoteFileError(f"{path}: no such file")
    firsts: list[str] = []
    seconds: list[str] = []
    outcomes: list[int] = []
    for number, row in _rows(path):
        values = []
        for column in (a, b, winner):
            value = row.get(column)
            if value is None or str(value).strip() == "":
                raise VoteFileError(f"line {number}: missing {column!r}")
            values.append(str(value).strip())
        first, second, said = values
        if first == second:
            raise VoteFileError(f"line {number}: {first!r} is on both sides")
        outcome = WINNERS.get(said.lower())
        if outcome is None:
            raise VoteFileError(
                f"line {number}: winner {said!r} is not a/b/tie, model_a/model_b, "
                "left/right or -2…+2"
            )
        firsts.append(first)
        seconds.append(second)
        outcomes.append(outcome)
    names, index = np.unique(np.array(firsts + seconds, dtype=object), return_inverse=True)
    count = len(firsts)
    votes = Votes(index[:count], index[count:], np.array(outcomes, dtype=np.intp), len(names))
    return VoteFile([str(name) for name in names], votes)
