"""A campaign without gold counts every vote; gold spotters and annotators at chance are
flagged and left out.

The `gold_spotter` rule (scoring.numerics.flags): agreement with the trusted others' consensus
on regular comparisons far below the gold accuracy and close to chance (measured against the
crowd's typical agreement), on bounds, with minimum evidence.

The `at_chance` rule: a trusted annotator's votes count only if their regular answers agree
with the trusted consensus better than chance. The upper end of the agreement's 95% interval
must reach the annotator's chance agreement plus four fifths of the way to the crowd's typical
agreement, over at least 30 compared judgments; otherwise they are flagged and, while the
campaign leaves out gold spotters, their votes do not count. The mirror of `vouched`.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import beta

from scoring.numerics.annotators import (
    GoldSettings,
    Judgments,
    accepted_judgments,
    score_annotators,
)
from scoring.numerics.flags import (
    AT_CHANCE,
    GOLD_SPOTTER,
    UNTRUSTED,
    FlagSettings,
    at_chance,
    gold_spotters,
    typical_agreement,
)

GOLD_ITEMS = 10
REGULAR_ITEMS = 60
ITEMS = 200  # left_crowd's regular items
CAREFUL, LEFT, MODEST = range(12), 12, 13


def crowd(spotter_agrees: bool = False, gold: bool = True, untrusted: int = 0) -> Judgments:
    """Annotators 0-3 answer everything right (a wins every regular comparison); annotator 4
    answers gold right and, unless ``spotter_agrees``, prefers b on every regular one; the
    ``untrusted`` annotators after them answer everything wrong."""
    rows = []
    for annotator in range(5 + untrusted):
        if gold:
            verdict = 1 if annotator >= 5 else -1
            rows += [(annotator, 1000 + item, verdict, -1) for item in range(GOLD_ITEMS)]
        careless = annotator >= 5 or (annotator == 4 and not spotter_agrees)
        rows += [(annotator, item, 1 if careless else -1, 0) for item in range(REGULAR_ITEMS)]
    annotator, comparison, verdict, gold_side = (np.array(c) for c in zip(*rows, strict=True))
    return Judgments(
        annotator=annotator,
        comparison=comparison,
        verdict=verdict,
        a_on_left=np.arange(annotator.size) % 2 == 0,
        seconds=np.full(annotator.size, 20.0),
        gold=gold_side,
        n_annotators=5 + untrusted,
    )


def upper(agreeing: int, compared: int) -> float:
    return float(beta.ppf(0.975, 1 + agreeing, 1 + compared - agreeing))


def test_the_rule_needs_the_agreement_far_below_gold_and_close_to_chance() -> None:
    """(a) the agreement's upper bound under the gold lower bound minus the margin, and (b)
    under chance plus nine tenths of the way to the crowd's typical agreement."""
    settings = FlagSettings()
    gold_lower = np.full(3, beta.ppf(0.025, 1 + 40, 1 + 0))  # 40 of 40 gold right: about 0.91
    chance, typical = np.full(3, 0.40), 0.70
    bar = min(gold_lower[0] - settings.spotter_margin, 0.40 + settings.spotter_signal_share * 0.30)
    agreeing = np.array([12, 26, 24])  # of 40: far below; far above; just above the bar
    assert upper(12, 40) < bar < upper(24, 40) < upper(26, 40)
    flagged = gold_spotters(
        gold_lower, np.full(3, 40), agreeing, np.full(3, 40), chance, typical, settings
    )
    assert flagged.tolist() == [True, False, False]


def test_hard_regular_items_are_no_gold_spotting_when_the_crowd_agrees_as_little() -> None:
    """Far below gold (a) but at the crowd's typical agreement, well above chance: not (b)."""
    gold_lower = np.array([beta.ppf(0.025, 1 + 40, 1 + 0)])
    assert upper(620, 1000) < gold_lower[0] - FlagSettings().spotter_margin  # (a) holds
    flagged = gold_spotters(
        gold_lower, np.array([40]), np.array([620]), np.array([1000]), np.array([0.5]), 0.62
    )
    assert not flagged[0]


def test_agreement_at_chance_with_gold_not_far_above_is_no_gold_spotting() -> None:
    """(b) holds, (a) does not: gold accuracy as low as the agreement is plain carelessness
    (the gold rule's business), not gold spotting."""
    gold_lower = np.array([beta.ppf(0.025, 1 + 12, 1 + 8)])  # 12 of 20: about 0.39
    flagged = gold_spotters(
        gold_lower, np.array([20]), np.array([16]), np.array([40]), np.array([0.4]), 0.7
    )
    assert not flagged[0]


@pytest.mark.parametrize(
    ("gold_seen", "compared"),
    [(4, 100), (20, 29)],  # too little gold, too few regular judgments compared
)
def test_the_rule_needs_minimum_evidence(gold_seen: int, compared: int) -> None:
    flagged = gold_spotters(
        np.array([0.9]),
        np.array([gold_seen]),
        np.array([0]),
        np.array([compared]),
        np.array([0.4]),
        0.7,
    )
    assert not flagged[0]


def test_without_a_trusted_crowd_to_compare_with_nobody_is_a_gold_spotter() -> None:
    assert typical_agreement(np.array([0.9]), np.array([29]), np.array([True])) is None
    flagged = gold_spotters(
        np.array([0.9]), np.array([20]), np.array([0]), np.array([100]), np.array([0.4]), None
    )
    assert not flagged[0]


def test_the_typical_agreement_is_the_trusted_median_with_enough_compared() -> None:
    agreement = np.array([0.9, 0.6, 0.7, 0.1, 0.2])
    compared = np.array([30, 30, 30, 30, 5])
    trusted = np.array([True, True, True, False, True])
    assert typical_agreement(agreement, compared, trusted) == pytest.approx(0.7)


def test_a_gold_spotter_is_flagged_and_their_regular_votes_do_not_count() -> None:
    judgments = crowd()
    scores = score_annotators(judgments)
    spotter = scores[4]
    assert spotter.trusted is True  # gold alone trusts them
    assert GOLD_SPOTTER in spotter.flags and not spotter.votes_count and spotter.accepted == 0
    assert all(GOLD_SPOTTER not in score.flags for score in scores[:4])
    assert not accepted_judgments(judgments, scores)[judgments.annotator == 4].any()


def test_the_untrusted_do_not_lower_the_typical_agreement_the_rule_measures_against() -> None:
    # Over everyone the median agreement would be nil (five of nine agree with nobody), and
    # nobody would look close to chance next to it.
    scores = score_annotators(crowd(untrusted=4))
    assert [score.trusted for score in scores[5:]] == [False] * 4
    assert GOLD_SPOTTER in scores[4].flags


def test_a_campaign_may_keep_gold_spotters_votes() -> None:
    scores = score_annotators(crowd(), gold=GoldSettings(exclude_gold_spotters=False))
    assert GOLD_SPOTTER in scores[4].flags
    assert scores[4].votes_count and scores[4].accepted == REGULAR_ITEMS


def test_agreeing_with_the_others_is_no_gold_spotting() -> None:
    scores = score_annotators(crowd(spotter_agrees=True))
    assert all(score.votes_count and GOLD_SPOTTER not in score.flags for score in scores)


def test_without_gold_nobody_is_vetted_and_every_vote_counts() -> None:
    judgments = crowd(gold=False)
    scores = score_annotators(judgments, gold=GoldSettings(has_gold=False))
    assert all(score.trusted is None and score.votes_count for score in scores)
    assert all(score.accuracy is None and score.accuracy_lower is None for score in scores)
    assert all(UNTRUSTED not in score.flags for score in scores)
    assert accepted_judgments(judgments, scores).all()


def test_with_gold_nobody_is_trusted_on_no_evidence_even_at_min_gold_seen_zero() -> None:
    judgments = crowd(gold=False)
    lenient = GoldSettings(min_gold_seen=0, min_gold_accuracy=0.0)
    scores = score_annotators(judgments, gold=lenient)
    assert all(score.trusted is False and not score.votes_count for score in scores)
    assert all(score.accuracy is None and UNTRUSTED in score.flags for score in scores)


def test_at_chance_flags_an_upper_bound_short_of_four_fifths_of_the_crowd_signal() -> None:
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


def left_crowd() -> Judgments:
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
    judgments = left_crowd()
    scores = score_annotators(judgments)
    left, modest = scores[LEFT], scores[MODEST]
    assert left.trusted is True and left.accuracy == 16 / 20  # gold alone lets them through
    assert left.agreement == 0.5 and modest.agreement == 0.78
    # The spotter rule misses them: their gold is too modest to be far above their agreement.
    assert GOLD_SPOTTER not in left.flags
    assert AT_CHANCE in left.flags and not left.votes_count and left.accepted == 0
    assert not accepted_judgments(judgments, scores)[judgments.annotator == LEFT].any()


def test_an_honest_annotator_with_modest_agreement_is_not_at_chance() -> None:
    scores = score_annotators(left_crowd())
    modest = scores[MODEST]
    # typical 0.85 (the careful median), chance 0.5: the bar is 0.78; 156 of 200 reach above it
    bar = 0.5 + FlagSettings().chance_signal_share * (0.85 - 0.5)
    assert upper(100, 200) < bar < upper(156, 200)
    assert modest.trusted is True and AT_CHANCE not in modest.flags
    assert modest.votes_count and modest.accepted == ITEMS
    assert all(AT_CHANCE not in scores[k].flags and scores[k].votes_count for k in CAREFUL)


def test_a_campaign_keeping_gold_spotters_votes_keeps_theirs_too() -> None:
    scores = score_annotators(left_crowd(), gold=GoldSettings(exclude_gold_spotters=False))
    assert AT_CHANCE in scores[LEFT].flags  # still shown to the organiser
    assert scores[LEFT].votes_count and scores[LEFT].accepted == ITEMS
