"""Pair priorities for adaptive allocation: where one more vote helps the ranking most.

Pure numpy (no Django). The ranking's open questions are the pairs of contenders whose 95%
intervals overlap; the ones a leaderboard reader cares about are neighbours in the rating
order (an interval overlap there means their order is not established). For each pair this
module estimates how much one more vote on it is expected to shrink that overlap:

* the pair's difference has standard error sd = sqrt(se_i² + se_j²), with each se read off
  the bootstrap interval (width / 3.92);
* one vote adds Fisher information p(1 - p) (in natural-log odds, p the fitted win
  probability) to the difference, so sd shrinks by the factor
  s = 1 / sqrt(1 + sd² · p(1 - p) / ELO_PER_NAT²);
* scaling both half-widths by s shrinks the overlap by (1 - s)(hw_i + hw_j), and never by more
  than the overlap itself: that is the pair's ``value`` in Elo points (0 once separated).

Buckets (what the assignment engine orders by, higher first): 2 for overlapping neighbours,
1 for overlapping pairs two places apart, 0 for every other pair (separated, or far apart in
the order: those get only the campaign's floor of votes). Few and coarse on purpose: votes
spread evenly over the pairs that matter between two scoring runs instead of all landing on
the single top pair, and a bucket changes (which rewrites that pair's comparisons) only when
the pair's place in the order or its separation changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from scoring.numerics.ratings import ELO_PER_NAT

Z_95 = 1.959963984540054
NEIGHBOUR, NEAR, SETTLED = 2, 1, 0


@dataclass(frozen=True)
class PairPriorities:
    """One entry per unordered contender pair (first < second, contender indices)."""

    first: NDArray[np.intp]
    second: NDArray[np.intp]
    value: NDArray[np.float64]  # expected Elo reduction of the intervals' overlap per vote
    bucket: NDArray[np.int64]
    neighbours: NDArray[np.bool_]  # adjacent in the rating order
    distance: NDArray[np.int64]  # places apart in the rating order
    separated: NDArray[np.bool_]  # the 95% intervals do not overlap


def pair_priorities(rating: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> PairPriorities:
    """Every pair's value and bucket from the board's ratings and 95% intervals (Elo)."""
    rating, lower, upper = (np.asarray(x, dtype=float) for x in (rating, lower, upper))
    n = rating.size
    first, second = np.triu_indices(n, k=1)
    overlap = np.minimum(upper[first], upper[second]) - np.maximum(lower[first], lower[second])
    separated = overlap < 0
    half = (upper - lower) / 2
    se = half / Z_95
    variance = se[first] ** 2 + se[second] ** 2
    p = expit((rating[first] - rating[second]) / ELO_PER_NAT)
    shrink = 1 / np.sqrt(1 + variance * p * (1 - p) / ELO_PER_NAT**2)
    value = np.where(
        separated, 0.0, np.minimum(overlap, (1 - shrink) * (half[first] + half[second]))
    )
    distance = _distance(rating, first, second)
    bucket = np.full(first.size, SETTLED, dtype=np.int64)
    bucket[(distance == 1) & ~separated] = NEIGHBOUR
    bucket[(distance == 2) & ~separated] = NEAR
    return PairPriorities(first, second, value, bucket, distance == 1, distance, separated)


def _distance(
    rating: NDArray[np.float64], first: NDArray[np.intp], second: NDArray[np.intp]
) -> NDArray[np.int64]:
    """Places apart in the order best rating first (index breaks ties, as a stable sort)."""
    order = np.argsort(-rating, kind="stable")
    place = np.empty_like(order)
    place[order] = np.arange(order.size)
    return np.abs(place[first] - place[second]).astype(np.int64)


def neighbours_separated(lower: ArrayLike, upper: ArrayLike, rating: ArrayLike) -> bool:
    """Whether every pair of neighbours in the rating order has disjoint 95% intervals."""
    rating, lower, upper = (np.asarray(x, dtype=float) for x in (rating, lower, upper))
    order = np.argsort(-rating, kind="stable")
    return bool(np.all(lower[order[:-1]] > upper[order[1:]]))
