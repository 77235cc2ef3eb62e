"""Crowd-BT (scoring.numerics.crowd_bt): recovers known strengths and reliabilities on a
simulated crowd, gold pins reliabilities, seeded intervals, awkward inputs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import kendalltau

from scoring.numerics.annotators import Judgments
from scoring.numerics.crowd_bt import fit_crowd_bt, rate_crowd_bt
from scoring.numerics.crowd_votes import CrowdVotes, crowd_votes_of
from scoring.numerics.ratings import BASE_RATING, ELO_PER_NAT, fit_bradley_terry
from scoring.numerics.votes import A_WINS, B_WINS, TIE, RatingError, Votes


def simulated(
    seed: int,
    reliability: np.ndarray,
    *,
    n_contenders: int = 8,
    votes_each: int = 400,
    gold_seen: int = 0,
) -> tuple[np.ndarray, CrowdVotes]:
    """Votes drawn from the Crowd-BT model itself; gold right with probability η."""
    rng = np.random.default_rng(seed)
    strength = np.linspace(-1.2, 1.2, n_contenders)
    annotator = np.repeat(np.arange(reliability.size), votes_each)
    a = rng.integers(0, n_contenders, annotator.size)
    b = (a + rng.integers(1, n_contenders, annotator.size)) % n_contenders
    p = 1.0 / (1.0 + np.exp(strength[b] - strength[a]))
    says_a = reliability[annotator] * p + (1.0 - reliability[annotator]) * (1.0 - p)
    outcome = np.where(rng.random(annotator.size) < says_a, A_WINS, B_WINS)
    seen = np.full(reliability.size, float(gold_seen))
    right = rng.binomial(gold_seen, reliability).astype(float)
    votes = Votes(a, b, outcome, n_contenders)
    return strength, CrowdVotes(votes, annotator, reliability.size, seen, right)


def as_elo(strength: np.ndarray) -> np.ndarray:
    return (strength - strength.mean()) * ELO_PER_NAT + BASE_RATING


def test_it_recovers_known_strengths_and_reliabilities_from_a_mixed_crowd() -> None:
    reliability = np.array([0.95, 0.9, 0.9, 0.85, 0.95, 0.5, 0.5, 0.05])
    strength, data = simulated(0, reliability, votes_each=1500, gold_seen=20)
    fit = fit_crowd_bt(data, rounds=200)
    assert np.abs(fit.rating - as_elo(strength)).max() < 40  # the spread is ~550 Elo
    assert kendalltau(fit.rating, strength).statistic == pytest.approx(1.0)
    assert np.abs(fit.reliability - reliability).max() < 0.1
    # Plain Bradley-Terry on the same votes is pulled together by the coins and the adversary.
    plain = fit_bradley_terry(data.votes)
    assert np.ptp(plain) < 0.7 * np.ptp(fit.rating)


def test_a_reliable_annotator_is_near_one_and_an_adversary_near_zero() -> None:
    reliability = np.array([0.98, 0.95, 0.9, 0.9, 0.02])
    _strength, data = simulated(1, reliability, votes_each=1500)
    eta = fit_crowd_bt(data, rounds=10).reliability
    assert eta[0] > 0.9 and eta[4] < 0.1


def test_gold_pins_the_reliability_of_an_annotator_with_few_votes() -> None:
    reliability = np.array([0.95, 0.9, 0.9, 0.95])
    _strength, data = simulated(2, reliability, votes_each=300)
    # A fifth annotator with three votes: without gold their η is the prior's guess; with
    # 40 gold answers of which 38 right it sits near 0.95, with 4 right near 0.1.
    extra = Votes(np.array([0, 1, 2]), np.array([7, 6, 5]), np.array([B_WINS, A_WINS, TIE]), 8)
    votes = Votes(
        np.concatenate([data.votes.a, extra.a]),
        np.concatenate([data.votes.b, extra.b]),
        np.concatenate([data.votes.outcome, extra.outcome]),
        8,
    )
    annotator = np.concatenate([data.annotator, [4, 4, 4]])

    def eta_with(right: float) -> float:
        gold = CrowdVotes(votes, annotator, 5, np.array([0, 0, 0, 0, 40.0]), [0, 0, 0, 0, right])
        return float(fit_crowd_bt(gold, rounds=10).reliability[4])

    assert eta_with(38.0) == pytest.approx(0.95, abs=0.05)
    assert eta_with(4.0) == pytest.approx(0.1, abs=0.06)


def test_without_gold_or_votes_an_annotator_sits_at_the_priors_mode() -> None:
    # Beta(2, 1.5) on η: one virtual right and half a virtual wrong gold answer, mode 2/3,
    # whatever the others' votes say; one more right gold answer moves it to 4/5.
    _strength, data = simulated(5, np.array([0.9, 0.8, 0.95]), votes_each=200)
    seen, right = np.array([0.0, 0.0, 0.0, 0.0, 1.0]), np.array([0.0, 0.0, 0.0, 0.0, 1.0])
    fit = fit_crowd_bt(CrowdVotes(data.votes, data.annotator, 5, seen, right), rounds=5)
    assert fit.reliability[3] == pytest.approx(2.0 / 3.0)
    assert fit.reliability[4] == pytest.approx(0.8)


def test_the_same_data_and_seed_give_the_same_intervals() -> None:
    _strength, data = simulated(3, np.array([0.9, 0.8, 0.95, 0.6, 0.85]), votes_each=200)
    first = fit_crowd_bt(data, rounds=300, seed=5)
    again = fit_crowd_bt(data, rounds=300, seed=5)
    other = fit_crowd_bt(data, rounds=300, seed=6)
    assert np.array_equal(first.lower, again.lower) and np.array_equal(first.upper, again.upper)
    assert not np.array_equal(first.lower, other.lower)
    assert np.all(first.lower <= first.rating) and np.all(first.rating <= first.upper)
    assert np.all(first.upper - first.lower > 0)


def test_the_scale_is_the_default_boards_mean_or_anchor() -> None:
    _strength, data = simulated(4, np.array([0.9, 0.9, 0.95]), votes_each=300)
    assert fit_crowd_bt(data, rounds=5).rating.mean() == pytest.approx(BASE_RATING)
    anchored = fit_crowd_bt(data, rounds=5, anchor=3, base_rating=1200.0)
    assert anchored.rating[3] == pytest.approx(1200.0)


def test_no_votes_rates_everyone_at_the_base_and_keeps_gold_reliabilities() -> None:
    empty = np.empty(0, dtype=np.intp)
    data = CrowdVotes(Votes(empty, empty, empty, 3), empty, 2, [10.0, 10.0], [10.0, 2.0])
    fit = fit_crowd_bt(data, rounds=10)
    assert fit.rating.tolist() == [BASE_RATING] * 3
    assert fit.reliability[0] > 0.8 and fit.reliability[1] < 0.4


def test_one_contender_and_no_votes_is_rated_at_the_base() -> None:
    empty = np.empty(0, dtype=np.intp)
    rows, reliability = rate_crowd_bt(["only"], CrowdVotes(Votes(empty, empty, empty, 1), empty, 0))
    assert rows[0].rating == BASE_RATING and rows[0].votes == 0 and reliability.size == 0


def test_a_disconnected_graph_and_an_unbeaten_contender_stay_finite() -> None:
    # Contenders 0-1 and 2-3 never meet; 0 never loses; contender 4 has no votes at all.
    votes = Votes(
        [0, 0, 0, 2, 3, 2], [1, 1, 1, 3, 2, 3], [A_WINS, A_WINS, TIE, A_WINS, B_WINS, 2], 5
    )
    data = CrowdVotes(votes, np.array([0, 1, 0, 1, 0, 1]), 2)
    fit = fit_crowd_bt(data, rounds=50)
    assert np.all(np.isfinite(fit.rating)) and np.all(np.isfinite(fit.lower))
    assert fit.rating[0] > fit.rating[1] and fit.rating[2] > fit.rating[3]
    assert fit.rating[4] == pytest.approx(fit.rating[:4].mean())
    assert fit.lower[4] == fit.lower[:4].min() and fit.upper[4] == fit.upper[:4].max()


def test_one_annotator_leaves_nothing_to_resample_so_intervals_span_the_board() -> None:
    votes = Votes([0, 1, 0], [1, 2, 2], [A_WINS, A_WINS, A_WINS], 3)
    fit = fit_crowd_bt(CrowdVotes(votes, np.zeros(3, dtype=np.intp), 1), rounds=20)
    assert np.all(fit.lower == fit.rating.min()) and np.all(fit.upper == fit.rating.max())


def test_rows_are_shaped_like_the_default_board_and_count_every_vote() -> None:
    votes = Votes([0, 0, 1, 1], [1, 1, 2, 2], [A_WINS, TIE, B_WINS, A_WINS], 3)
    rows, reliability = rate_crowd_bt(
        ["x", "y", "z"], CrowdVotes(votes, np.array([0, 1, 0, 1]), 2), rounds=20
    )
    by_name = {row.name: row for row in rows}
    assert [row.rating for row in rows] == sorted((row.rating for row in rows), reverse=True)
    assert (by_name["y"].votes, by_name["y"].wins, by_name["y"].losses, by_name["y"].ties) == (
        4,
        1,
        2,
        1,
    )
    assert by_name["x"].online_elo is None and reliability.shape == (2,)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"annotator": np.array([0, 0])}, "every vote needs an annotator"),
        ({"annotator": np.array([0, 0, 5])}, "annotator indices"),
        ({"gold_seen": [1.0]}, "one non-negative number per annotator"),
        ({"gold_seen": [1.0, 1.0], "gold_right": [2.0, 0.0]}, "between 0 and gold_seen"),
    ],
)
def test_inconsistent_inputs_are_refused_with_the_reason(change, message) -> None:
    fields = {
        "votes": Votes([0, 1, 0], [1, 2, 2], [A_WINS, TIE, B_WINS], 3),
        "annotator": np.array([0, 1, 0]),
        "n_annotators": 2,
    }
    with pytest.raises(RatingError, match=message):
        CrowdVotes(**{**fields, **change})


def test_judgments_become_votes_and_gold_records_ties_counting_half() -> None:
    judgments = Judgments(
        annotator=[0, 0, 0, 1, 1],
        comparison=[10, 11, 12, 10, 13],
        verdict=[-2, 1, 0, 2, -1],
        a_on_left=[True] * 5,
        seconds=[20.0] * 5,
        gold=[0, -1, -1, 0, 1],
        n_annotators=2,
    )
    data = crowd_votes_of(judgments, np.array([0, -1, -1, 0, -1]), np.array([1, -1, -1, 1, -1]), 2)
    assert data.votes.outcome.tolist() == [A_WINS, B_WINS]
    assert data.annotator.tolist() == [0, 1]
    assert data.gold_seen.tolist() == [2.0, 1.0]
    assert data.gold_right.tolist() == [0.5, 0.0]  # a wrong answer and a tie; a wrong answer
    ignored = crowd_votes_of(
        judgments,
        np.array([0, -1, -1, 0, -1]),
        np.array([1, -1, -1, 1, -1]),
        2,
        ignore_gold=np.array([True, False]),
    )
    assert ignored.gold_seen.tolist() == [0.0, 1.0]


def crowd_of_three() -> CrowdVotes:
    """Contenders 0 and 1 voted on, contender 2 never."""
    votes = Votes([0, 0, 1], [1, 1, 0], [A_WINS, TIE, B_WINS], 3)
    return CrowdVotes(votes, np.array([0, 1, 0]), 2)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda data: fit_crowd_bt(data, rounds=0), "rounds must be at least 1"),
        (lambda data: fit_crowd_bt(data, rounds=5, anchor=2), "anchor contender has no votes"),
        (lambda data: rate_crowd_bt(["x", "y"], data, rounds=5), "must name every contender"),
        (lambda data: rate_crowd_bt(["x", "y", "z"], data, rounds=5, anchor="w"), "'w'"),
    ],
)
def test_a_fit_refuses_rounds_anchors_and_names_it_cannot_use(call, message) -> None:
    with pytest.raises(RatingError, match=message):
        call(crowd_of_three())
