"""Invariances of the Bradley-Terry ratings, checked on arbitrary small vote sets (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scoring.numerics.ratings import bootstrap_ratings, fit_bradley_terry
from scoring.numerics.votes import A_WINS, B_WINS, TIE, PairCounts, Votes, count_votes

TOLERANCE = 1e-6  # Elo points


@st.composite
def vote_sets(draw: st.DrawFn, max_votes: int = 40) -> Votes:
    n = draw(st.integers(2, 6))
    pairs = draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1), st.integers(1, n - 1), st.sampled_from([A_WINS, TIE, B_WINS])
            ),
            max_size=max_votes,
        )
    )
    a = np.array([first for first, _, _ in pairs], dtype=int)
    b = (a + np.array([step for _, step, _ in pairs], dtype=int)) % n
    return Votes(a, b, np.array([outcome for _, _, outcome in pairs], dtype=int), n)


def mle_exists(votes: Votes) -> bool:
    """Every contender voted on and the 'scored against' graph strongly connected."""
    counts = count_votes(votes)
    n = votes.n_contenders
    scored = np.zeros((n, n), dtype=bool)
    scored[counts.a, counts.b] |= (counts.a_wins + counts.ties) > 0
    scored[counts.b, counts.a] |= (counts.b_wins + counts.ties) > 0
    reach = scored | np.eye(n, dtype=bool)
    for _ in range(n):
        reach = reach | ((reach.astype(int) @ reach.astype(int)) > 0)
    return bool(reach.all())


@settings(max_examples=150, deadline=None)
@given(vote_sets())
def test_ratings_are_always_finite_with_mean_1000(votes: Votes) -> None:
    ratings = fit_bradley_terry(votes)
    assert np.all(np.isfinite(ratings))
    assert abs(ratings.mean() - 1000.0) < TOLERANCE


@settings(max_examples=100, deadline=None)
@given(vote_sets(), st.randoms(use_true_random=False))
def test_relabelling_contenders_relabels_the_ratings(votes: Votes, random: object) -> None:
    n = votes.n_contenders
    permutation = np.array(random.sample(range(n), n))  # type: ignore[attr-defined]
    relabelled = Votes(permutation[votes.a], permutation[votes.b], votes.outcome, n)
    np.testing.assert_allclose(
        fit_bradley_terry(relabelled)[permutation], fit_bradley_terry(votes), atol=TOLERANCE
    )


@settings(max_examples=100, deadline=None)
@given(vote_sets())
def test_swapping_a_and_b_changes_nothing(votes: Votes) -> None:
    swapped = Votes(votes.b, votes.a, 2 - votes.outcome, votes.n_contenders)
    np.testing.assert_allclose(fit_bradley_terry(swapped), fit_bradley_terry(votes), atol=TOLERANCE)


@settings(max_examples=100, deadline=None)
@given(vote_sets(max_votes=60))
def test_duplicating_every_vote_changes_nothing_when_the_mle_exists(votes: Votes) -> None:
    # Where the MLE does not exist the fallback prior is a fixed pseudo-count, so doubled
    # evidence rightly outweighs it; the invariance is the MLE's.
    assume(mle_exists(votes))
    doubled = Votes(
        np.tile(votes.a, 2), np.tile(votes.b, 2), np.tile(votes.outcome, 2), votes.n_contenders
    )
    np.testing.assert_allclose(fit_bradley_terry(doubled), fit_bradley_terry(votes), atol=TOLERANCE)


@settings(max_examples=40, deadline=None)
@given(vote_sets(), st.integers(0, 2**32 - 1))
def test_intervals_are_finite_and_contain_the_rating(votes: Votes, seed: int) -> None:
    intervals = bootstrap_ratings(votes, rounds=30, seed=seed)
    assert np.all(np.isfinite(intervals.lower)) and np.all(np.isfinite(intervals.upper))
    assert np.all(intervals.lower <= intervals.rating + TOLERANCE)
    assert np.all(intervals.rating <= intervals.upper + TOLERANCE)


@st.composite
def lopsided_counts(draw: st.DrawFn) -> PairCounts:
    n = draw(st.integers(2, 5))
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.integers(1, n - 1),
                *(
                    st.one_of(st.just(0), st.integers(0, 3), st.integers(0, 1_000_000))
                    for _ in range(3)
                ),
            ),
            min_size=1,
            max_size=8,
        )
    )
    a = np.array([row[0] for row in rows])
    b = (a + np.array([row[1] for row in rows])) % n
    return PairCounts(
        a, b, *(np.array([row[k] for row in rows]) for k in (2, 3, 4)), n_contenders=n
    )


@settings(max_examples=150, deadline=None)
@given(lopsided_counts(), st.integers(0, 2**32 - 1))
def test_lopsided_counts_converge_to_finite_ratings(counts: PairCounts, seed: int) -> None:
    # Millions of wins against a handful: ratings thousands of points apart must still converge.
    intervals = bootstrap_ratings(counts, rounds=20, seed=seed)
    for values in (intervals.rating, intervals.lower, intervals.upper):
        assert np.all(np.isfinite(values))
