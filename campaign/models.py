"""Campaign content: the contest, its contenders, prompts, responses and comparisons.

Invariants that must never break are database constraints (STYLE.md §5); services validate
first to give friendly errors, the constraints are the backstop under concurrency.
"""

from __future__ import annotations

import datetime
import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least
from django.utils import timezone

SHUFFLE_KEY_LIMIT = 2**31


def random_shuffle_key() -> int:
    """A comparison's fixed random rank among equally loaded ones (the engine's tie-break)."""
    return secrets.randbelow(SHUFFLE_KEY_LIMIT)


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Scale(models.IntegerChoices):
        FIVE_POINT = 5, "5-point (A much better … B much better)"
        THREE_POINT = 3, "3-point (A / Tie / B)"
        TWO_POINT = 2, "2-point (A / B, no tie)"

    class Leaderboard(models.TextChoices):
        PUBLIC = "public", "Public (live)"
        HIDDEN = "hidden", "Hidden until the campaign closes"

    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    guidelines = models.TextField(blank=True, help_text="Markdown, shown to participants.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    scale = models.PositiveSmallIntegerField(choices=Scale.choices, default=Scale.FIVE_POINT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_campaigns",
    )

    judgments_per_comparison = models.PositiveIntegerField(
        default=3, validators=[MinValueValidator(1)]
    )
    gold_rate = models.FloatField(
        default=0.10, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    qualification_gold = models.PositiveIntegerField(default=3)
    min_gold_seen = models.PositiveIntegerField(default=5)
    min_gold_accuracy = models.FloatField(
        default=0.70, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    block_untrusted = models.BooleanField(default=False)
    lease_minutes = models.PositiveIntegerField(default=15, validators=[MinValueValidator(1)])
    require_rationale = models.BooleanField(default=False)
    allow_signup = models.BooleanField(default=False)
    pairs_per_prompt = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Comparisons generated per multi-response prompt; empty means every pair.",
    )
    leaderboard = models.CharField(
        max_length=8, choices=Leaderboard.choices, default=Leaderboard.PUBLIC
    )

    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gold_rate__gte=0) & Q(gold_rate__lte=1), name="campaign_gold_rate_0_1"
            ),
            models.CheckConstraint(
                condition=Q(min_gold_accuracy__gte=0) & Q(min_gold_accuracy__lte=1),
                name="campaign_min_gold_accuracy_0_1",
            ),
            models.CheckConstraint(
                condition=Q(judgments_per_comparison__gte=1), name="campaign_judgments_at_least_1"
            ),
            models.CheckConstraint(condition=Q(lease_minutes__gte=1), name="campaign_lease_1_min"),
            models.CheckConstraint(
                condition=Q(pairs_per_prompt__isnull=True) | Q(pairs_per_prompt__gte=1),
                name="campaign_pairs_per_prompt_positive",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "closed"]), name="campaign_status_valid"
            ),
            models.CheckConstraint(condition=Q(scale__in=[2, 3, 5]), name="campaign_scale_valid"),
        ]

    def __str__(self) -> str:
        return self.title

    def accepts_judgments(self, now: datetime.datetime | None = None) -> bool:
        """Open, and inside its dates when it has any."""
        now = now or timezone.now()
        if self.status != Campaign.Status.OPEN:
            return False
        if self.starts_at is not None and now < self.starts_at:
            return False
        return not (self.ends_at is not None and now >= self.ends_at)


class Contender(models.Model):
    """A model (or any system) whose responses are judged."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="contenders")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="contender_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Prompt(models.Model):
    # Indexed through the (campaign, external_id) unique constraint; no separate index.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="prompts", db_index=False
    )
    external_id = models.CharField(max_length=200, help_text="The id given in the import file.")
    text = models.TextField()
    category = models.CharField(max_length=100, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "external_id"], name="prompt_unique_external_id"
            ),
            # Target of Comparison's composite foreign key to (prompt, campaign).
            models.UniqueConstraint(fields=["id", "campaign"], name="prompt_unique_id_campaign"),
        ]

    def __str__(self) -> str:
        return self.external_id


class Response(models.Model):
    """One contender's answer to one prompt."""

    # Indexed through the (prompt, contender) unique constraint; no separate index.
    prompt = models.ForeignKey(
        Prompt, on_delete=models.CASCADE, related_name="responses", db_index=False
    )
    contender = models.ForeignKey(Contender, on_delete=models.CASCADE, related_name="responses")
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prompt", "contender"], name="response_one_per_contender_and_prompt"
            ),
            # Target of the composite foreign keys from Comparison (see migration 0002), which
            # make a comparison of responses to two different prompts impossible.
            models.UniqueConstraint(fields=["id", "prompt"], name="response_unique_id_prompt"),
        ]

    def __str__(self) -> str:
        return f"{self.prompt_id}/{self.contender_id}"


class Comparison(models.Model):
    """Two responses to the same prompt; gold when ``gold_side`` names the right answer."""

    class Side(models.TextChoices):
        A = "a", "A"
        B = "b", "B"

    # On PostgreSQL the composite foreign keys of migration 0002 ((response_x, prompt) and
    # (prompt, campaign)) imply these four, so their own constraints would only repeat the
    # check on every insert (each check costs ~5 µs a row; bench/import_items.py).
    # Indexed through comparison_campaign_gold (campaign, gold_side); no separate index.
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="comparisons",
        db_index=False,
        db_constraint=False,
    )
    prompt = models.ForeignKey(
        Prompt, on_delete=models.CASCADE, related_name="comparisons", db_constraint=False
    )
    response_a = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    response_b = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    gold_side = models.CharField(max_length=1, choices=Side.choices, blank=True, default="")
    # Maintained by campaign.annotate.assignment and campaign.annotate.judging inside their
    # transactions (never by signals): judgments plus open leases, for regular comparisons
    # only. Gold has no target, so its rows are never locked or counted.
    load = models.PositiveIntegerField(
        default=0, help_text="Judgments plus open leases (regular comparisons only)."
    )
    shuffle = models.IntegerField(
        default=random_shuffle_key, help_text="Random tie-break among equally loaded items."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(response_a=F("response_b")), name="comparison_distinct_responses"
            ),
            models.CheckConstraint(
                condition=Q(gold_side__in=["", "a", "b"]), name="comparison_gold_side_valid"
            ),
            # A comparison is its prompt and its unordered pair of responses: (x, y) and (y, x)
            # are the same comparison.
            models.UniqueConstraint(
                Least("response_a", "response_b"),
                Greatest("response_a", "response_b"),
                name="comparison_unique_pair",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "gold_side"], name="comparison_campaign_gold"),
            # The assignment engine's queue: least loaded regular comparison first, random among
            # equals. An index scan from the front stays cheap at a million comparisons.
            models.Index(
                fields=["campaign", "load", "shuffle"],
                condition=Q(gold_side=""),
                name="comparison_regular_queue",
            ),
            # The gold pool, entered at a random shuffle key.
            models.Index(
                fields=["campaign", "shuffle"],
                condition=Q(gold_side__in=["a", "b"]),
                name="comparison_gold_pool",
            ),
        ]

    def __str__(self) -> str:
        return f"comparison {self.pk}"

    @property
    def is_gold(self) -> bool:
        return self.gold_side != ""


class TrustState(models.TextChoices):
    """An annotator's standing by the trust rule (campaign.participants.trust)."""

    QUALIFYING = "qualifying", "Qualifying"  # not enough gold judged yet
    TRUSTED = "trusted", "Trusted"
    UNTRUSTED = "untrusted", "Untrusted"


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
    skip_reason = models.CharField(max_length=500, blank=True)

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

    # All three indexed through the composite indexes and constraints below.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="judgments", db_index=False
    )
    comparison = models.ForeignKey(
        Comparison, on_delete=models.CASCADE, related_name="judgments", db_index=False
    )
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="judgments",
        db_index=False,
    )
    # Empty for votes imported from elsewhere, which had no lease here.
    assignment = models.OneToOneField(
        Assignment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="judgment",
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
            models.UniqueConstraint(
                fields=["comparison", "annotator"], name="judgment_once_per_annotator"
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
            models.Index(fields=["campaign", "created_at"], name="judgment_campaign_created"),
        ]

    def __str__(self) -> str:
        return f"judgment {self.pk}"
