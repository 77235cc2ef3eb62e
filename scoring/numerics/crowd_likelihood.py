"""The Crowd-BT penalised log-likelihood over aggregated (annotator, pair) cells, and its
maximiser (the model, priors and scale: scoring.numerics.crowd_bt).

Pure numpy/scipy (no Django, no I/O).

Newton steps on (s, log-odds of η) jointly, from s = 0: the likelihood is not concave, so
where the Newton matrix is not positive definite (far from the optimum, or near a saddle) the
step uses the expected (Fisher) information instead, a rank-one 2x2 block per vote that always
gives an ascent direction. Steps in log-odds never leave (0, 1) and stay quadratic for an η
near an edge. η is eliminated through its diagonal block (a Schur complement), leaving one
n x n solve per step. About seven steps at a million votes, each one pass over the (annotator,
pair) cells.

Every step is halved until the penalised log-likelihood does not drop, however short it is,
and a whole Fisher step that rises less than a quarter of what its slope promises is cut to
the top of the parabola through the point's height and slope and the step's end; the fit stops
when a step moves no strength and no η more than the tolerance. Both guards exist for votes
that read equally well two ways: two annotators contradicting each other on a pair make the
start a saddle between the two readings, so the Newton matrix stays indefinite and every step
is Fisher's, and Fisher scoring overshoots wherever the observed curvature exceeds the
expected information, swinging ever wider once it is over twice as large. Checking only
steps over 10⁻³, short Fisher steps swung until the 500-step cap on such tiny crowds; checked
but whole, they swung across the top for hundreds of steps, each rising a hair. (A barely
positive definite Newton matrix near a saddle overshoots likewise, and the halving stops it.)

The result is the stationary point the climb reaches: a maximum, or on such votes the saddle
between the two readings (Fisher scoring keeps the symmetry of the start), not one reading
picked at random: a contradicted pair with no other votes comes out level, and its two
annotators keep the prior's η.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, log_expit

from scoring.numerics.crowd_votes import CrowdVotes
from scoring.numerics.ratings import PRIOR_TIES
from scoring.numerics.votes import A_WINS, B_WINS, RatingError

_TOLERANCE = 1e-5  # stop when no strength (nats, 0.004 Elo) and no η moves more than this
_MAX_STEP = 2.0  # cap on a step's largest strength change (nats)
_MAX_LOGIT_STEP = 4.0  # cap on a step's largest change of an η's log-odds
_HALVINGS = 40  # a step is halved at most this often; no rise by then: a maximum to rounding
_EDGE = 1e-9  # η stays this far inside [0, 1]
_MAX_ITERATIONS = 500
_DENSE_CELLS = 1 << 24  # annotators x contenders² up to this: cells by bincount, not by sort


@dataclass(frozen=True)
class Cells:
    """Votes aggregated per (annotator, pair i < j): i's and j's shares, ties split."""

    annotator: NDArray[np.intp]
    i: NDArray[np.intp]
    j: NDArray[np.intp]
    for_i: NDArray[np.float64]
    for_j: NDArray[np.float64]
    n: int  # contenders with votes (i, j index them)
    k: int  # annotators
    pair: NDArray[np.intp] = field(init=False)
    i_by: NDArray[np.intp] = field(init=False)
    j_by: NDArray[np.intp] = field(init=False)

    def __post_init__(self) -> None:
        # Scatter keys, computed once: pair (i, j), and (contender, annotator) at either end.
        object.__setattr__(self, "pair", self.i * self.n + self.j)
        object.__setattr__(self, "i_by", self.i * self.k + self.annotator)
        object.__setattr__(self, "j_by", self.j * self.k + self.annotator)


def cells_of(data: CrowdVotes, voted: NDArray[np.intp]) -> Cells:
    votes = data.votes
    place = np.zeros(votes.n_contenders, dtype=np.intp)
    place[voted] = np.arange(voted.size)
    swap = votes.a > votes.b
    i = place[np.where(swap, votes.b, votes.a)]
    j = place[np.where(swap, votes.a, votes.b)]
    # i's share of each vote: 1 when i won, ½ on a tie (the outcome codes are 0, 1, 2).
    share_i = np.where(swap, votes.outcome, B_WINS - votes.outcome) / (B_WINS - A_WINS)
    del swap
    n, k = voted.size, data.n_annotators
    key = data.annotator * n  # built in place: arrays over every vote (peak RSS at 10M)
    key += i
    del i
    key *= n
    key += j
    del j
    if k * n * n <= _DENSE_CELLS:  # a bincount is many times faster than sorting the keys
        total = np.bincount(key, minlength=k * n * n)
        keys = np.flatnonzero(total)
        for_i = sum_by(key, share_i, k * n * n)[keys]
        for_j = total[keys] - for_i
    else:
        keys, cell = np.unique(key, return_inverse=True)
        for_i = sum_by(cell, share_i, keys.size)
        for_j = sum_by(cell, 1.0 - share_i, keys.size)
    return Cells(keys // (n * n), keys // n % n, keys % n, for_i, for_j, n, k)


def sum_by(key: NDArray[np.intp], weight: NDArray[np.float64], size: int) -> NDArray[np.float64]:
    """Sum of ``weight`` per key 0..size-1 (a weighted bincount)."""
    return np.bincount(key, weight, minlength=size).astype(np.float64, copy=False)


class Point:
    """The penalised log-likelihood's pieces at one (s, η), over all cells."""

    def __init__(self, cells: Cells, s: NDArray[np.float64], eta: NDArray[np.float64]) -> None:
        self.cells, self.s, self.eta = cells, s, eta
        self.p = p = expit(s[cells.i] - s[cells.j])
        self.e = e = eta[cells.annotator]
        self.dh_deta = 2.0 * p - 1.0
        self.says_i = (1.0 - p) + e * self.dh_deta  # P(the annotator says i beats j)
        self.says_j = 1.0 - self.says_i
        self.dh_dd = (2.0 * e - 1.0) * p * (1.0 - p)

    def objective(self, right: NDArray[np.float64], wrong: NDArray[np.float64]) -> float:
        """The penalised log-likelihood: votes, gold and priors."""
        cells, s, eta = self.cells, self.s, self.eta
        votes = cells.for_i @ np.log(self.says_i) + cells.for_j @ np.log(self.says_j)
        gold = right @ np.log(eta) + wrong @ np.log1p(-eta)
        prior = 0.5 * PRIOR_TIES * float(np.sum(log_expit(s) + log_expit(-s)))
        return float(votes + gold + prior)


def information(
    cells: Cells,
    point: Point,
    s: NDArray[np.float64],
    eta: NDArray[np.float64],
    right: NDArray[np.float64],
    wrong: NDArray[np.float64],
    observed: bool = False,
) -> tuple[
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
]:
    """Gradient (s, η) and information blocks (ss, sη as n x K, ηη diagonal): the expected
    (Fisher) information, or with ``observed`` minus the Hessian."""
    n, k = cells.n, cells.k
    score = cells.for_i / point.says_i - cells.for_j / point.says_j  # d(log-likelihood)/dh
    if observed:  # -d²l = curvature in h x ∇h∇hᵀ - score x ∇²h (∂²h/∂η² is 0)
        weight = cells.for_i / point.says_i**2 + cells.for_j / point.says_j**2
        spread = point.p * (1.0 - point.p)
        info_dd = weight * point.dh_dd**2 - score * point.dh_dd * (1.0 - 2.0 * point.p)
        cross = weight * point.dh_dd * point.dh_deta - score * 2.0 * spread
    else:
        weight = (cells.for_i + cells.for_j) / (point.says_i * point.says_j)
        info_dd = weight * point.dh_dd**2
        cross = weight * point.dh_dd * point.dh_deta
    along = sum_by(cells.pair, score * point.dh_dd, n * n).reshape(n, n)
    grad_s = along.sum(axis=1) - along.sum(axis=0)
    grad_s += 0.5 * PRIOR_TIES * (expit(-s) - expit(s))
    grad_eta = sum_by(cells.annotator, score * point.dh_deta, k)
    grad_eta += right / eta - wrong / (1.0 - eta)
    pair_weight = sum_by(cells.pair, info_dd, n * n).reshape(n, n)
    pair_weight = pair_weight + pair_weight.T
    info_ss = np.diag(pair_weight.sum(axis=1) + PRIOR_TIES * expit(s) * expit(-s)) - pair_weight
    info_se = (sum_by(cells.i_by, cross, n * k) - sum_by(cells.j_by, cross, n * k)).reshape(n, k)
    info_ee = sum_by(cells.annotator, weight * point.dh_deta**2, k)
    info_ee += right / eta**2 + wrong / (1.0 - eta) ** 2
    return grad_s, grad_eta, info_ss, info_se, info_ee


def schur(
    info_ss: NDArray[np.float64], info_se: NDArray[np.float64], info_ee: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The strengths' information with every η estimated too (η eliminated)."""
    # einsum, not @: BLAS threads on a tiny product cost far more than they save on a busy host
    return info_ss - np.einsum("ik,jk->ij", info_se / info_ee, info_se)


def _positive_definite(matrix: NDArray[np.float64]) -> bool:
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return False
    return True


def _moved(
    cells: Cells,
    point: Point,
    step_s: NDArray[np.float64],
    step_logit: NDArray[np.float64],
    fraction: float,
) -> Point:
    """The point ``fraction`` of the way along a step in (strengths, log-odds of η)."""
    logit = np.log(point.eta) - np.log1p(-point.eta)
    eta = np.clip(expit(logit + fraction * step_logit), _EDGE, 1.0 - _EDGE)
    return Point(cells, point.s + fraction * step_s, eta)


def maximise(
    cells: Cells, right: NDArray[np.float64], wrong: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], int]:
    """Maximise the penalised likelihood: (log-strengths, η, iterations).

    The result is the stationary point the climb from s = 0 and η at its gold-and-prior mean
    reaches: a maximum, or, on votes that read equally well two ways (two annotators who
    contradict each other on one pair: either may be the reliable one), the point between
    the two readings, where Fisher scoring stops (the module docstring).
    """
    point = Point(cells, np.zeros(cells.n), right / (right + wrong))
    height = point.objective(right, wrong)
    for iteration in range(1, _MAX_ITERATIONS + 1):
        step_s, step_p, rate = _step(cells, point, right, wrong)
        trial = _moved(cells, point, step_s, step_p, 1.0)
        longest = float(np.abs(trial.eta - point.eta).max())
        longest = max(longest, float(np.abs(step_s).max(initial=0.0)))
        if longest < _TOLERANCE:
            return trial.s, trial.eta, iteration
        climbed = _climb(cells, point, height, step_s, step_p, right, wrong, rate)
        if climbed is None:  # no rise even at 2^-39 of an ascent direction: stationary
            return point.s, point.eta, iteration
        point, height = climbed
    raise RatingError("Crowd-BT fit did not converge")  # not seen in tests; a bug if raised


def _step(
    cells: Cells, point: Point, right: NDArray[np.float64], wrong: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], float | None]:
    """The step in (strengths, log-odds of η), capped, and for a Fisher step the objective's
    rate of rise along it at the point (None for Newton's)."""
    s, eta = point.s, point.eta
    # Steps in log-odds of η (φ), which never leave (0, 1) and keep Newton quadratic for
    # an η near 0 or 1. Newton where the likelihood is locally concave (fast near the
    # optimum), Fisher scoring elsewhere (always an ascent direction).
    slope = eta * (1.0 - eta)  # dη/dφ
    for observed in (True, False):
        grad_s, grad_eta, info_ss, info_se, info_ee = information(
            cells, point, s, eta, right, wrong, observed
        )
        info_se = info_se * slope
        info_pp = info_ee * slope**2
        if observed:  # the chain rule's second term: -dl/dη · d²η/dφ²
            info_pp = info_pp - grad_eta * slope * (1.0 - 2.0 * eta)
            if np.any(info_pp <= 0.0):
                continue
        reduced = schur(info_ss, info_se, info_pp)
        if not observed or _positive_definite(reduced):
            break
    grad_p = grad_eta * slope
    step_s = np.linalg.solve(reduced, grad_s - np.einsum("nk,k->n", info_se, grad_p / info_pp))
    step_p = (grad_p - np.einsum("nk,n->k", info_se, step_s)) / info_pp
    # No strength moves more than _MAX_STEP, no log-odds more than _MAX_LOGIT_STEP.
    step_s *= min(1.0, _MAX_STEP / max(float(np.abs(step_s).max(initial=0.0)), 1e-300))
    step_p = np.clip(step_p, -_MAX_LOGIT_STEP, _MAX_LOGIT_STEP)
    rate = None if observed else float(grad_s @ step_s + grad_p @ step_p)
    return step_s, step_p, rate


def _climb(
    cells: Cells,
    point: Point,
    height: float,
    step_s: NDArray[np.float64],
    step_p: NDArray[np.float64],
    right: NDArray[np.float64],
    wrong: NDArray[np.float64],
    rate: float | None,
) -> tuple[Point, float] | None:
    """The longest of the step, its half, its quarter... whose objective is not below the
    point's (``height``), with its objective; None if none of _HALVINGS is.

    Every step is checked, however short (the module docstring). A whole Fisher step must
    also rise by a quarter of what its initial ``rate`` promises; if it does not, it went
    about as far past the top along it as the top is from the point, and the step goes to
    the top of the parabola through the point's height and rate and the step's end instead.
    """
    fraction = 1.0
    for _halving in range(_HALVINGS):
        trial = _moved(cells, point, step_s, step_p, fraction)
        trial_height = trial.objective(right, wrong)
        rise = trial_height - height
        if rate is not None and fraction == 1.0 and rise < rate / 4:
            fraction = max(rate / (2.0 * (rate - rise)), 1 / 16) if rate > 0 else 0.5
        elif rise >= 0.0:
            return trial, trial_height
        else:
            fraction *= 0.5
    return None
