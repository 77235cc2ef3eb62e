"""The trust rule as participants meet it, each case with one outcome: who is blocked, when,
and on whose gold (campaign.participants.trust; standing is settled per STANDING_STEP)."""

from __future__ import annotations

import pytest

from campaign.annotate.assignment import next_assignment
from campaign.exceptions import ParticipationBlocked
from campaign.models import Comparison, Enrollment, TrustState
from campaign.participants.trust import STANDING_STEP, assess_trust
from tests.builders import (
    judge_preferring,
    make_campaign,
    make_comparisons,
    make_participant,
    work_through,
)

pytestmark = pytest.mark.django_db


def test_an_unqualified_participant_is_not_blocked_before_seeing_any_gold():
    # min_gold_seen 0 still means "judge at least one check": nobody is untrusted on no evidence
    # (the prior's mean, 0.5, is below the threshold here).
    campaign = make_campaign(
        qualification_gold=0,
        gold_rate=0.0,
        min_gold_seen=0,
        min_gold_accuracy=0.9,
        block_untrusted=True,
    )
    make_comparisons(campaign, 1)

    assert next_assignment(annotator=make_participant(campaign), campaign=campaign) is not None


def test_a_participant_with_no_gold_scored_is_qualifying_even_when_min_gold_seen_is_zero():
    campaign = make_campaign(min_gold_seen=0, min_gold_accuracy=0.9)

    trust = assess_trust(seen=0, correct=0, thresholds=campaign)

    assert (trust.state, trust.accuracy) == (TrustState.QUALIFYING, None)


def answer_gold(annotator, campaign, answers: list[bool]) -> None:
    """Lease gold ``len(answers)`` times (gold is due on every item) and answer each right or
    wrong in turn, whichever gold item comes; then finish the participant's first step of
    STANDING_STEP judgments with regular items, which is when their standing is settled."""
    for right in answers:
        lease = next_assignment(annotator=annotator, campaign=campaign)
        assert lease.is_gold
        gold_side = Comparison.objects.get(pk=lease.comparison_id).gold_side
        wrong_side = "b" if gold_side == "a" else "a"
        judge_preferring(annotator, campaign, lease, prefer=gold_side if right else wrong_side)
    work_through(annotator, campaign, items=STANDING_STEP - len(answers))


def trust_campaign(*, gold: int, **settings):
    campaign = make_campaign(block_untrusted=True, qualification_gold=0, gold_rate=1.0, **settings)
    make_comparisons(campaign, 2 * STANDING_STEP, gold=gold)
    return campaign


def test_trust_counts_only_the_participants_own_gold_answers():
    campaign = trust_campaign(gold=2, min_gold_seen=2, min_gold_accuracy=0.7)
    careless, newcomer = make_participant(campaign), make_participant(campaign)
    answer_gold(careless, campaign, [False, False])

    with pytest.raises(ParticipationBlocked):
        next_assignment(annotator=careless, campaign=campaign)
    assert next_assignment(annotator=newcomer, campaign=campaign) is not None


def test_a_participant_who_answers_gold_right_goes_on():
    campaign = trust_campaign(gold=2, min_gold_seen=2, min_gold_accuracy=0.7)
    careful = make_participant(campaign)
    answer_gold(careful, campaign, [True, True])  # posterior mean 3/4

    assert next_assignment(annotator=careful, campaign=campaign) is not None


def test_with_min_gold_seen_one_the_first_check_decides():
    campaign = trust_campaign(gold=1, min_gold_seen=1, min_gold_accuracy=0.7)
    careless = make_participant(campaign)
    answer_gold(careless, campaign, [False])  # posterior mean 1/3

    with pytest.raises(ParticipationBlocked):
        next_assignment(annotator=careless, campaign=campaign)


def test_an_accuracy_exactly_at_the_threshold_is_trusted():
    campaign = trust_campaign(gold=2, min_gold_seen=2, min_gold_accuracy=0.5)
    participant = make_participant(campaign)
    answer_gold(participant, campaign, [True, False])  # posterior mean 2/4

    assert next_assignment(annotator=participant, campaign=campaign) is not None


def test_a_new_participant_stands_as_qualifying():
    campaign = make_campaign()
    newcomer = make_participant(campaign)

    standing = Enrollment.objects.get(campaign=campaign, user=newcomer).standing

    assert standing == TrustState.QUALIFYING


def test_with_min_gold_seen_one_a_single_scored_check_gives_a_trust_state():
    campaign = make_campaign(min_gold_seen=1, min_gold_accuracy=0.6)

    # One right check (mean 2/3) clears 0.6; one wrong one (mean 1/3) does not.
    states = [
        assess_trust(seen=1, correct=correct, thresholds=campaign).state for correct in (1, 0)
    ]

    assert states == [TrustState.TRUSTED, TrustState.UNTRUSTED]
