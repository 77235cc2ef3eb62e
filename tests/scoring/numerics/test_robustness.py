"""How solid is the ranking: leave-one-annotator-out refits and votes to separate neighbours."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.numerics.ratings import bootstrap_ratings, fit_bradley_terry, pairwise_matrices
from scoring.numerics.robustness import (
    board_places,
    leave_one_annotator_out,
    votes_to_separate,
)
from scoring.numerics.votes import A_WINS, B_WINS, TIE, PairCounts, RatingError, Votes

ALPHA, BETA, GAMMA = 0, 1, 2


class Crowd:
    """Votes cast one by one: (annotator, a, b, outcome)."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, int, int, int]] = []

    def vote(self, annotator: int, a: int, b: int, outcome: int, times: int = 1) -> None:
        self.rows.extend([(annotator, a, b, outcome)] * times)

    def columns(self) -> tuple[np.ndarray, ...]:
        return tuple(np.array(column, dtype=np.intp) for column in zip(*self.rows, strict=True))


def flipping_crowd() -> Crowd:
    """Five annotators put beta just above alpha; annotator 5 alone lifts alpha above beta."""
    crowd = Crowd()
    for annotator in range(5):
        crowd.vote(annotator, ALPHA, BETA, B_WINS, times=3)
        crowd.vote(annotator, ALPHA, BETA, A_WINS, times=2)
        for top in (ALPHA, BETA):
            crowd.vote(annotator, top, GAMMA, A_WINS, times=3)
            crowd.vote(annotator, GAMMA, top, A_WINS)
    crowd.vote(5, ALPHA, BETA, A_WINS, times=10)
    return crowd


def test_an_annotator_whose_votes_alone_flip_two_contenders_is_found():
    annotator, a, b, outcome = flipping_crowd().columns()
    full = fit_bradley_terry(Votes(a, b, outcome, n_contenders=3))
    assert board_places(full).tolist() == [1, 2, 3]  # alpha above beta, thanks to annotator 5

    result = leave_one_annotator_out(annotator, a, b, outcome, n_contenders=3)

    assert (result.annotators, result.refitted) == (6, 6)
    assert result.largest_place_change == 1
    flipper = result.influential[0]
    assert (flipper.annotator, flipper.votes, flipper.places_moved) == (5, 10, 2)
    assert [(m.contender, m.place, m.place_without) for m in flipper.moves] == [
        (ALPHA, 1, 2),
        (BETA, 2, 1),
    ]
    assert flipper.moves[0].rating_change < 0 < flipper.moves[1].rating_change
    # Nobody else's removal moves anyone.
    assert all(other.places_moved == 0 and not other.moves for other in result.influential[1:])


def test_removing_one_of_identical_annotators_moves_nothing():
    crowd = Crowd()
    for annotator in range(4):  # the same votes four times: each removal scales every count
        crowd.vote(annotator, ALPHA, BETA, A_WINS, times=3)
        crowd.vote(annotator, ALPHA, BETA, B_WINS)
        crowd.vote(annotator, BETA, GAMMA, A_WINS, times=2)
        crowd.vote(annotator, BETA, GAMMA, TIE)
        crowd.vote(annotator, GAMMA, ALPHA, A_WINS)
        crowd.vote(annotator, GAMMA, ALPHA, B_WINS, times=2)

    result = leave_one_annotator_out(*crowd.columns(), n_contenders=3)

    assert result.largest_place_change == 0
    assert len(result.influential) == 4
    assert all(row.largest_rating_change < 1e-6 for row in result.influential)


@pytest.mark.parametrize("seed", range(4))
def test_each_refit_equals_fitting_the_other_annotators_votes_from_scratch(seed):
    rng = np.random.default_rng(seed)
    n, size = 6, 400
    strength = rng.normal(0.0, 0.8, n)
    a = rng.integers(0, n, size)
    b = (a + rng.integers(1, n, size)) % n
    outcome = np.where(rng.random(size) < 1 / (1 + np.exp(strength[b] - strength[a])), 0, 2)
    outcome[rng.random(size) < 0.1] = TIE
    annotator = rng.integers(0, 8, size)
    # Annotator 8 alone judged contender 6 (its removal leaves 6 without votes); annotator 9
    # alone saw contender 7 win (its removal leaves 7 never winning: the prior's case).
    a = np.concatenate([a, [6, 6, 7, 7]])
    b = np.concatenate([b, [0, 1, 2, 3]])
    outcome = np.concatenate([outcome, [A_WINS, B_WINS, A_WINS, B_WINS]])
    annotator = np.concatenate([annotator, [8, 8, 9, 3]])
    n = 8

    result = leave_one_annotator_out(annotator, a, b, outcome, n_contenders=n, top=10)

    full = fit_bradley_terry(Votes(a, b, outcome, n_contenders=n))
    assert len(result.influential) == 10
    for row in result.influential:
        keep = annotator != row.annotator
        alone = fit_bradley_terry(Votes(a[keep], b[keep], outcome[keep], n_contenders=n))
        moved = board_places(alone) != board_places(full)
        assert [move.contender for move in row.moves] == [
            c for c in np.argsort(board_places(full)) if moved[c]
        ]
        assert row.largest_rating_change == pytest.approx(np.abs(alone - full).max(), abs=1e-6)
        for move in row.moves:
            assert move.rating_change == pytest.approx(alone[move.contender] - full[move.contender])


def test_beyond_the_cap_only_the_annotators_with_most_votes_are_refitted():
    annotator, a, b, outcome = flipping_crowd().columns()  # annotator 5 has the fewest votes

    result = leave_one_annotator_out(annotator, a, b, outcome, n_contenders=3, cap=4, top=10)

    assert (result.annotators, result.refitted, result.cap) == (6, 4, 4)
    assert sorted(row.annotator for row in result.influential) == [0, 1, 2, 3]
    assert result.largest_place_change == 0


def test_without_votes_or_with_one_annotator_nothing_is_refitted():
    empty = np.empty(0, dtype=np.intp)
    nothing = leave_one_annotator_out(empty, empty, empty, empty, n_contenders=3)
    assert (nothing.annotators, nothing.refitted, nothing.influential) == (0, 0, [])
    lonely = Crowd()
    lonely.vote(4, ALPHA, BETA, A_WINS, times=3)
    alone = leave_one_annotator_out(*lonely.columns(), n_contenders=2)
    assert (alone.annotators, alone.refitted, alone.largest_place_change) == (1, 0, 0)
    one_contender = leave_one_annotator_out(empty, empty, empty, empty, n_contenders=1)
    assert one_contender.influential == []


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (([0, 1], [0], [1], [0]), "same length"),
        (([0], [0], [1], [5]), "outcome"),
        (([0], [0], [3], [0]), "contender indices"),
        (([-1], [0], [1], [0]), "non-negative"),
    ],
)
def test_bad_votes_are_refused(columns, message):
    with pytest.raises(RatingError, match=message):
        leave_one_annotator_out(*(np.array(column) for column in columns), n_contenders=3)


def test_a_cap_below_one_is_refused():
    with pytest.raises(RatingError, match="cap"):
        leave_one_annotator_out([0], [0], [1], [0], n_contenders=2, cap=0)


# --- votes to separate neighbours ------------------------------------------------------------


def test_neighbours_whose_intervals_do_not_overlap_are_separated_and_need_no_votes():
    votes = np.array([[0, 50, 0], [50, 0, 50], [0, 50, 0]])
    gaps = votes_to_separate([1100, 1000, 900], [1080, 990, 850], [1120, 1010, 1000], votes)

    first, second = gaps
    assert (first.upper, first.lower, first.separated, first.more_votes) == (0, 1, True, 0)
    assert first.gap == pytest.approx(100.0)
    assert (second.upper, second.lower, second.separated) == (1, 2, False)
    assert second.votes == 100  # beta's 100 votes, gamma's 50 all against beta
    # Facing half-widths 10 + 100 over a gap of 100: 100·(1.1² - 1) = 21, so 22 more votes.
    assert second.more_votes == 22


def test_votes_needed_to_separate_fall_as_the_same_votes_grow():
    needed = []
    for copies in (1, 4, 16, 64):
        # The same proportions each time: alpha-beta 11-9, beta-gamma 12-8, gamma-alpha 7-13.
        counts = PairCounts(
            [ALPHA, BETA, GAMMA],
            [BETA, GAMMA, ALPHA],
            np.array([11, 12, 7]) * copies,
            [0, 0, 0],
            np.array([9, 8, 13]) * copies,
            n_contenders=3,
        )
        fit = bootstrap_ratings(counts, rounds=300, seed=0)
        gaps = votes_to_separate(fit.rating, fit.lower, fit.upper, pairwise_matrices(counts).votes)
        assert (gaps[0].upper, gaps[0].lower, gaps[0].votes) == (ALPHA, BETA, 60 * copies)
        needed.append(gaps[0].more_votes)
    # At 16 copies (960 votes) the intervals are at the edge of parting: whether they have
    # depends on the bootstrap's draws, so that step is only required not to rise.
    assert needed[0] > needed[1] >= needed[2] and needed[1] > 0
    assert needed[3] == 0  # at 64 times the votes alpha's and beta's intervals are apart
    # From 60 votes the estimate (about 940 in all; they part between 960 and 3,840) is of the
    # right order.
    assert 4 * 60 < 60 + needed[0] < 64 * 60


def test_equal_ratings_or_a_contender_without_votes_give_no_estimate():
    votes = np.array([[0, 10, 0], [10, 0, 0], [0, 0, 0]])
    tied, unvoted = votes_to_separate(
        [1000, 1000, 1000], [950, 950, 950], [1050, 1050, 1050], votes
    )
    assert (tied.separated, tied.more_votes) == (False, None)
    assert (unvoted.separated, unvoted.more_votes) == (False, None)


def test_one_contender_has_no_neighbours_and_mismatched_inputs_are_refused():
    assert votes_to_separate([1000], [1000], [1000], [[0]]) == []
    with pytest.raises(RatingError, match="n-by-n"):
        votes_to_separate([1000, 990], [990, 980], [1010, 1000], [[0]])
