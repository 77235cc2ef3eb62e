"""Position bias (scoring.numerics.bias): a home-advantage term fitted with the strengths,
with its profile-likelihood interval."""

from __future__ import annotations

import numpy as np

from scoring.numerics.bias import position_bias
from scoring.numerics.ratings import ELO_PER_NAT


def crowd(left_advantage: float, votes: int = 30_000, seed: int = 0, left_share: float = 0.5):
    rng = np.random.default_rng(seed)
    strength = rng.normal(0, 1, 6)
    a = rng.integers(0, 6, votes)
    b = (a + rng.integers(1, 6, votes)) % 6
    a_on_left = rng.random(votes) < left_share
    z = np.where(a_on_left, 1.0, -1.0)
    p = 1.0 / (1.0 + np.exp(-(strength[a] - strength[b] + left_advantage * z)))
    score = (rng.random(votes) < p).astype(float)
    return a, b, score, a_on_left


def test_a_known_left_advantage_is_recovered_within_its_interval():
    truth = 0.15  # natural-log units: 26 Elo
    a, b, score, left = crowd(truth)

    bias = position_bias(a, b, score, left, n_contenders=6)

    assert bias.ci_lower < truth * ELO_PER_NAT < bias.ci_upper
    assert bias.measurable and bias.left_advantage > 0
    assert bias.left_win_share > 0.5
    assert bias.votes == 30_000


def test_a_crowd_without_bias_shows_none_measurable():
    a, b, score, left = crowd(0.0, seed=3)

    bias = position_bias(a, b, score, left, n_contenders=6)

    assert bias.ci_lower < 0 < bias.ci_upper
    assert not bias.measurable


def test_a_strong_contender_shown_left_more_often_is_not_read_as_bias():
    rng = np.random.default_rng(5)
    votes = 20_000
    a = rng.integers(0, 2, votes)
    b = 1 - a
    left = np.where(a == 0, rng.random(votes) < 0.9, rng.random(votes) < 0.1)  # 0 mostly left
    p = np.where(a == 0, 0.8, 0.2)  # contender 0 is simply better
    score = (rng.random(votes) < p).astype(float)

    bias = position_bias(a, b, score, left, n_contenders=2)

    assert bias.left_win_share > 0.7  # the raw share says "left"
    assert not bias.measurable  # the fit says "the better model"


def test_no_votes_give_no_figures():
    empty = np.empty(0, dtype=np.intp)
    bias = position_bias(empty, empty, np.empty(0), np.empty(0, dtype=bool), n_contenders=3)

    assert (bias.left_advantage, bias.ci_lower, bias.ci_upper, bias.votes) == (None, None, None, 0)
    assert not bias.measurable


def test_a_handful_of_votes_gives_a_wide_or_unbounded_interval_without_error():
    a = np.array([0, 1, 0])
    b = np.array([1, 0, 1])
    bias = position_bias(
        a, b, np.array([1.0, 1.0, 1.0]), np.array([True, True, True]), n_contenders=2
    )

    assert bias.votes == 3
    assert not bias.measurable
