"""The crowd's work on a campaign: enrolments, assignments (leases) and judgments.

The counters and derived fields here are kept by the services in the same transactions as the
rows they count, never by signals; constraints are the backstop under concurrency.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.safestring import SafeString

from campaign import limits
from campaign.models.content import Campaign, Comparison


class TrustState(models.TextChoices):
    """An annotator's standing by the trust rule (campaign.participants.trust)."""

    QUALIFYING = "qualifying", "Qualifying"  # not enough gold judged yet
    TRUSTED = "trusted", "Trusted"
    UNTRUSTED = "untrusted", "Untrusted"
    # The campaign has no gold comparisons: nobody can be vetted, and every vote counts.
    UNVETTED = "unvetted", "Not vetted (no gold)"


class Enrollment(models.Model):
    """A participant's place in a campaign: provisioned, signed up, or added by an organiser."""

    # Indexed through the (campaign, user) unique constraint; no separate index.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="enrollments", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Running counts of this participant's own work, changed only by the services, in the same
    # transactions as the rows they count (refresh_progress_counters in
    # campaign.participants.progress recomputes them): the annotate loop reads progress and
    # qualification on every request without counting rows that grow with the participant's work.
    judged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    gold_served = models.PositiveIntegerField(default=0)
    # The participant's trust state as of their last step of STANDING_STEP judgments
    # (campaign.participants.trust.settle_standing): what their progress page shows and what
    # ``block_untrusted`` acts on. Re-assessed per step, never per item, so it cannot tell
    # which item was gold (PRODUCT.md "Exports": gold stays secret while a campaign is open).
    standing = models.CharField(
        max_length=10, choices=TrustState.choices, default=TrustState.QUALIFYING
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="enrollment_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.campaign_id}"


class Assignment(models.Model):
    """A comparison leased to one annotator until it is judged, skipped or the lease expires.

    Pages and forms name an assignment by its random ``key``, never by its primary key, so a
    participant cannot probe other people's assignments by counting.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        JUDGED = "judged", "Judged"
        SKIPPED = "skipped", "Skipped"
        EXPIRED = "expired", "Expired"

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="assignments")
    # Indexed through the composite indexes below: each index costs every lease an insert.
    comparison = models.ForeignKey(
        Comparison, on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="assignments",
        db_index=False,
    )
    left_side = models.CharField(
        max_length=1,
        choices=Comparison.Side.choices,
        help_text="Which of the comparison's responses was shown on the left (randomised).",
    )
    is_gold = models.BooleanField(help_text="Copied from the comparison; never shown.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    leased_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    skip_reason = models.CharField(max_length=limits.SKIP_REASON_MAX_CHARS, blank=True)

    # Not a field: the comparison's prompt and responses as HTML (campaign.selectors
    # .ComparisonHtml), when the statement that leased it read them too (campaign.annotate.pick).
    shown_html: tuple[SafeString, SafeString, SafeString] | None = None

    class Meta:
        constraints = [
            # Nobody is served one comparison twice, whatever became of the first lease.
            models.UniqueConstraint(
                fields=["comparison", "annotator"], name="assignment_once_per_annotator"
            ),
            # At most one item on a participant's screen per campaign; also the index that
            # finds the lease to resume.
            models.UniqueConstraint(
                fields=["annotator", "campaign"],
                condition=Q(status="open"),
                name="assignment_one_open_per_annotator",
            ),
            models.CheckConstraint(
                condition=Q(left_side__in=["a", "b"]), name="assignment_left_side_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "judged", "skipped", "expired"]),
                name="assignment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("leased_at")), name="assignment_expires_after_lease"
            ),
        ]
        indexes = [
            # The lease reclaimer's sweep: only open leases, oldest expiry first.
            models.Index(
                fields=["expires_at"], condition=Q(status="open"), name="assignment_open_expiry"
            ),
            # Gold served to one annotator (qualification and the gold rate).
            models.Index(
                fields=["annotator", "campaign", "is_gold"], name="assignment_annotator_gold"
            ),
            # Skipped items, for organisers.
            models.Index(
                fields=["campaign", "comparison"],
                condition=Q(status="skipped"),
                name="assignment_skipped",
            ),
        ]

    def __str__(self) -> str:
        return f"assignment {self.key}"


class Judgment(models.Model):
    """One annotator's verdict on one comparison, in canonical a/b terms (negative prefers a)."""

    # All three indexed through the composite indexes and constraints below. On PostgreSQL
    # one composite key, (campaign, comparison) to the comparison's own (campaign, id)
    # (migration 0011), stands for the two keys: a judgment of a comparison in another
    # campaign is impossible. It, the annotator's and the assignment's keys are checked once
    # per statement by triggers (migration 0017), which lock what the keys locked: an imported
    # batch of votes is checked at once instead of row by row.
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="judgments",
        db_index=False,
        db_constraint=False,
    )
    comparison = models.ForeignKey(
        Comparison,
        on_delete=models.CASCADE,
        related_name="judgments",
        db_index=False,
        db_constraint=False,
    )
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="judgments",
        db_index=False,
        db_constraint=False,
    )
    # Empty for votes imported from elsewhere, which had no lease here.
    assignment = models.OneToOneField(
        Assignment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="judgment",
        db_constraint=False,  # checked by a trigger, as the comparison (migration 0017)
    )
    verdict = models.SmallIntegerField(
        validators=[MinValueValidator(-2), MaxValueValidator(2)],
        help_text="-2 a much better … +2 b much better, whatever the screen placement.",
    )
    left_side = models.CharField(
        max_length=1,
        choices=Comparison.Side.choices,
        blank=True,
        help_text="The side shown on the left; empty when unknown (imported votes).",
    )
    seconds = models.FloatField(null=True, blank=True)
    rationale = models.TextField(blank=True)
    is_gold = models.BooleanField()
    correct = models.BooleanField(null=True, blank=True, help_text="Empty for non-gold.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # Carries id and verdict (migration 0018) so that an incremental scoring run's
            # re-read of the comparisons its new judgments touch is an index-only scan.
            models.UniqueConstraint(
                fields=["comparison", "annotator"],
                name="judgment_once_per_annotator",
                include=["id", "verdict"],
            ),
            models.CheckConstraint(
                condition=Q(verdict__gte=-2) & Q(verdict__lte=2), name="judgment_verdict_range"
            ),
            models.CheckConstraint(
                condition=Q(left_side__in=["", "a", "b"]), name="judgment_left_side_valid"
            ),
            models.CheckConstraint(
                condition=Q(is_gold=True, correct__isnull=False)
                | Q(is_gold=False, correct__isnull=True),
                name="judgment_correct_only_for_gold",
            ),
            models.CheckConstraint(
                condition=Q(seconds__isnull=True) | Q(seconds__gte=0),
                name="judgment_seconds_not_negative",
            ),
        ]
        indexes = [
            # A participant's progress and gold record in one campaign.
            models.Index(
                fields=["annotator", "campaign", "is_gold"], name="judgment_annotator_gold"
            ),
            # Vote order, (created_at, id), as scoring reads it (migration 0020).
            models.Index(fields=["campaign", "created_at", "id"], name="judgment_vote_order"),
        ]

    def __str__(self) -> str:
        return f"judgment {self.pk}"

    @classmethod
    def build(
        cls,
        *,
        campaign_id: int,
        comparison_id: int,
        gold_side: str,
        annotator_id: int,
        verdict: int,
        created_at: datetime.datetime,
        assignment_id: int | None = None,
        left_side: str = "",
        seconds: float | None = None,
        rationale: str = "",
    ) -> Judgment:
        """An unsaved judgment of the comparison whose gold side is ``gold_side`` ("" if none).

        The one place a judgment's derived fields are set: ``is_gold`` from the comparison,
        ``correct`` by the gold rule (judgment_correct_only_for_gold). Votes judged here pass
        their lease; imported ones have none, nor a screen side or a time spent.
        """
        is_gold, correct = gold_fields(verdict=verdict, gold_side=gold_side)
        return cls(
            campaign_id=campaign_id,
            comparison_id=comparison_id,
            annotator_id=annotator_id,
            assignment_id=assignment_id,
            verdict=verdict,
            left_side=left_side,
            seconds=seconds,
            rationale=rationale,
            is_gold=is_gold,
            correct=correct,
            created_at=created_at,
        )


def gold_fields(*, verdict: int, gold_side: str) -> tuple[bool, bool | None]:
    """A judgment's ``is_gold`` and ``correct`` for a comparison whose gold side is given ("" if
    none): what ``Judgment.build`` sets, and what the vote import's COPY writes."""
    is_gold = bool(gold_side)
    return is_gold, is_correct(verdict=verdict, gold_side=gold_side) if is_gold else None


def is_correct(*, verdict: int, gold_side: str) -> bool:
    """A gold judgment is correct when it prefers the gold side, at any strength; ties are not."""
    return verdict < 0 if gold_side == Comparison.Side.A else verdict > 0
