"""Contextual Bradley-Terry (scoring.numerics.contextual): plain BT without covariates, the
covariates' coefficients recovered on simulated votes, finite on awkward data, and the
one-step block bootstrap against the default board's bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.numerics.contextual import ContextualRows, bootstrap_contextual, fit_contextual
from scoring.numerics.ratings import ELO_PER_NAT, bootstrap_ratings, fit_bradley_terry
from scoring.numerics.votes import RatingError, Votes


def simulated(n: int = 8, votes: int = 20_000, gamma=(0.6, -0.3), seed: int = 1):
    rng = np.random.default_rng(seed)
    strength = rng.normal(0.0, 1.0, n)
    a = rng.integers(0, n, votes)
    b = (a + rng.integers(1, n, votes)) % n
    features = rng.normal(0.0, 1.0, (votes, len(gamma)))
    p = 1.0 / (1.0 + np.exp(-(strength[a] - strength[b] + features @ np.array(gamma))))
    outcome = np.where(rng.random(votes) < p, 0, 2)
    return strength, a, b, features, outcome


def rows_of(a, b, features, outcome, n):
    score = np.where(outcome == 0, 1.0, np.where(outcome == 1, 0.5, 0.0))
    return ContextualRows(a, b, features, np.ones(a.size), score, n)


def test_without_covariates_it_is_the_default_boards_bradley_terry():
    _strength, a, b, features, outcome = simulated()
    outcome[::7] = 1  # some ties, half a win each on both sides

    fit = fit_contextual(rows_of(a, b, features[:, :0], outcome, 8))

    plain = fit_bradley_terry(Votes(a, b, outcome, 8))
    assert np.allclose(fit.strength * ELO_PER_NAT + 1000.0, plain, atol=1e-6)


def test_the_covariates_coefficients_are_recovered():
    strength, a, b, features, outcome = simulated(votes=40_000)

    fit = fit_contextual(rows_of(a, b, features, outcome, 8))

    assert fit.coefficients == pytest.approx([0.6, -0.3], abs=0.05)
    assert np.corrcoef(fit.strength, strength)[0, 1] > 0.99


def test_a_contender_that_never_loses_gets_a_finite_rating_above_the_rest():
    a = np.array([0, 0, 1, 2, 1])
    b = np.array([1, 2, 2, 1, 0])
    outcome = np.array([0, 0, 0, 0, 2])  # contender 0 wins every vote it is in
    features = np.array([[1.0], [0.0], [-1.0], [0.5], [1.0]])

    fit = fit_contextual(rows_of(a, b, features, outcome, 3))

    assert fit.prior
    assert np.all(np.isfinite(fit.strength)) and np.isfinite(fit.coefficients).all()
    assert fit.strength[0] == fit.strength.max()


def test_one_step_block_bootstrap_intervals_match_the_default_boards_bootstrap():
    _strength, a, b, features, outcome = simulated(votes=10_000)

    samples = bootstrap_contextual(rows_of(a, b, features[:, :0], outcome, 8), rounds=500, seed=0)

    lower, upper = np.percentile(samples.strength * ELO_PER_NAT + 1000.0, [2.5, 97.5], axis=0)
    reference = bootstrap_ratings(Votes(a, b, outcome, 8), rounds=500, seed=0)
    width = reference.upper - reference.lower
    assert np.allclose(upper - lower, width, rtol=0.2)
    assert np.allclose(lower, reference.lower, atol=0.15 * width.max())


def test_the_bootstrap_is_deterministic_for_a_seed():
    _strength, a, b, features, outcome = simulated(votes=2_000)
    rows = rows_of(a, b, features, outcome, 8)

    first = bootstrap_contextual(rows, rounds=50, seed=3)
    again = bootstrap_contextual(rows, rounds=50, seed=3)

    assert np.array_equal(first.strength, again.strength)
    assert np.array_equal(first.coefficients, again.coefficients)


def test_no_votes_give_zero_strengths_and_coefficients():
    empty = np.empty(0, dtype=np.intp)
    rows = ContextualRows(empty, empty, np.empty((0, 2)), np.empty(0), np.empty(0), 4)

    samples = bootstrap_contextual(rows, rounds=5, seed=0)

    assert not samples.strength.any() and not samples.coefficients.any()
    assert samples.fit.voted.size == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"b": np.array([1])}, "same length"),
        ({"features": np.zeros((1, 1))}, "one row per row of votes"),
        ({"features": np.zeros(2)}, "one row per row of votes"),
        ({"b": np.array([0, 0])}, "against itself"),
        ({"score": np.array([2.0, 0.0])}, "scores above its games"),
    ],
)
def test_rows_a_fit_cannot_read_are_refused_with_the_reason(change, message) -> None:
    fields = {
        "a": np.array([0, 1]),
        "b": np.array([1, 2]),
        "features": np.zeros((2, 1)),
        "games": np.array([1.0, 1.0]),
        "score": np.array([1.0, 0.5]),
        "n_contenders": 3,
    }
    with pytest.raises(RatingError, match=message):
        ContextualRows(**{**fields, **change})
