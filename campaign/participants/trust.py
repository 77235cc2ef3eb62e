"""The trust rule (PRODUCT.md "Scoring"), once, beside the campaign's gold thresholds.

From the gold an annotator has judged, and judged correctly:

- the accuracy is the posterior mean under a Beta(1, 1) prior, (correct + 1) / (seen + 2), and
  there is none before the first gold judgment (shown "—", never 50%);
- their votes count toward the ratings ("trusted" in the snapshot) once they have judged
  ``min_gold_seen`` gold with a mean of at least ``min_gold_accuracy``;
- their state (TrustState), as the participant sees it and as ``block_untrusted`` acts on it,
  is *qualifying* until they have judged ``min_gold_seen`` gold and at least one (nobody is judged
  on no gold), then *trusted* or *untrusted* as their votes count or not.

The two differ only when ``min_gold_seen`` is 0: an annotator who met no gold is qualifying,
yet their votes count if the prior mean (0.5) clears ``min_gold_accuracy``. Campaigns of
imported votes without gold rely on that today (``campaign.demo.votes``, "min gold seen 0");
issue 12 replaces it with "a campaign without gold uses every vote".

scoring.numerics.annotators applies the same rule to all annotators at once (numpy, no Django);
tests/scoring/numerics/test_trust_rule.py checks on random inputs that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.db.models import Count, Q

from accounts.models import User
from campaign.models import Campaign, Enrollment, Judgment, TrustState


class GoldThresholds(Protocol):
    """A campaign's two gold settings (Campaign, or scoring's GoldSettings)."""

    @property
    def min_gold_seen(self) -> int: ...

    @property
    def min_gold_accuracy(self) -> float: ...


@dataclass(frozen=True)
class Trust:
    state: TrustState
    accuracy: float | None  # Beta(1, 1) posterior mean; None before any gold
    votes_count: bool  # the judgments feed the ratings ("trusted" in a snapshot)


@dataclass(frozen=True)
class GoldRecord:
    seen: int
    correct: int


def accuracy_mean(*, seen: int, correct: int) -> float:
    """Posterior mean of gold accuracy under a Beta(1, 1) prior (0.5 before any gold)."""
    return (correct + 1) / (seen + 2)


def assess_trust(*, seen: int, correct: int, thresholds: GoldThresholds) -> Trust:
    """The rule above for one annotator with ``seen`` gold judged, ``correct`` of them right."""
    mean = accuracy_mean(seen=seen, correct=correct)
    votes_count = seen >= thresholds.min_gold_seen and mean >= thresholds.min_gold_accuracy
    return Trust(
        state=trust_state(
            seen=seen, votes_count=votes_count, min_gold_seen=thresholds.min_gold_seen
        ),
        accuracy=None if seen == 0 else mean,
        votes_count=votes_count,
    )


def trust_state(*, seen: int, votes_count: bool, min_gold_seen: int) -> TrustState:
    """The state from gold seen and whether the votes count (as a snapshot row stores them)."""
    if seen < max(min_gold_seen, 1):
        return TrustState.QUALIFYING
    return TrustState.TRUSTED if votes_count else TrustState.UNTRUSTED


def gold_record(*, annotator: User | int, campaign: Campaign) -> GoldRecord:
    """Gold judged and judged correctly by one annotator (small: bounded by the gold pool)."""
    totals = Judgment.objects.filter(
        annotator=annotator, campaign=campaign, is_gold=True
    ).aggregate(seen=Count("pk"), correct=Count("pk", filter=Q(correct=True)))
    return GoldRecord(seen=totals["seen"], correct=totals["correct"])


# A participant's standing is re-assessed once per this many of their own judgments.
STANDING_STEP = 10


def settle_standing(enrollment: Enrollment) -> None:
    """Re-assess the participant's standing when their judgments complete a step.

    Called by every judge path right after a new judgment, under the enrolment's row lock
    (``enrollment.judged`` already counts it). The state changes only on a participant's
    every STANDING_STEP-th judgment, from all of their gold so far, so neither their progress
    page nor a ``block_untrusted`` refusal follows a single gold item: the step's items are
    indistinguishable in it. The step's request does the same two statements whatever the
    items were, and every other request none.
    """
    if enrollment.judged % STANDING_STEP:
        return
    record = gold_record(annotator=enrollment.user_id, campaign=enrollment.campaign)
    trust = assess_trust(seen=record.seen, correct=record.correct, thresholds=enrollment.campaign)
    Enrollment.objects.filter(pk=enrollment.pk).update(standing=trust.state)
    enrollment.standing = trust.state
