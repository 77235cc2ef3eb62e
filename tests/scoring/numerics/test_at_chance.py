"""The `at_chance` rule (scoring.numerics.flags): a trusted annotator's votes count only if
their regular answers agree with the trusted consensus better than chance.

The upper end of the agreement's 95% interval must reach the annotator's chance agreement
plus four fifths of the way to the crowd's typical agreement, over at least 30 compared
judgments; otherwise they are flagged and, while the campaign leaves out gold spotters,
their votes do not count. The mirror of `vouched`.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import beta

from scoring.numerics.annotators import (
    GoldSettings,
    Judgments,
    accepted_judgments,
    score_annotators,
)
from scoring.numerics.flags import AT_CHANCE, GOLD_SPOTTER, FlagSettings, at_chance

ITEMS = 200
CAREFUL, LEFT, MODEST = range(12), 12, 13


def upper(agreeing: int, compared: int) -> float:
    return float(beta.ppf(0.975, 1 + agreeing, 1 + compared - agreeing))


def test_the_rule_flags_an_upper_bound_short_of_four_fifths_of_the_crowd_signal() -> None:
    compared = np.full(3, 150)
    agreeing = np.array([75, 111, 120])  # 50%: at chance; 74% and 80%: modest and typical
    chance, typical = np.full(3, 0.50), 0.80
    bar = 0.50 + FlagSettings().chance_signal_share * (typical - 0.50)
    assert upper(75, 150) < bar < upper(111, 150)
    assert at_chance(agreeing, compared, chance, typical).tolist() == [True, False, False]


def test_nothing_is_at_chance_without_a_crowd_signal_or_enough_compared() -> None:
    args = (np.array([15]), np.array([30]), np.array([0.5]))
    assert at_chance(*args, 0.8)[0]  # 30 compared, agreeing at chance: flagged
    assert not at_chance(*args, None)[0]  # no trusted crowd to compare with
    assert not at_chance(*args, 0.5)[0]  # the crowd itself agrees at chance
    assert not at_chance(np.array([14]), np.array([29]), np.array([0.5]), 0.8)[0]  # 29 < 30


def crowd() -> Judgments:
    """Twelve careful annotators (gold 20 of 20, right on 85% of 200 regular items, each wrong
    on different items, so the consensus is the truth), one lucky always-left annotator (15
    of 18 gold right: trusted; on regular items the left response, shown on the left half the
    time whatever the truth) and one modest honest annotator (16 of 20 gold, right on 78% of
    regular items). Every regular item is judged by everyone; its answer is a or b."""
    item = np.arange(ITEMS)
    truth = np.where(item % 2 == 0, -1, 1)
    a_on_left = (item // 2) % 2 == 0  # a left on half the a items and half the b items
    rows: list[tuple[int, int, int, int, bool]] = []
    for annotator in range(14):
        seen, right = (18, 15) if annotator == LEFT else (20, 16 if annotator == MODEST else 20)
        rows += [(annotator, 1000 + g, -1 if g < right else 1, -1, True) for g in range(seen)]
        if annotator == LEFT:
            answers = np.where(a_on_left, -1, 1)
        elif annotator == MODEST:
            answers = np.where(item % 50 < 39, truth, -truth)
        else:
            answers = np.where((item + 2 * annotator) % 20 < 17, truth, -truth)
        rows += [(annotator, k, int(answers[k]), 0, bool(a_on_left[k])) for k in item]
    annotator, comparison, verdict, gold, left = (np.array(c) for c in zip(*rows, strict=True))
    seconds = np.full(annotator.size, 20.0)
    return Judgments(annotator, comparison, verdict, left, seconds, gold, 14)


def test_a_lucky_always_left_annotator_is_at_chance_and_their_votes_do_not_count() -> None:
    judgments = crowd()
    scores = score_annotators(judgments)
    left, modest = scores[LEFT], scores[MODEST]
    assert left.trusted is True and left.accuracy == 16 / 20  # gold alone lets them through
    assert left.agreement == 0.5 and modest.agreement == 0.78
    # The spotter rule misses them: their gold is too modest to be far above their agreement.
    assert GOLD_SPOTTER not in left.flags
    assert AT_CHANCE in left.flags and not left.votes_count and left.accepted == 0
    assert not accepted_judgments(judgments, scores)[judgments.annotator == LEFT].any()


def test_an_honest_annotator_with_modest_agreement_is_not_at_chance() -> None:
    scores = score_annotators(crowd())
    modest = scores[MODEST]
    # typical 0.85 (the careful median), chance 0.5: the bar is 0.78; 156 of 200 reach above it
    bar = 0.5 + FlagSettings().chance_signal_share * (0.85 - 0.5)
    assert upper(100, 200) < bar < upper(156, 200)
    assert modest.trusted is True and AT_CHANCE not in modest.flags
    assert modest.votes_count and modest.accepted == ITEMS
    assert all(AT_CHANCE not in scores[k].flags and scores[k].votes_count for k in CAREFUL)


def test_a_campaign_keeping_gold_spotters_votes_keeps_theirs_too() -> None:
    scores = score_annotators(crowd(), gold=GoldSettings(exclude_gold_spotters=False))
    assert AT_CHANCE in scores[LEFT].flags  # still shown to the organiser
    assert scores[LEFT].votes_count and scores[LEFT].accepted == ITEMS
