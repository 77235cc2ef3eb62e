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

Fit (scoring.numerics.crowd_likelihood): Newton steps on (s, log-odds of η) jointly from the
start above, Fisher scoring where the likelihood is not locally concave, every step checked so
the fit only climbs. It ends at the stationary point that climb reaches: a maximum, or on votes
that read equally well two ways (two annotators contradicting each other on a pair, either
of whom may be the reliable one) the point between the readings, that pair level.

Intervals: a bootstrap over annotators (an annotator's votes share one η, so they are not
independent draws), seeded. Each round draws the annotators with replacement and takes one
Fisher-scoring step of that round's weighted likelihood from the full fit, with the full fit's
information: a linearised refit whose cost does not grow with the number of votes. It accounts
for the uncertainty of every η through the Schur complement. With fewer than two annotators
there is nothing to resample, and every interval spans the whole board.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scoring.numerics.crowd_likelihood import (
    Cells,
    Point,
    cells_of,
    information,
    maximise,
    schur,
    sum_by,
)
from scoring.numerics.crowd_votes import CrowdVotes
from scoring.numerics.ratings import (
    BASE_RATING,
    ContenderRating,
    board_interval,
    pairwise_matrices,
    rank_with_intervals,
    to_elo,
)
from scoring.numerics.votes import RatingError

PRIOR_RIGHT = 1.0  # virtual right gold answers per annotator (Beta(2, 1.5) on η with the next)
PRIOR_WRONG = 0.5


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
    # The contenders with votes, as np.union1d gives them, without its sort of both columns
    # joined (every regular vote twice: 144 MB and its sort at 10M, at the run's peak RSS).
    voted = np.flatnonzero(
        np.bincount(data.votes.a, minlength=n) + np.bincount(data.votes.b, minlength=n)
    )
    if anchor is not None and anchor not in voted:
        raise RatingError("the anchor contender has no votes, so it cannot carry the scale")
    if voted.size == 0:
        flat = np.full(n, float(base_rating))
        reliability = right / (right + wrong)  # the η that maximises gold and prior alone
        return CrowdFit(flat, flat.copy(), flat.copy(), reliability, 0, rounds, seed)
    cells = cells_of(data, voted)
    s, eta, iterations = maximise(cells, right, wrong)
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
    cells: Cells,
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
    point = Point(cells, s, eta)
    _grad_s, _grad_eta, info_ss, info_se, info_ee = information(cells, point, s, eta, right, wrong)
    # Each annotator's share of the strengths' gradient; at the fit these sum to minus the
    # prior's, and each annotator's own η-gradient is zero (gold and prior are theirs too).
    score = cells.for_i / point.says_i - cells.for_j / point.says_j
    along = score * point.dh_dd
    per_annotator = (
        sum_by(cells.annotator * n + cells.i, along, k * n)
        - sum_by(cells.annotator * n + cells.j, along, k * n)
    ).reshape(k, n)[voters]
    rng = np.random.default_rng(seed)
    drawn = rng.multinomial(voters.size, np.full(voters.size, 1.0 / voters.size), size=rounds)
    gradients = np.einsum("rk,kn->rn", drawn - 1.0, per_annotator)  # weighted gradient, per round
    steps = np.linalg.solve(schur(info_ss, info_se, info_ee), gradients.T).T
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
