"""The trust rule (campaign.participants.trust): states, accuracy, and whose votes count."""

from __future__ import annotations

import pytest

from campaign.models import Campaign
from campaign.participants.trust import Trust, TrustState, assess_trust


def thresholds(min_gold_seen: int = 5, min_gold_accuracy: float = 0.7) -> Campaign:
    return Campaign(min_gold_seen=min_gold_seen, min_gold_accuracy=min_gold_accuracy)


@pytest.mark.parametrize(
    ("seen", "correct", "state", "votes_count"),
    [
        (0, 0, TrustState.QUALIFYING, False),
        (4, 4, TrustState.QUALIFYING, False),  # perfect, but not enough gold yet
        (5, 5, TrustState.TRUSTED, True),  # mean 6/7
        (5, 4, TrustState.TRUSTED, True),  # mean 5/7 = 0.714
        (5, 3, TrustState.UNTRUSTED, False),  # mean 4/7 = 0.571
        (10, 7, TrustState.UNTRUSTED, False),  # mean 8/12 = 0.667
    ],
)
def test_states_by_the_campaign_thresholds(seen, correct, state, votes_count) -> None:
    trust = assess_trust(seen=seen, correct=correct, thresholds=thresholds())
    assert (trust.state, trust.votes_count) == (state, votes_count)


def test_nobody_has_an_accuracy_before_any_gold() -> None:
    assert assess_trust(seen=0, correct=0, thresholds=thresholds()).accuracy is None
    assert assess_trust(seen=2, correct=1, thresholds=thresholds()).accuracy == 0.5


def test_with_min_gold_seen_zero_nobody_is_trusted_on_no_gold() -> None:
    # Nobody is trusted or untrusted on no gold (PRODUCT.md "Scoring"), and their votes do not
    # count on the prior alone, however lenient the thresholds (issue 12).
    lenient = assess_trust(seen=0, correct=0, thresholds=thresholds(0, 0.0))
    strict = assess_trust(seen=0, correct=0, thresholds=thresholds(0, 0.7))
    assert lenient.state == strict.state == TrustState.QUALIFYING
    assert (lenient.votes_count, strict.votes_count) == (False, False)
    one_right = assess_trust(seen=1, correct=1, thresholds=thresholds(0, 0.6))  # mean 2/3
    assert one_right.state == TrustState.TRUSTED


def test_a_campaign_without_gold_vets_nobody_and_counts_every_vote() -> None:
    trust = assess_trust(seen=0, correct=0, thresholds=thresholds(), has_gold=False)
    assert trust == Trust(state=TrustState.UNVETTED, accuracy=None, votes_count=True)
