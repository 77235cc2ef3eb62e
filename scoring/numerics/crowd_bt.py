"""Annotator-aware ratings: Crowd-BT (Chen et al., 2013), on the default board's Elo scale.

Pure numpy/scipy (no Django, no I/O), vectorised over aggregated (annotator, pair) counts.

Model. Contender i has a log-strength s_i, annotator k a reliability η_k in [0, 1], and k
says "i beats j" with probability

    h = η_k sig(s_i - s_j) + (1 - η_k) sig(s_j - s_i):

with probability η_k they vote as Bradley-Terry says, otherwise the other way round. η = 1 is
a perfect Bradley-Terry voter, ½ a coin (their votes carry nothing and are weighed so), 0 an
adversary (their votes carry information, reversed). crowd-kit's NoisyBT is this model plus a
per-annotator bias. Every regular vote is used, untrusted annotators' too: the model weighs
each annotator by what their votes say, so random clickers count for nothing on their own.

- **Ties** count as half a vote each way, as on the default board. An annotator who always
  says "tie" therefore says nothing about the contenders, and their η goes to ½.
- **Gold** is a comparison whose answer is certain, as if its strength gap were infinite:
  P(right answer | k) = η_k. So gold judgments enter the likelihood as η_k^right ·
  (1 - η_k)^wrong (a tie half right, half wrong), which pins η_k where gold exists, beside
  what the annotator's regular votes say. The caller passes gold counts per annotator.
- **Priors**, so every fit is finite and unique: η_k gets one virtual right and half a
  virtual wrong gold answer (`PRIOR_RIGHT`, `PRIOR_WRONG`: a Beta(2, 1.5) prior, mode ⅔, so
  an annotator with neither gold nor votes sits at ⅔: a newcomer is assumed a little better
  than a coin), and each contender one virtual tie against a phantom at strength 0 (the
  BayesElo-style prior the Bradley-Terry fit uses when its MLE does not exist; here always,
  since a crowd of coins alone would leave the strengths undetermined). The model is
  symmetric under (s, η) → (-s, 1 - η); the η prior and the start (s = 0, η at its
  gold-and-prior mean) pick the mode in which the crowd is mostly honest.
- **Scale**: natural-log strengths x 400/ln 10, mean `BASE_RATING` over contenders with votes
  (or an anchor contender at it), exactly as `scoring.numerics.ratings`; contenders without
  votes sit at the mean with an interval spanning the whole board.

What it buys (bench/cheaters.py): the scale, its RMS error against the truth a third to two
thirds of the trusted-only board's, as it divides out each annotator's noise where plain
Bradley-Terry shrinks every gap. Not the order: its Kendall tau is level with trusted-only's
on average and a few pairs either side per seed, as is this model with every η fixed at its
true value (the bench's reference row): sampling noise between two about equally informed
estimates. One η covers gold and regular items: where gold is easier, gold pins η above what
the regular votes show, and the ratings come out somewhat compressed.

Fit. Newton steps on (s, log-odds of η) jointly, from s = 0: the likelihood is not concave,
so where the Newton matrix is not positive definite (far from the optimum) the step uses the
expected (Fisher) information instead, a rank-one 2x2 block per vote that always gives an
ascent direction. Steps in log-odds never leave (0, 1) and stay quadratic for an η near an
edge. η is eliminated through its diagonal block (a Schur complement), leaving one n x n
solve per step; long steps are halved until the penalised log-likelihood does not drop.
About seven steps at a million votes, each one pass over the (annotator, pair) cells.

Intervals: a bootstrap over annotators (an annotator's votes share one η, so they are not
independent draws), seeded. Each round draws the annotators with replacement and takes one
Fisher-scoring step of that round's weighted likelihood from the full fit, with the full fit's
information: a linearised refit whose cost does not grow with the number of votes. It accounts
for the uncertainty of every η through the Schur complement. With fewer than two annotators
there is nothing to resample, and every interval spans the whole board.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, log_expit

from scoring.numerics.crowd_votes import CrowdVotes
from scoring.numerics.ratings import (
    BASE_RATING,
    PRIOR_TIES,
    ContenderRating,
    board_interval,
    pairwise_matrices,
    rank_with_intervals,
    to_elo,
)
from scoring.numerics.votes import A_WINS, B_WINS, RatingError

PRIOR_RIGHT = 1.0  # virtual right gold answers per annotator (Beta(2, 1.5) on η with the next)
PRIOR_WRONG = 0.5
_TOLERANCE = 1e-5  # stop when no strength (nats, 0.004 Elo) and no η moves more than this
_MAX_STEP = 2.0  # cap on a step's largest strength change (nats)
_MAX_LOGIT_STEP = 4.0  # cap on a step's largest change of an η's log-odds
_CHECKED_STEP = 1e-3  # steps longer than this are halved until the objective does not drop
_EDGE = 1e-9  # η stays this far inside [0, 1]
_MAX_ITERATIONS = 500
_DENSE_CELLS = 1 << 24  # annotators x contenders² up to this: cells by bincount, not by sort


@dataclass(frozen=True)
class CrowdFit:
    """Ratings on the Elo scale with 95% intervals, and each annotator's reliability."""

    rating: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    reliability: NDArray[np.float64]  # η per annotator; prior and gold only without votes
    iterations: int
    rounds: int
    seed: int


@dataclass(frozen=True)
class _Cells:
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


def _cells(data: CrowdVotes, voted: NDArray[np.intp]) -> _Cells:
    votes = data.votes
    place = np.zeros(votes.n_contenders, dtype=np.intp)
    place[voted] = np.arange(voted.size)
    swap = votes.a > votes.b
    i = place[np.where(swap, votes.b, votes.a)]
    j = place[np.where(swap, votes.a, votes.b)]
    # i's share of each vote: 1 when i won, ½ on a tie (the outcome codes are 0, 1, 2).
    share_i = np.where(swap, votes.outcome, B_WINS - votes.outcome) / (B_WINS - A_WINS)
    n, k = voted.size, data.n_annotators
    key = (data.annotator * n + i) * n + j
    if k * n * n <= _DENSE_CELLS:  # a bincount is many times faster than sorting the keys
        total = np.bincount(key, minlength=k * n * n)
        keys = np.flatnonzero(total)
        for_i = _sum_by(key, share_i, k * n * n)[keys]
        for_j = total[keys] - for_i
    else:
        keys, cell = np.unique(key, return_inverse=True)
        for_i = _sum_by(cell, share_i, keys.size)
        for_j = _sum_by(cell, 1.0 - share_i, keys.size)
    return _Cells(keys // (n * n), keys // n % n, keys % n, for_i, for_j, n, k)


def _sum_by(key: NDArray[np.intp], weight: NDArray[np.float64], size: int) -> NDArray[np.float64]:
    """Sum of ``weight`` per key 0..size-1 (a weighted bincount)."""
    return np.bincount(key, weight, minlength=size).astype(np.float64, copy=False)


class _Point:
    """The penalised log-likelihood's pieces at one (s, η), over all cells."""

    def __init__(self, cells: _Cells, s: NDArray[np.float64], eta: NDArray[np.float64]) -> None:
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


def _information(
    cells: _Cells,
    point: _Point,
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
    along = _sum_by(cells.pair, score * point.dh_dd, n * n).reshape(n, n)
    grad_s = along.sum(axis=1) - along.sum(axis=0)
    grad_s += 0.5 * PRIOR_TIES * (expit(-s) - expit(s))
    grad_eta = _sum_by(cells.annotator, score * point.dh_deta, k)
    grad_eta += right / eta - wrong / (1.0 - eta)
    pair_weight = _sum_by(cells.pair, info_dd, n * n).reshape(n, n)
    pair_weight = pair_weight + pair_weight.T
    info_ss = np.diag(pair_weight.sum(axis=1) + PRIOR_TIES * expit(s) * expit(-s)) - pair_weight
    info_se = (_sum_by(cells.i_by, cross, n * k) - _sum_by(cells.j_by, cross, n * k)).reshape(n, k)
    info_ee = _sum_by(cells.annotator, weight * point.dh_deta**2, k)
    info_ee += right / eta**2 + wrong / (1.0 - eta) ** 2
    return grad_s, grad_eta, info_ss, info_se, info_ee


def _schur(
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
    cells: _Cells,
    point: _Point,
    step_s: NDArray[np.float64],
    step_logit: NDArray[np.float64],
    fraction: float,
) -> _Point:
    """The point ``fraction`` of the way along a step in (strengths, log-odds of η)."""
    logit = np.log(point.eta) - np.log1p(-point.eta)
    eta = np.clip(expit(logit + fraction * step_logit), _EDGE, 1.0 - _EDGE)
    return _Point(cells, point.s + fraction * step_s, eta)


def _fit(
    cells: _Cells, right: NDArray[np.float64], wrong: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], int]:
    """Maximise the penalised likelihood: (log-strengths, η, iterations)."""
    point = _Point(cells, np.zeros(cells.n), right / (right + wrong))
    for iteration in range(1, _MAX_ITERATIONS + 1):
        s, eta = point.s, point.eta
        # Steps in log-odds of η (φ), which never leave (0, 1) and keep Newton quadratic for
        # an η near 0 or 1. Newton where the likelihood is locally concave (fast near the
        # optimum), Fisher scoring elsewhere (always an ascent direction).
        slope = eta * (1.0 - eta)  # dη/dφ
        for observed in (True, False):
            grad_s, grad_eta, info_ss, info_se, info_ee = _information(
                cells, point, s, eta, right, wrong, observed
            )
            info_se = info_se * slope
            info_pp = info_ee * slope**2
            if observed:  # the chain rule's second term: -dl/dη · d²η/dφ²
                info_pp = info_pp - grad_eta * slope * (1.0 - 2.0 * eta)
                if np.any(info_pp <= 0.0):
                    continue
            reduced = _schur(info_ss, info_se, info_pp)
            if not observed or _positive_definite(reduced):
                break
        grad_p = grad_eta * slope
        step_s = np.linalg.solve(reduced, grad_s - np.einsum("nk,k->n", info_se, grad_p / info_pp))
        step_p = (grad_p - np.einsum("nk,n->k", info_se, step_s)) / info_pp
        # No strength moves more than _MAX_STEP, no log-odds more than _MAX_LOGIT_STEP; then
        # long steps are halved until the objective does not drop.
        step_s *= min(1.0, _MAX_STEP / max(float(np.abs(step_s).max(initial=0.0)), 1e-300))
        step_p = np.clip(step_p, -_MAX_LOGIT_STEP, _MAX_LOGIT_STEP)
        fraction, trial = 1.0, _moved(cells, point, step_s, step_p, 1.0)
        longest = max(float(np.abs(step_s).max(initial=0.0)), float(np.abs(trial.eta - eta).max()))
        if longest > _CHECKED_STEP:
            before = point.objective(right, wrong)
            for _halving in range(40):
                if trial.objective(right, wrong) >= before:
                    break
                fraction *= 0.5
                trial = _moved(cells, point, step_s, step_p, fraction)
            longest *= fraction
        point = trial
        if longest < _TOLERANCE:
            return point.s, point.eta, iteration
    # Seen on a few tiny crowds in the incremental property test (cause not yet found): the
    # run then leaves this view out and keeps the snapshot (scoring.extras.compute_extras).
    raise RatingError("Crowd-BT fit did not converge")


def fit_crowd_bt(
    data: CrowdVotes,
    *,
    rounds: int = 1000,
    seed: int = 0,
    anchor: int | None = None,
    base_rating: float = BASE_RATING,
) -> CrowdFit:
    """Crowd-BT ratings with 95% bootstrap intervals and reliabilities (module docstring)."""
    if rounds < 1:
        raise RatingError("rounds must be at least 1")
    n = data.votes.n_contenders
    assert data.gold_seen is not None and data.gold_right is not None  # set by __post_init__
    right = data.gold_right + PRIOR_RIGHT
    wrong = data.gold_seen - data.gold_right + PRIOR_WRONG
    voted = np.union1d(data.votes.a, data.votes.b)
    if anchor is not None and anchor not in voted:
        raise RatingError("the anchor contender has no votes, so it cannot carry the scale")
    if voted.size == 0:
        flat = np.full(n, float(base_rating))
        reliability = right / (right + wrong)  # the η that maximises gold and prior alone
        return CrowdFit(flat, flat.copy(), flat.copy(), reliability, 0, rounds, seed)
    cells = _cells(data, voted)
    s, eta, iterations = _fit(cells, right, wrong)
    place = None if anchor is None else int(np.searchsorted(voted, anchor))
    rating = to_elo(s, voted, n, place, base_rating)
    samples = _annotator_bootstrap(cells, s, eta, right, wrong, rounds, seed)
    if samples is None:
        lower, upper = np.full(n, rating.min()), np.full(n, rating.max())
    else:
        elo = to_elo(samples, voted, n, place, base_rating)
        lower, upper = np.percentile(elo, [2.5, 97.5], axis=0)
    lower, upper = board_interval(rating, lower, upper, voted)
    return CrowdFit(rating, lower, upper, eta, iterations, rounds, seed)


def _annotator_bootstrap(
    cells: _Cells,
    s: NDArray[np.float64],
    eta: NDArray[np.float64],
    right: NDArray[np.float64],
    wrong: NDArray[np.float64],
    rounds: int,
    seed: int,
) -> NDArray[np.float64] | None:
    """Log-strengths of every round (rounds x contenders with votes); None with fewer than
    two annotators (nothing to resample)."""
    voters = np.unique(cells.annotator)
    if voters.size < 2:
        return None
    n, k = cells.n, cells.k
    point = _Point(cells, s, eta)
    _grad_s, _grad_eta, info_ss, info_se, info_ee = _information(cells, point, s, eta, right, wrong)
    # Each annotator's share of the strengths' gradient; at the fit these sum to minus the
    # prior's, and each annotator's own η-gradient is zero (gold and prior are theirs too).
    score = cells.for_i / point.says_i - cells.for_j / point.says_j
    along = score * point.dh_dd
    per_annotator = (
        _sum_by(cells.annotator * n + cells.i, along, k * n)
        - _sum_by(cells.annotator * n + cells.j, along, k * n)
    ).reshape(k, n)[voters]
    rng = np.random.default_rng(seed)
    drawn = rng.multinomial(voters.size, np.full(voters.size, 1.0 / voters.size), size=rounds)
    gradients = np.einsum("rk,kn->rn", drawn - 1.0, per_annotator)  # weighted gradient, per round
    steps = np.linalg.solve(_schur(info_ss, info_se, info_ee), gradients.T).T
    return s + steps


def rate_crowd_bt(
    names: Sequence[str],
    data: CrowdVotes,
    *,
    rounds: int = 1000,
    seed: int = 0,
    anchor: str | None = None,
    base_rating: float = BASE_RATING,
) -> tuple[list[ContenderRating], NDArray[np.float64]]:
    """Leaderboard rows (as `rate_contenders`, best first, no online Elo) and reliabilities.

    Votes, wins, losses and ties count every vote the fit used.
    """
    if len(names) != data.votes.n_contenders:
        raise RatingError("names must name every contender index")
    if anchor is not None and anchor not in names:
        raise RatingError(f"unknown anchor contender {anchor!r}")
    anchor_index = None if anchor is None else list(names).index(anchor)
    fit = fit_crowd_bt(data, rounds=rounds, seed=seed, anchor=anchor_index, base_rating=base_rating)
    ranks = rank_with_intervals(fit.lower, fit.upper)
    tables = pairwise_matrices(data.votes)
    votes, wins, ties = tables.votes.sum(1), tables.wins.sum(1), tables.ties.sum(1)
    rows = [
        ContenderRating(
            name=str(name),
            rating=float(fit.rating[c]),
            ci_lower=float(fit.lower[c]),
            ci_upper=float(fit.upper[c]),
            rank=int(ranks[c]),
            votes=int(votes[c]),
            wins=int(wins[c]),
            losses=int(votes[c] - wins[c] - ties[c]),
            ties=int(ties[c]),
            win_rate=float((wins[c] + 0.5 * ties[c]) / votes[c]) if votes[c] else 0.0,
            online_elo=None,
        )
        for c, name in enumerate(names)
    ]
    return sorted(rows, key=lambda row: (-row.rating, row.name)), fit.reliability
