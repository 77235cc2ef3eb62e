"""The trust rule (PRODUCT.md "Scoring"), once, beside the campaign's gold thresholds.

From the gold an annotator has judged, and judged correctly:

- the accuracy is the posterior mean under a Beta(1, 1) prior, (correct + 1) / (seen + 2), and
  there is none before the first gold judgment (shown "—", never 50%);
- they are trusted, and their votes count toward the ratings, once they have judged
  ``min_gold_seen`` gold, and at least one (nobody is trusted on no evidence), with a mean of
  at least ``min_gold_accuracy``;
- their state (TrustState), as the participant sees it and as ``block_untrusted`` acts on it,
  is *qualifying* until then, and *trusted* or *untrusted* after;
- a campaign without gold comparisons cannot vet anyone: everyone is *unvetted* ("not vetted
  (no gold)") and every vote counts, whatever the thresholds.

The scoring job may also leave out a trusted annotator's votes as a gold spotter or at
chance (scoring.numerics.flags); that takes the regular judgments, which a participant's
standing never looks at.

scoring.numerics.annotators applies the same rule to all annotators at once (numpy, no Django);
tests/scoring/numerics/test_trust_rule.py checks on random inputs that the two agree.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Protocol

from django.db import connection
from django.db.models import Count, Q

from accounts.models import User
from campaign.models import Campaign, Comparison, Enrollment, Judgment, TrustState, gold_pool


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
    votes_count: bool  # the judgments feed the ratings (trusted, or unvetted)


@dataclass(frozen=True)
class GoldRecord:
    seen: int
    correct: int


def accuracy_mean(*, seen: int, correct: int) -> float:
    """Posterior mean of gold accuracy under a Beta(1, 1) prior (0.5 before any gold)."""
    return (correct + 1) / (seen + 2)


def assess_trust(
    *, seen: int, correct: int, thresholds: GoldThresholds, has_gold: bool = True
) -> Trust:
    """The rule above for one annotator with ``seen`` gold judged, ``correct`` of them right,
    in a campaign with gold comparisons (``has_gold``) or without."""
    if not has_gold:
        return Trust(state=TrustState.UNVETTED, accuracy=None, votes_count=True)
    mean = accuracy_mean(seen=seen, correct=correct)
    trusted = seen >= max(thresholds.min_gold_seen, 1) and mean >= thresholds.min_gold_accuracy
    return Trust(
        state=trust_state(seen=seen, trusted=trusted, min_gold_seen=thresholds.min_gold_seen),
        accuracy=None if seen == 0 else mean,
        votes_count=trusted,
    )


def trust_state(*, seen: int, trusted: bool | None, min_gold_seen: int) -> TrustState:
    """The state from gold seen and ``trusted`` as a snapshot row stores it (None: no gold)."""
    if trusted is None:
        return TrustState.UNVETTED
    if seen < max(min_gold_seen, 1):
        return TrustState.QUALIFYING
    return TrustState.TRUSTED if trusted else TrustState.UNTRUSTED


def campaign_has_gold(campaign: Campaign) -> bool:
    """Whether the campaign has gold comparisons, so that anyone can be vetted (one query).

    The gold pool's partial index answers it (campaign.models.gold_pool): a NOT EQUAL, or the
    sides as bound parameters, made PostgreSQL walk the regular comparisons instead.
    """
    return gold_pool(campaign).exists()


def shown_standing(enrollment: Enrollment) -> TrustState:
    """The standing a participant's page shows: their settled one, or *unvetted* while the
    campaign has no gold (a campaign-wide fact, so it tells nothing about single items)."""
    if not campaign_has_gold(enrollment.campaign):
        return TrustState.UNVETTED
    return TrustState(enrollment.standing)


def gold_record(*, annotator: User | int, campaign: Campaign) -> GoldRecord:
    """Gold judged and judged correctly by one annotator (small: bounded by the gold pool).

    The judge path reads the same counts with `_standing_sql`; this plain ORM form is its
    reference (tests/campaign/participants/test_trust.py compares the two)."""
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
    with connection.cursor() as cursor:
        cursor.execute(
            _standing_sql(),
            {"campaign": enrollment.campaign_id, "annotator": enrollment.user_id},
        )
        seen, correct, has_gold = cursor.fetchone()
    trust = assess_trust(
        seen=seen, correct=correct, thresholds=enrollment.campaign, has_gold=bool(has_gold)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Enrollment._meta.db_table} SET standing = %s WHERE id = %s",  # noqa: S608
            [trust.state.value, enrollment.pk],
        )
    enrollment.standing = trust.state


@functools.lru_cache(maxsize=1)
def _standing_sql() -> str:
    """gold_record and campaign_has_gold in one statement (aggregates: always one row).

    Written out: on the step's judge request the ORM took longer to build these two queries
    than PostgreSQL took to run them. The gold pool's sides are literals for the reason
    campaign.models.gold_pool gives.
    """
    judgment, comparison = Judgment._meta.db_table, Comparison._meta.db_table
    return (
        "SELECT count(*), count(CASE WHEN j.correct THEN 1 END),"  # noqa: S608 - names only
        f" EXISTS (SELECT 1 FROM {comparison} c"
        " WHERE c.campaign_id = %(campaign)s AND c.gold_side IN ('a', 'b'))"
        f" FROM {judgment} j"
        " WHERE j.annotator_id = %(annotator)s AND j.campaign_id = %(campaign)s AND j.is_gold"
    )
