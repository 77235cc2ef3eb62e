"""The counted votes on regular comparisons, as the controlled views need them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scoring.extras import ScoringRun
from scoring.numerics.votes import outcome_from_verdict


@dataclass(frozen=True)
class CountedVotes:
    """The judgments the default board counts, in vote order: contenders, a's score (1 a
    win, 0.5 a tie, 0 a loss; the default board's convention), comparison, placement.
    Vote k's comparison is the run's regular comparison ``place[k]`` (ScoringRun.comparisons)."""

    a: NDArray[np.intp]
    b: NDArray[np.intp]
    score: NDArray[np.float64]
    outcome: NDArray[np.intp]  # A_WINS, TIE, B_WINS (scoring.numerics.votes)
    comparison: NDArray[np.int64]
    place: NDArray[np.intp]  # the comparison's index in the run's regular comparisons
    a_on_left: NDArray[np.bool_]

    @property
    def size(self) -> int:
        return int(self.a.size)


def counted_votes(run: ScoringRun) -> CountedVotes:
    counted = run.counted & (run.contender_a >= 0)
    verdict = run.columns.verdict[counted]
    return CountedVotes(
        a=run.contender_a[counted],
        b=run.contender_b[counted],
        score=(1.0 - np.sign(verdict)) / 2.0,
        outcome=outcome_from_verdict(verdict),
        comparison=run.columns.comparison_id[counted],
        place=run.comparison_index[counted],
        a_on_left=run.columns.a_on_left[counted],
    )
