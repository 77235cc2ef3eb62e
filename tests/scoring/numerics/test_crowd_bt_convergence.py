"""The Crowd-BT fit converges on every tiny crowd (scoring.numerics.crowd_likelihood): it only
climbs the penalised likelihood and stops where its gradient vanishes.

The likelihood here is written afresh from the model (scoring.numerics.crowd_bt's docstring),
over the raw votes, so the checks do not lean on the fit's own aggregated objective.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import expit

from scoring.numerics.crowd_bt import PRIOR_RIGHT, PRIOR_WRONG, fit_crowd_bt
from scoring.numerics.crowd_likelihood import cells_of, maximise
from scoring.numerics.crowd_votes import CrowdVotes
from scoring.numerics.ratings import PRIOR_TIES
from scoring.numerics.votes import A_WINS, B_WINS, TIE, Votes


def crowd(
    votes: list[tuple[int, int, int, int]],
    n_contenders: int,
    n_annotators: int,
    gold_seen: list[float] | None = None,
    gold_right: list[float] | None = None,
) -> CrowdVotes:
    """Votes as (a, b, outcome, annotator)."""
    a, b, outcome, annotator = (np.array(column, dtype=int) for column in zip(*votes, strict=True))
    return CrowdVotes(
        Votes(a, b, outcome, n_contenders), annotator, n_annotators, gold_seen, gold_right
    )


def log_posterior(data: CrowdVotes, s: np.ndarray, eta: np.ndarray) -> float:
    """Votes, gold and priors at (log-strengths of the voted contenders, η): the model."""
    voted = np.union1d(data.votes.a, data.votes.b)
    a, b = np.searchsorted(voted, data.votes.a), np.searchsorted(voted, data.votes.b)
    e = eta[data.annotator]
    says_a = e * expit(s[a] - s[b]) + (1 - e) * expit(s[b] - s[a])
    share_a = np.select([data.votes.outcome == A_WINS, data.votes.outcome == TIE], [1.0, 0.5], 0)
    votes = np.sum(share_a * np.log(says_a) + (1 - share_a) * np.log1p(-says_a))
    assert data.gold_seen is not None and data.gold_right is not None
    right, wrong = data.gold_right + PRIOR_RIGHT, data.gold_seen - data.gold_right + PRIOR_WRONG
    gold = np.sum(right * np.log(eta) + wrong * np.log1p(-eta))
    prior = 0.5 * PRIOR_TIES * np.sum(np.log(expit(s)) + np.log(expit(-s)))
    return float(votes + gold + prior)


def gradient(data: CrowdVotes, s: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Central differences in (log-strengths, log-odds of η)."""
    x = np.concatenate([s, np.log(eta) - np.log1p(-eta)])
    h, n = 1e-6, s.size
    steps = np.eye(x.size) * h
    return np.array(
        [
            log_posterior(data, (x + d)[:n], expit((x + d)[n:]))
            - log_posterior(data, (x - d)[:n], expit((x - d)[n:]))
            for d in steps
        ]
    ) / (2 * h)


def fitted(data: CrowdVotes) -> tuple[np.ndarray, np.ndarray, int]:
    assert data.gold_seen is not None and data.gold_right is not None
    right, wrong = data.gold_right + PRIOR_RIGHT, data.gold_seen - data.gold_right + PRIOR_WRONG
    return maximise(cells_of(data, np.union1d(data.votes.a, data.votes.b)), right, wrong)


def start(data: CrowdVotes) -> tuple[np.ndarray, np.ndarray]:
    """Where the fit starts: s = 0, η at its gold-and-prior mean."""
    assert data.gold_seen is not None and data.gold_right is not None
    right, wrong = data.gold_right + PRIOR_RIGHT, data.gold_seen - data.gold_right + PRIOR_WRONG
    return np.zeros(np.union1d(data.votes.a, data.votes.b).size), right / (right + wrong)


# The smallest crowds that made the fit give up ("did not converge" after 500 steps): every
# crowd of up to 3 votes on up to 4 contenders by up to 4 annotators converged, and 24 of the
# 27,405 crowds of 4 votes on 3 contenders by 3 annotators (no gold) did not, all of this shape:
# annotators 0 and 1 contradict each other on a pair, a third puts both above a third
# contender. Either contradicting annotator may be the reliable one, so the start is a saddle
# between the two readings, the Newton matrix stays indefinite and every step is Fisher
# scoring, which overshoots the third contender's gap: unchecked short steps swung ever wider.
CONTRADICTED = [(0, 1, A_WINS, 0), (0, 1, B_WINS, 1), (0, 2, A_WINS, 2), (1, 2, A_WINS, 2)]
# The same beside a separate pair two annotators agree on (found by a random search).
CONTRADICTED_BESIDE_AGREED = [(1, 0, A_WINS, 0), (0, 1, A_WINS, 1), (3, 2, A_WINS, 2)]
CONTRADICTED_BESIDE_AGREED += [(3, 2, A_WINS, 3)]
NEWCOMER = PRIOR_RIGHT / (PRIOR_RIGHT + PRIOR_WRONG)  # the η of an annotator the fit cannot tell


def test_the_smallest_crowd_that_gave_up_converges_with_the_contradicted_pair_level() -> None:
    data = crowd(CONTRADICTED, 3, 3)
    fit = fit_crowd_bt(data, rounds=10)
    # Neither reading of the contradiction wins, so that pair is level and both annotators
    # keep the newcomer's reliability; the third annotator puts both above contender 2.
    assert fit.rating[0] == fit.rating[1] > fit.rating[2] + 100
    assert fit.reliability[0] == fit.reliability[1] == NEWCOMER
    s, eta, _iterations = fitted(data)
    assert np.abs(gradient(data, s, eta)).max() < 1e-4


def test_a_contradicted_pair_beside_an_agreed_one_converges_and_stays_level() -> None:
    data = crowd(CONTRADICTED_BESIDE_AGREED, 4, 4)
    fit = fit_crowd_bt(data, rounds=10)
    assert fit.rating[0] == fit.rating[1]
    assert fit.reliability[0] == fit.reliability[1] == NEWCOMER
    assert fit.rating[3] > fit.rating[2] + 100
    s, eta, _iterations = fitted(data)
    assert np.abs(gradient(data, s, eta)).max() < 1e-4


def test_gold_settles_a_contradiction_beside_a_contradicted_pair_in_a_few_steps() -> None:
    # Annotators 2 and 3 contradict each other too, but 3 got a gold item right and 2 got one
    # wrong. Checked whole Fisher steps swung across the top here for the 500 steps.
    votes = [*CONTRADICTED_BESIDE_AGREED[:2], (3, 2, A_WINS, 2), (2, 3, A_WINS, 3)]
    data = crowd(votes, 4, 4, [0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 0.0, 1.0])
    s, eta, iterations = fitted(data)
    assert iterations < 30
    assert np.abs(gradient(data, s, eta)).max() < 1e-4
    assert s[0] == s[1] and s[2] > s[3] and eta[3] > 0.5 > eta[2]


def test_a_crowd_with_ties_and_gold_that_cycled_converges() -> None:
    # Found by a random search: Newton steps near a saddle, barely positive definite, cycled.
    votes = [(2, 0, TIE, 1), (0, 2, A_WINS, 1), (1, 0, B_WINS, 0), (1, 2, A_WINS, 1)]
    votes += [(2, 0, B_WINS, 0)]
    data = crowd(votes, 3, 2, [2.0, 2.0], [1.0, 0.5])
    s, eta, _iterations = fitted(data)
    assert np.abs(gradient(data, s, eta)).max() < 1e-4
    assert log_posterior(data, s, eta) > log_posterior(data, *start(data))


@st.composite
def tiny_crowds(draw: st.DrawFn) -> CrowdVotes:
    n, k = draw(st.integers(2, 4)), draw(st.integers(1, 4))
    vote = st.tuples(
        st.integers(0, n - 1),
        st.integers(1, n - 1),
        st.sampled_from([A_WINS, TIE, B_WINS]),
        st.integers(0, k - 1),
    )
    votes = [
        (a, (a + step) % n, outcome, annotator)
        for a, step, outcome, annotator in draw(st.lists(vote, min_size=1, max_size=8))
    ]
    seen = draw(st.lists(st.integers(0, 3), min_size=k, max_size=k))
    right = [draw(st.integers(0, 2 * count)) / 2 for count in seen]
    return crowd(votes, n, k, [float(count) for count in seen], right)


@st.composite
def contradicted_beside_tiny_crowds(draw: st.DrawFn) -> CrowdVotes:
    """Annotators 0 and 1 contradict each other on contenders 0 and 1 and say nothing else;
    a tiny crowd of other annotators votes on other contenders (about one in ten such crowds
    made the fit give up)."""
    other = draw(tiny_crowds())
    votes = [*CONTRADICTED_BESIDE_AGREED[:2]]
    votes += [
        (a + 2, b + 2, outcome, annotator + 2)
        for a, b, outcome, annotator in zip(
            other.votes.a, other.votes.b, other.votes.outcome, other.annotator, strict=True
        )
    ]
    assert other.gold_seen is not None and other.gold_right is not None
    n, k = other.votes.n_contenders + 2, other.n_annotators + 2
    seen, right = [0.0, 0.0, *other.gold_seen], [0.0, 0.0, *other.gold_right]
    return crowd(votes, n, k, seen, right)


EXAMPLES = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@EXAMPLES
@given(data=tiny_crowds())
def test_the_fit_climbs_to_a_stationary_point_on_any_tiny_crowd(data: CrowdVotes) -> None:
    s, eta, _iterations = fitted(data)  # raises RatingError if it does not converge
    assert np.abs(gradient(data, s, eta)).max() < 1e-4
    assert log_posterior(data, s, eta) >= log_posterior(data, *start(data)) - 1e-12


@EXAMPLES
@given(data=contradicted_beside_tiny_crowds())
def test_a_contradicted_pair_beside_any_tiny_crowd_converges_and_stays_level(
    data: CrowdVotes,
) -> None:
    s, eta, _iterations = fitted(data)
    assert np.abs(gradient(data, s, eta)).max() < 1e-4
    assert s[0] == pytest.approx(s[1], abs=1e-9) and eta[0] == pytest.approx(eta[1], abs=1e-9)
