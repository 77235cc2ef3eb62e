"""A campaign without gold counts every vote; gold spotters are flagged and left out.

The `gold_spotter` rule (scoring.numerics.flags): agreement with the trusted others' consensus
on regular comparisons far below the gold accuracy and close to chance (measured against the
crowd's typical agreement), on bounds, with minimum evidence.
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
    GOLD_SPOTTER,
    UNTRUSTED,
    FlagSettings,
    gold_spotters,
    typical_agreement,
)

GOLD_ITEMS = 10
REGULAR_ITEMS = 60


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
