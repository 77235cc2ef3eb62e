"""Votes with their annotators, for the annotator-aware ratings (scoring.numerics.crowd_bt).

Pure numpy (no Django, no I/O): the value type Crowd-BT rates, and the conversion from a
campaign's judgments (regular ones become votes, gold ones each annotator's gold record).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from scoring.numerics.annotators import Judgments
from scoring.numerics.votes import RatingError, Votes, outcome_from_verdict


@dataclass(frozen=True)
class CrowdVotes:
    """Regular votes with their annotators, and each annotator's gold record.

    Vote k is ``votes``'s entry k, cast by annotator ``annotator[k]`` (0..n_annotators-1).
    ``gold_seen[a]`` gold judgments of annotator a, ``gold_right[a]`` of them right (a tie
    counting one half); both default to none.
    """

    votes: Votes
    annotator: NDArray[np.intp]
    n_annotators: int
    gold_seen: NDArray[np.float64] | None = None
    gold_right: NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        annotator = np.asarray(self.annotator, dtype=np.intp).ravel()
        if annotator.size != self.votes.a.size:
            raise RatingError("every vote needs an annotator")
        if annotator.size and (annotator.min() < 0 or annotator.max() >= self.n_annotators):
            raise RatingError(f"annotator indices must lie in 0..{self.n_annotators - 1}")
        seen = _per_annotator(self.gold_seen, self.n_annotators, "gold_seen")
        right = _per_annotator(self.gold_right, self.n_annotators, "gold_right")
        if np.any(right < 0) or np.any(right > seen):
            raise RatingError("gold_right must lie between 0 and gold_seen")
        object.__setattr__(self, "annotator", annotator)
        object.__setattr__(self, "gold_seen", seen)
        object.__setattr__(self, "gold_right", right)


def _per_annotator(values: ArrayLike | None, n: int, name: str) -> NDArray[np.float64]:
    array = np.zeros(n) if values is None else np.asarray(values, dtype=np.float64).ravel()
    if array.size != n or not np.all(np.isfinite(array)) or np.any(array < 0):
        raise RatingError(f"{name} must give one non-negative number per annotator")
    return array


def crowd_votes_of(
    judgments: Judgments,
    contender_a: NDArray[np.intp],
    contender_b: NDArray[np.intp],
    n_contenders: int,
    ignore_gold: NDArray[np.bool_] | None = None,
) -> CrowdVotes:
    """Every regular judgment as a vote (judgment k's contenders ``contender_a[k]``,
    ``contender_b[k]``; -1 on gold), and each annotator's gold record: a gold answer is right
    when its sign matches, a tie half right. Annotators in ``ignore_gold`` (flagged gold
    spotters: their gold says nothing about how they judge the rest) keep none."""
    regular = np.asarray(contender_a) >= 0
    votes = Votes(
        np.asarray(contender_a)[regular],
        np.asarray(contender_b)[regular],
        outcome_from_verdict(judgments.verdict[regular]),
        n_contenders=n_contenders,
    )
    n, gold = judgments.n_annotators, judgments.is_gold
    right = np.where(judgments.verdict == 0, 0.5, np.sign(judgments.verdict) == judgments.gold)
    seen = np.bincount(judgments.annotator[gold], minlength=n).astype(np.float64)
    correct = np.bincount(judgments.annotator[gold], right[gold], minlength=n).astype(np.float64)
    if ignore_gold is not None:
        seen[ignore_gold], correct[ignore_gold] = 0.0, 0.0
    return CrowdVotes(votes, judgments.annotator[regular], n, seen, correct)
