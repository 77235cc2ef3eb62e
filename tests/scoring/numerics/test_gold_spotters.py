"""A campaign without gold counts every vote; gold spotters are flagged and left out.

The `gold_spotter` rule (scoring.numerics.flags): agreement with the trusted others' consensus
on regular comparisons far below the gold accuracy, on bounds, with minimum evidence.
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
from scoring.numerics.flags import GOLD_SPOTTER, UNTRUSTED, FlagSettings, gold_spotters

GOLD_ITEMS = 10
REGULAR_ITEMS = 60


def crowd(spotter_agrees: bool = False, gold: bool = True) -> Judgments:
    """Annotators 0-3 answer everything right (a wins every regular comparison); annotator 4
    answers gold right and, unless ``spotter_agrees``, prefers b on every regular one."""
    rows = []
    for annotator in range(5):
        if gold:
            rows += [(annotator, 1000 + item, -1, -1) for item in range(GOLD_ITEMS)]
        careless = annotator == 4 and not spotter_agrees
        rows += [(annotator, item, 1 if careless else -1, 0) for item in range(REGULAR_ITEMS)]
    annotator, comparison, verdict, gold_side = (np.array(c) for c in zip(*rows, strict=True))
    return Judgments(
        annotator=annotator,
        comparison=comparison,
        verdict=verdict,
        a_on_left=np.arange(annotator.size) % 2 == 0,
        seconds=np.full(annotator.size, 20.0),
        gold=gold_side,
        n_annotators=5,
    )


def test_the_rule_compares_the_agreement_upper_bound_with_the_gold_lower_bound() -> None:
    settings = FlagSettings()
    gold_lower = beta.ppf(0.025, 1 + 20, 1 + 0)  # 20 of 20 gold right: about 0.84
    # 40 compared: agreeing 12 (upper about 0.46) is far below; 26 (upper about 0.78) is not.
    flagged = gold_spotters(
        np.full(2, gold_lower), np.full(2, 20), np.array([12, 26]), np.full(2, 40), settings
    )
    assert flagged.tolist() == [True, False]


@pytest.mark.parametrize(
    ("gold_seen", "compared"),
    [(4, 100), (20, 29)],  # too little gold, too few regular judgments compared
)
def test_the_rule_needs_minimum_evidence(gold_seen: int, compared: int) -> None:
    flagged = gold_spotters(
        np.array([0.9]), np.array([gold_seen]), np.array([0]), np.array([compared])
    )
    assert not flagged[0]


def test_a_gold_spotter_is_flagged_and_their_regular_votes_do_not_count() -> None:
    judgments = crowd()
    scores = score_annotators(judgments)
    spotter = scores[4]
    assert spotter.trusted is True  # gold alone trusts them
    assert GOLD_SPOTTER in spotter.flags and not spotter.votes_count and spotter.accepted == 0
    assert all(GOLD_SPOTTER not in score.flags for score in scores[:4])
    assert not accepted_judgments(judgments, scores)[judgments.annotator == 4].any()


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
