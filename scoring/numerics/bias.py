"""Position bias: how much the side a response is shown on moves the votes, in Elo points.

Pure numpy/scipy. Bradley-Terry with a home advantage (Agresti's "order effect"):
logit P(a beats b) = θ_a - θ_b + h · z, z = +1 when a was shown on the left, -1 when on the
right, ties half a win as on the default board. h is the left side's advantage; 400·h/ln 10
Elo points is what being shown on the left is worth. The contenders' strengths are fitted
with it, so a strong contender that happened to be shown on the left more often is not read
as bias. The 95% interval is the profile-likelihood interval (every h whose profile
log-likelihood lies within χ²₁(0.95)/2 of the maximum), exact on the aggregated votes: the
votes are grouped into (a, b, side) cells, so each profile fit is a small Newton solve.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

from scoring.numerics.contextual import ContextualRows, fit_contextual
from scoring.numerics.ratings import ELO_PER_NAT

CHI2_95 = 3.841458820694124  # the 95% quantile of χ² with one degree of freedom
_WIDEST = 20.0  # natural-log units (~3500 Elo): beyond that the interval is called unbounded


@dataclass(frozen=True)
class PositionBias:
    """The left side's advantage in Elo with its 95% interval (None: unbounded or no votes),
    the left side's share of the points (wins + ties / 2) and the votes counted."""

    left_advantage: float | None
    ci_lower: float | None
    ci_upper: float | None
    left_win_share: float | None
    votes: int

    @property
    def measurable(self) -> bool:
        """Whether the interval excludes zero: the votes show a side preference."""
        return (
            self.ci_lower is not None
            and self.ci_upper is not None
            and (self.ci_lower > 0 or self.ci_upper < 0)
        )


def position_bias(
    a: NDArray[np.intp],
    b: NDArray[np.intp],
    score: NDArray[np.float64],
    a_on_left: NDArray[np.bool_],
    *,
    n_contenders: int,
) -> PositionBias:
    """The left advantage over the votes ``a`` against ``b`` (a's score 1, 0.5, 0)."""
    n = n_contenders
    row = (np.asarray(a, dtype=np.int64) * n + b) * 2 + np.asarray(a_on_left, dtype=np.int64)
    outcome = np.round(2.0 - 2.0 * np.asarray(score, dtype=np.float64)).astype(np.int64)
    table = np.bincount(row * 3 + outcome, minlength=2 * n * n * 3).reshape(-1, 3)
    return position_bias_of_sides(table, n_contenders=n)


def position_bias_of_sides(sides: NDArray[np.int64], *, n_contenders: int) -> PositionBias:
    """The left advantage over votes counted per (a, b, side): row ``(a * n + b) * 2 +
    (a shown on the left)``, columns a-wins, ties, b-wins (scoring.numerics.vote_cells)."""
    games = sides.sum(axis=1)
    votes = int(games.sum())
    if votes == 0:
        return PositionBias(None, None, None, None, 0)
    a_points = sides[:, 0] + 0.5 * sides[:, 1]
    left = np.arange(games.size) % 2 == 1
    # The left side's points: a's where a was on the left, b's elsewhere (halves: exact sums).
    share = float(np.where(left, a_points, games - a_points).sum()) / votes
    rows, side = _cells(games.astype(np.float64), a_points, n_contenders)
    fit = fit_contextual(rows)
    best = float(fit.coefficients[0])
    plain = ContextualRows(
        rows.a, rows.b, rows.features[:, :0], rows.games, rows.score, n_contenders
    )

    def profile(h: float) -> float:
        return fit_contextual(plain, offset=h * side).log_likelihood

    peak = profile(best)

    def excess(h: float) -> float:
        return 2.0 * (peak - profile(h)) - CHI2_95

    lower = _bound(excess, best, -1.0)
    upper = _bound(excess, best, 1.0)
    return PositionBias(
        left_advantage=best * ELO_PER_NAT,
        ci_lower=None if lower is None else lower * ELO_PER_NAT,
        ci_upper=None if upper is None else upper * ELO_PER_NAT,
        left_win_share=share,
        votes=votes,
    )


def _cells(
    games: NDArray[np.float64], points: NDArray[np.float64], n: int
) -> tuple[ContextualRows, NDArray[np.float64]]:
    """The (a, b, side) rows with votes: at most 2·n² rows, whatever the number of votes."""
    cells = np.flatnonzero(games)
    side = np.where(cells % 2 == 1, 1.0, -1.0)
    rows = ContextualRows(
        a=(cells // 2 // n).astype(np.intp),
        b=(cells // 2 % n).astype(np.intp),
        features=side[:, None],
        games=games[cells],
        score=points[cells],
        n_contenders=n,
    )
    return rows, side


def _bound(excess: Callable[[float], float], best: float, direction: float) -> float | None:
    """Where the profile crosses the χ² line on one side of the maximum, or None."""
    inside, width = best, 0.05
    while excess(best + direction * width) < 0:
        inside = best + direction * width  # still within the interval
        width *= 2
        if width > _WIDEST:
            return None
    low, high = sorted((inside, best + direction * width))
    return float(brentq(excess, low, high, xtol=1e-5))
