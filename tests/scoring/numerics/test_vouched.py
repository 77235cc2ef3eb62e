"""The `vouched` rule and chance agreement (scoring.numerics.flags, .agreement).

An annotator gold leaves untrusted still counts when gold cannot show them below the
threshold (accuracy upper bound at least min_gold_accuracy) and their regular answers agree
with the trusted consensus clearly above chance (lower bound at least chance plus a quarter of
the way to the crowd's typical agreement).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import beta

from scoring.numerics.agreement import chance_agreement
from scoring.numerics.annotators import Judgments, accepted_judgments, score_annotators
from scoring.numerics.flags import (
    GOLD_SPOTTER,
    UNTRUSTED,
    VOUCHED,
    FlagSettings,
    vouched_by_agreement,
)
from scoring.numerics.participants import rank_participants


def lower(agreeing: int, compared: int) -> float:
    return float(beta.ppf(0.025, 1 + agreeing, 1 + compared - agreeing))


def test_chance_agreement_multiplies_the_annotators_and_the_consensus_shares() -> None:
    # Annotator 0 says a, a, b, tie on four comparisons; annotator 1 (the consensus) a, b, b, b.
    annotator = [0, 0, 0, 0, 1, 1, 1, 1]
    comparison = [1, 2, 3, 4, 1, 2, 3, 4]
    verdict = [-1, -2, 1, 0, -1, 1, 2, 1]
    chance = chance_agreement(annotator, comparison, verdict, 2)
    # Annotator 0: a 1/2 x consensus a 1/4 + b 1/4 x b 3/4 + tie 1/4 x tie 0 = 5/16.
    assert chance[0] == pytest.approx(5 / 16)
    # Annotator 1: a 1/4 x a 1/2 + b 3/4 x b 1/4 + tie 0 = 5/16 (symmetric here).
    assert chance[1] == pytest.approx(5 / 16)


def test_the_rule_needs_gold_unable_to_rule_them_out_and_agreement_above_chance() -> None:
    gold_upper = np.array([0.82, 0.82, 0.65])
    compared = np.full(3, 150)
    agreeing = np.array([90, 66, 90])  # 60%: well above the bar; 44%: at chance; 60%, gold low
    chance, typical = np.full(3, 0.40), 0.62
    bar = 0.40 + 0.25 * (typical - 0.40)
    assert lower(66, 150) < bar < lower(90, 150)
    vouched = vouched_by_agreement(gold_upper, agreeing, compared, chance, typical, 0.70)
    assert vouched.tolist() == [True, False, False]


def test_nothing_vouches_without_a_crowd_signal_or_enough_compared() -> None:
    args = (np.array([0.9]), np.array([25]), np.array([25]), np.array([0.4]))
    assert not vouched_by_agreement(*args, None, 0.70)[0]  # no trusted crowd
    assert not vouched_by_agreement(*args, 0.4, 0.70)[0]  # the crowd agrees at chance
    assert not vouched_by_agreement(*args[:3], np.array([0.0]), 0.9, 0.70)[0]  # 25 < 30 compared


def crowd(seed: int, unlucky_gold: tuple[int, int] = (13, 20)) -> tuple[Judgments, dict[str, int]]:
    """Twelve careful annotators (gold 20 of 20, right on 85% of 200 regular items), one
    unlucky careful one (``unlucky_gold``, right of seen: 13 of 20, a mean of 0.64, under 0.70)
    and one random clicker with 13 of 20 gold. Every regular item is judged by everyone; its
    answer is a or b."""
    rng = np.random.default_rng(seed)
    truth = np.where(rng.random(200) < 0.5, -1, 1)
    people = {"careful": 12, "unlucky": 12, "clicker": 13}
    rows = []
    for annotator in range(14):
        right_gold, seen = (20, 20) if annotator < 12 else (13, 20)
        if annotator == people["unlucky"]:
            right_gold, seen = unlucky_gold
        rows += [(annotator, 1000 + g, -1 if g < right_gold else 1, -1) for g in range(seen)]
        if annotator == people["clicker"]:
            answers = rng.choice([-2, -1, 0, 1, 2], truth.size)
        else:
            answers = np.where(rng.random(truth.size) < 0.85, truth, -truth)
        rows += [(annotator, item, int(answers[item]), 0) for item in range(truth.size)]
    annotator, comparison, verdict, gold = (np.array(c) for c in zip(*rows, strict=True))
    judgments = Judgments(
        annotator, comparison, verdict, annotator % 2 == 0, np.full(annotator.size, 20.0), gold, 14
    )
    return judgments, people


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_unlucky_careful_annotator_is_vouched_for_and_a_clicker_is_not(seed: int) -> None:
    judgments, people = crowd(seed)
    scores = score_annotators(judgments)
    unlucky, clicker = scores[people["unlucky"]], scores[people["clicker"]]
    assert unlucky.trusted is False and clicker.trusted is False  # gold alone: both under 0.70
    assert VOUCHED in unlucky.flags and UNTRUSTED in unlucky.flags and unlucky.votes_count
    assert unlucky.accepted == 200
    assert VOUCHED not in clicker.flags and not clicker.votes_count
    counted = accepted_judgments(judgments, scores)
    assert counted[judgments.annotator == people["unlucky"]].sum() == 200
    assert not counted[judgments.annotator == people["clicker"]].any()
    assert all(score.trusted and VOUCHED not in score.flags for score in scores[:12])


def test_one_gold_judgment_is_enough_to_be_vouched_for_and_none_is_not() -> None:
    # Who met no gold has shown nothing gold could check: agreement alone does not count.
    unseen = score_annotators(crowd(0, unlucky_gold=(0, 0))[0])[12]
    assert unseen.gold_seen == 0 and VOUCHED not in unseen.flags and not unseen.votes_count
    once = score_annotators(crowd(0, unlucky_gold=(1, 1))[0])[12]
    assert once.trusted is False and VOUCHED in once.flags and once.votes_count


def test_honest_people_on_hard_items_are_not_gold_spotters() -> None:
    """Gold is clear-cut (all right) but regular items are close calls, so careful people
    agree only ~56% of the time: far below gold, yet typical of the crowd and above chance."""
    rng = np.random.default_rng(7)
    truth = np.where(rng.random(300) < 0.5, -1, 1)
    rows = []
    for annotator in range(10):
        rows += [(annotator, 1000 + g, -1, -1) for g in range(40)]
        answers = np.where(rng.random(truth.size) < 0.62, truth, -truth)
        rows += [(annotator, item, int(answers[item]), 0) for item in range(truth.size)]
    annotator, comparison, verdict, gold = (np.array(c) for c in zip(*rows, strict=True))
    judgments = Judgments(
        annotator, comparison, verdict, annotator % 2 == 0, np.full(annotator.size, 20.0), gold, 10
    )
    scores = score_annotators(judgments)
    # Far below gold: the agreement clears even the old rule's bar (gold lower bound - margin).
    assert all(score.agreement is not None and score.agreement < 0.62 for score in scores)
    assert all(score.accuracy_lower - FlagSettings().spotter_margin > 0.7 for score in scores)
    assert all(GOLD_SPOTTER not in score.flags and score.votes_count for score in scores)


def test_a_vouched_annotator_scores_nothing_in_the_participant_ranking() -> None:
    judgments, people = crowd(0)
    scores = score_annotators(judgments)
    ranking = {row.handle: row for row in rank_participants([str(k) for k in range(14)], scores)}
    unlucky = ranking[str(people["unlucky"])]
    assert unlucky.accepted == 200 and unlucky.score == 0.0  # counted for ratings, not the prize
    assert ranking["0"].score > 0.0
