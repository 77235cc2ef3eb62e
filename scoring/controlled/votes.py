"""The counted votes per regular comparison, as the controlled views need them.

From the run's vote cells (scoring.numerics.vote_cells), never from the judgments: a run that
folded only the new judgments hands its extras the same cells a full run would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scoring.extras import ScoringRun


@dataclass(frozen=True)
class ComparisonVotes:
    """Every regular comparison with a judgment, ids ascending: its index in the run's
    regular comparisons (``place``, ScoringRun.comparisons), contenders, judgments (all of
    them, untrusted and uncounted too) and counted votes per outcome (a-wins, ties, b-wins;
    the default board's votes)."""

    place: NDArray[np.intp]
    a: NDArray[np.intp]
    b: NDArray[np.intp]
    judgments: NDArray[np.int64]
    outcomes: NDArray[np.int64]  # (comparisons, 3)

    @property
    def votes(self) -> NDArray[np.int64]:
        """Counted votes per comparison."""
        return self.outcomes.sum(axis=1)

    @property
    def a_points(self) -> NDArray[np.float64]:
        """a's points per comparison: a win one, a tie one half (exact sums)."""
        return self.outcomes[:, 0] + 0.5 * self.outcomes[:, 1]


def comparison_votes(run: ScoringRun) -> ComparisonVotes:
    comparisons, cells, place = run.comparisons, run.cells, run.judged_place
    return ComparisonVotes(
        place=place,
        a=comparisons.a[place],
        b=comparisons.b[place],
        judgments=cells.comparison_counts[:, 0],
        outcomes=cells.comparison_counts[:, 1:],
    )
