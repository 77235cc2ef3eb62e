"""Contextual Bradley-Terry: contender strengths fitted jointly with covariates of each vote.

Pure numpy/scipy. The style-controlled board (scoring.numerics.style) and the position-bias
estimate (scoring.numerics.bias) are both this model with different covariates.

Model. Row k is ``games[k]`` votes of contender ``a[k]`` against ``b[k]`` with covariates
``features[k]`` (S numbers, a's side minus b's), of which a scored ``score[k]`` (wins + ties
/ 2, the default board's convention, scoring.numerics.ratings):
logit P(a beats b) = θ_a - θ_b + features · gamma (+ a known ``offset``). This is the logistic
regression of Chatbot Arena's style control (Li et al., 2024) fitted by Newton's method on
the rows' counts; rows that share contenders and covariates may be merged by the caller.

Awkward data, as in ratings: when the "scored against" graph is not strongly connected the
contenders get one virtual tie each against a phantom at the mean (only then), and the
coefficients always carry a ridge of RIDGE virtual observations, negligible at any real size,
so that a covariate that separates the votes perfectly gives a large but finite coefficient.

Intervals (``bootstrap_contextual``): a one-step bootstrap over the rows. The rows are dealt
at random into at most BLOCKS blocks; each block's gradient and information at the fitted
parameters are summed once; a bootstrap round draws the blocks with replacement and takes
one Newton step from the full-data fit with the resampled sums. Resampling sums of randomly
dealt rows has the same covariance as resampling the rows, and one Newton step from the
fit is first-order equivalent to refitting (Efron's one-step bootstrap), so the cost is
independent of the number of votes after one pass: 1000 rounds are two matrix products.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, log_expit

from scoring.numerics.ratings import PRIOR_TIES, _strongly_connected
from scoring.numerics.votes import RatingError

RIDGE = 1.0  # virtual observations' worth of shrinkage on each coefficient
# Random blocks of rows the bootstrap resamples: enough for the percentiles of a sum of
# i.i.d. parts, few enough that 1000 rounds are one (rounds x blocks) · (blocks x P²) product.
BLOCKS = 250
_TOLERANCE = 1e-9
_MAX_ITERATIONS = 100
_MAX_STEP = 2.0
_CHECKED_STEP = 0.5


@dataclass(frozen=True)
class ContextualRows:
    """Votes grouped into rows (see the module docstring); ``features`` is (rows, S)."""

    a: NDArray[np.intp]
    b: NDArray[np.intp]
    features: NDArray[np.float64]
    games: NDArray[np.float64]
    score: NDArray[np.float64]
    n_contenders: int

    def __post_init__(self) -> None:
        rows = self.a.size
        if not (self.b.size == self.games.size == self.score.size == rows):
            raise RatingError("a, b, games and score must have the same length")
        if self.features.ndim != 2 or self.features.shape[0] != rows:
            raise RatingError("features must have one row per row of votes")
        if rows and (np.any(self.a == self.b) or np.any(self.score > self.games)):
            raise RatingError("a row pits a contender against itself or scores above its games")


@dataclass(frozen=True)
class ContextualFit:
    """Log-strengths (mean 0 over contenders with votes; others 0) and the coefficients."""

    strength: NDArray[np.float64]
    coefficients: NDArray[np.float64]
    log_likelihood: float
    voted: NDArray[np.intp]  # contenders with at least one vote
    prior: bool  # the virtual ties were needed (the plain MLE does not exist)


@dataclass(frozen=True)
class ContextualSamples:
    """The fit and ``rounds`` bootstrap replicates of (strength, coefficients)."""

    fit: ContextualFit
    strength: NDArray[np.float64]  # (rounds, n_contenders)
    coefficients: NDArray[np.float64]  # (rounds, S)


class _Design:
    """The rows re-indexed onto the contenders with votes, with the prior's verdict."""

    def __init__(self, rows: ContextualRows, offset: NDArray[np.float64] | None) -> None:
        used = rows.games > 0
        self.voted = np.union1d(rows.a[used], rows.b[used]).astype(np.intp)
        self.i = np.searchsorted(self.voted, rows.a[used])
        self.j = np.searchsorted(self.voted, rows.b[used])
        self.z = rows.features[used]
        self.games = rows.games[used]
        self.score = rows.score[used]
        self.offset = np.zeros(self.games.size) if offset is None else offset[used]
        self.k = self.voted.size
        self.s = self.z.shape[1]
        cells = np.stack([self.score, np.zeros_like(self.score), self.games - self.score], 1)
        self.prior = self.k > 1 and not _strongly_connected(self.i, self.j, cells, self.k)

    def margin(self, theta: np.ndarray, gamma: np.ndarray) -> np.ndarray:
        return theta[self.i] - theta[self.j] + self.z @ gamma + self.offset

    def log_likelihood(self, theta: np.ndarray, gamma: np.ndarray) -> float:
        d = self.margin(theta, gamma)
        value = float((self.score * log_expit(d) + (self.games - self.score) * log_expit(-d)).sum())
        value -= 0.5 * RIDGE * float(gamma @ gamma)
        if self.prior:
            value += 0.5 * PRIOR_TIES * float((log_expit(theta) + log_expit(-theta)).sum())
        return value

    def row_terms(self, theta: np.ndarray, gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row: d loglik / d margin, and the information games · p · (1 - p)."""
        d = self.margin(theta, gamma)
        p, p_other = expit(d), expit(-d)
        return self.score * p_other - (self.games - self.score) * p, self.games * p * p_other

    def penalty(self, theta: np.ndarray, gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gradient and information (diagonal) of the ridge and, when used, the prior."""
        gradient = np.concatenate([np.zeros(self.k), -RIDGE * gamma])
        curvature = np.concatenate([np.zeros(self.k), np.full(self.s, RIDGE)])
        if self.prior:
            s = expit(theta)
            gradient[: self.k] += PRIOR_TIES * 0.5 * (expit(-theta) - s)
            curvature[: self.k] += PRIOR_TIES * s * expit(-theta)
        return gradient, curvature

    def system(self, residual: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The gradient and information of all rows (``sums`` with one block, cheaper)."""
        k, s = self.k, self.s

        def per_contender(values: np.ndarray) -> np.ndarray:
            return np.bincount(self.i, values, k) - np.bincount(self.j, values, k)

        gradient = np.concatenate([per_contender(residual), self.z.T @ residual])
        information = np.zeros((k + s, k + s))
        pair = np.bincount(self.i * k + self.j, weight, minlength=k * k).reshape(k, k)
        information[:k, :k] = -(pair + pair.T)
        information[np.arange(k), np.arange(k)] = np.bincount(self.i, weight, k) + np.bincount(
            self.j, weight, k
        )
        weighted = weight[:, None] * self.z
        cross = np.zeros((k, s))
        for t in range(s):
            cross[:, t] = per_contender(weighted[:, t])
        information[:k, k:], information[k:, :k] = cross, cross.T
        information[k:, k:] = self.z.T @ weighted
        return gradient, information

    def sums(
        self, residual: np.ndarray, weight: np.ndarray, block: np.ndarray, blocks: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per block: the gradient (blocks, P) and information (blocks, P, P) of its rows,
        P = contenders with votes + coefficients. Row r adds residual_r · x_r and
        weight_r · x_r x_rᵀ, where x_r is +1 at i, -1 at j and the features after them."""
        k, s = self.k, self.s

        def per_block(values: np.ndarray, place: np.ndarray | None = None, size: int = 1):
            key = block if place is None else block * size + place
            return np.bincount(key, values, minlength=blocks * size).reshape(blocks, size)

        def per_contender(values: np.ndarray) -> np.ndarray:
            return per_block(values, self.i, k) - per_block(values, self.j, k)

        gradient = np.concatenate(
            [per_contender(residual)] + [per_block(residual * self.z[:, t]) for t in range(s)],
            axis=1,
        )
        information = np.zeros((blocks, k + s, k + s))
        pair = per_block(weight, self.i * k + self.j, k * k).reshape(blocks, k, k)
        information[:, :k, :k] = -(pair + pair.transpose(0, 2, 1))
        diagonal = np.arange(k)
        information[:, diagonal, diagonal] = pair.sum(axis=2) + pair.sum(axis=1)
        weighted = weight[:, None] * self.z
        for t in range(s):
            cross = per_contender(weighted[:, t])
            information[:, :k, k + t] = information[:, k + t, :k] = cross
            for u in range(t, s):
                both = per_block(weighted[:, t] * self.z[:, u])[:, 0]
                information[:, k + t, k + u] = information[:, k + u, k + t] = both
        return gradient, information


def _newton_system(
    design: _Design, theta: np.ndarray, gamma: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    residual, weight = design.row_terms(theta, gamma)
    gradient, information = design.system(residual, weight)
    extra_gradient, extra_curvature = design.penalty(theta, gamma)
    gradient = gradient + extra_gradient
    information[np.diag_indices_from(information)] += extra_curvature
    _fix_gauge(information, design)
    return gradient, information


def _fix_gauge(information: np.ndarray, design: _Design) -> None:
    """Without the prior the strengths are known up to a shift: adding a multiple of 11ᵀ on
    the strength block makes the system solvable and keeps their sum at zero (ratings)."""
    if design.prior:
        return
    k = design.k
    block = information[..., :k, :k]
    scale = np.diagonal(block, axis1=-2, axis2=-1).mean(axis=-1) / k
    block += np.asarray(scale)[..., None, None]


def fit_contextual(
    rows: ContextualRows,
    *,
    offset: NDArray[np.float64] | None = None,
    start: NDArray[np.float64] | None = None,
) -> ContextualFit:
    """The maximum-likelihood strengths and coefficients (see the module docstring).

    ``start``: log-strengths of all contenders to start from (plain Bradley-Terry's saves
    most Newton steps when the covariates move the ratings little).
    """
    return _fit(_Design(rows, offset), rows.n_contenders, start)


def _fit(design: _Design, n: int, start: NDArray[np.float64] | None) -> ContextualFit:
    gamma = np.zeros(design.s)
    if design.k == 0:
        return ContextualFit(np.zeros(n), gamma, 0.0, design.voted, design.prior)
    theta = (
        np.zeros(design.k) if start is None else start[design.voted] - start[design.voted].mean()
    )
    for _ in range(_MAX_ITERATIONS):
        gradient, information = _newton_system(design, theta, gamma)
        step = np.linalg.solve(information, gradient)
        step *= min(1.0, _MAX_STEP / max(float(np.abs(step).max()), 1e-300))
        if np.abs(step).max() > _CHECKED_STEP:
            # Newton may overshoot in flat tails: a long step is halved until it does not go
            # downhill; short ones are in Newton's region of fast convergence (as in ratings).
            before = design.log_likelihood(theta, gamma)
            for _halving in range(40):
                after = design.log_likelihood(theta + step[: design.k], gamma + step[design.k :])
                if after >= before - 1e-12 * max(abs(before), 1.0):
                    break
                step *= 0.5
        theta, gamma = theta + step[: design.k], gamma + step[design.k :]
        if np.abs(step).max() <= _TOLERANCE:
            break
    else:
        raise RatingError("contextual Bradley-Terry fit did not converge")
    strength = np.zeros(n)
    strength[design.voted] = theta - theta.mean()
    return ContextualFit(
        strength, gamma, design.log_likelihood(theta, gamma), design.voted, design.prior
    )


def bootstrap_contextual(
    rows: ContextualRows,
    *,
    rounds: int,
    seed: int,
    blocks: int = BLOCKS,
    start: NDArray[np.float64] | None = None,
) -> ContextualSamples:
    """The fit and ``rounds`` one-step bootstrap replicates (module docstring)."""
    if rounds < 1:
        raise RatingError("rounds must be at least 1")
    design = _Design(rows, None)
    fit = _fit(design, rows.n_contenders, start)
    n, k, s = rows.n_contenders, design.k, design.s
    if k == 0:
        return ContextualSamples(fit, np.zeros((rounds, n)), np.zeros((rounds, s)))
    theta, gamma = fit.strength[design.voted], fit.coefficients
    rng = np.random.default_rng(seed)
    count = min(blocks, design.games.size)
    # Rows dealt evenly at random, so every block holds a random share of the votes.
    block = rng.permutation(design.games.size) % count
    residual, weight = design.row_terms(theta, gamma)
    gradient, information = design.sums(residual, weight, block, count)
    picks = rng.integers(0, count, size=(rounds, count))
    draws = (
        np.bincount((np.arange(rounds)[:, None] * count + picks).ravel(), minlength=rounds * count)
        .reshape(rounds, count)
        .astype(np.float64)
    )
    extra_gradient, extra_curvature = design.penalty(theta, gamma)
    size = k + s
    round_gradient = draws @ gradient + extra_gradient
    round_information = (draws @ information.reshape(count, -1)).reshape(rounds, size, size)
    round_information[:, np.arange(size), np.arange(size)] += extra_curvature
    _fix_gauge(round_information, design)
    # A resample that lost every vote of a contender leaves its row empty; a tiny ridge keeps
    # the system solvable and that contender where the full fit put it.
    round_information[:, np.arange(size), np.arange(size)] += 1e-9
    step = np.linalg.solve(round_information, round_gradient[:, :, None])[:, :, 0]
    strength = np.zeros((rounds, n))
    sampled = theta + step[:, :k]
    strength[:, design.voted] = sampled - sampled.mean(axis=1, keepdims=True)
    return ContextualSamples(fit, strength, gamma + step[:, k:])
