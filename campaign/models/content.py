"""Campaign content: the contest, its contenders, prompts, responses and comparisons.

Invariants that must never break are database constraints (STYLE.md §5); services validate
first to give friendly errors, the constraints are the backstop under concurrency.
"""

from __future__ import annotations

import datetime
import os
import struct

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import BooleanField, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from campaign import limits

SHUFFLE_KEY_LIMIT = 2**31


def random_shuffle_key() -> int:
    """A comparison's fixed random rank among equally loaded ones (the engine's tie-break)."""
    # secrets.randbelow's source in one call: it costs ~5 µs a key through SystemRandom, and
    # an import draws one per comparison. 2**32 is a multiple of the limit: still uniform.
    return int.from_bytes(os.urandom(4)) % SHUFFLE_KEY_LIMIT


def random_shuffle_keys(count: int) -> list[int]:
    """``count`` keys drawn as random_shuffle_key draws one, from one read of the source."""
    # A key per call cost an item import more than 1 µs a comparison (a system call each).
    return [key % SHUFFLE_KEY_LIMIT for key in struct.unpack(f">{count}I", os.urandom(4 * count))]


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

    class Allocation(models.TextChoices):
        UNIFORM = "uniform", "Uniform (every comparison gets judgments_per_comparison)"
        ADAPTIVE = "adaptive", "Adaptive (votes go where the ranking is still uncertain)"

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
    # On by default: the regular votes of a gold spotter, or of anyone whose regular answers
    # agree at chance, are noise, and the rules are conservative (bounds, a minimum of
    # evidence; scoring.numerics.flags, bench/cheaters.py).
    exclude_gold_spotters = models.BooleanField(
        default=True,
        help_text="leave out the votes of annotators flagged as gold spotters (agreement with "
        "the others far below their gold accuracy) or at chance (agreement with the others "
        "no better than chance)",
    )
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
    # Adaptive allocation (campaign.annotate.assignment, scoring.allocation): the scoring job
    # steers votes to the contender pairs whose order is still uncertain;
    # judgments_per_comparison becomes a cap and min_judgments_per_comparison the floor that
    # every comparison gets before the engine reports nothing left.
    allocation = models.CharField(
        max_length=8,
        choices=Allocation.choices,
        default=Allocation.UNIFORM,
        db_default=Allocation.UNIFORM,
        help_text="uniform: every regular comparison gets judgments_per_comparison; adaptive: "
        "votes go to the contender pairs whose order is still uncertain, up to that cap",
    )
    min_judgments_per_comparison = models.PositiveIntegerField(
        default=1,
        db_default=1,
        validators=[MinValueValidator(1)],
        help_text="adaptive allocation's floor: judgments every regular comparison gets",
    )

    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Imports only add items; an edit of one afterwards (the admin) bumps this, so what was
    # derived from the items and kept (scoring's comparison cache) is derived again.
    items_edited = models.PositiveIntegerField(default=0, editable=False)

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
            models.CheckConstraint(
                condition=Q(allocation__in=["uniform", "adaptive"]),
                name="campaign_allocation_valid",
            ),
            models.CheckConstraint(
                condition=Q(min_judgments_per_comparison__gte=1)
                & Q(min_judgments_per_comparison__lte=F("judgments_per_comparison")),
                name="campaign_floor_within_cap",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.min_judgments_per_comparison > self.judgments_per_comparison:
            raise ValidationError(
                {
                    "min_judgments_per_comparison": "The floor cannot exceed "
                    f"judgments_per_comparison ({self.judgments_per_comparison})."
                }
            )

    @property
    def is_adaptive(self) -> bool:
        return self.allocation == Campaign.Allocation.ADAPTIVE

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
    name = models.CharField(max_length=limits.CONTENDER_NAME_MAX_CHARS)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="contender_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Prompt(models.Model):
    # Indexed through the (campaign, external_id) unique constraint; no separate index.
    # On PostgreSQL checked once per statement by triggers (migration 0016), as migration
    # 0014's keys are: a foreign key's check per row cost an item import ~0.75 s per 100,000
    # prompts, all of one campaign that the import holds anyway.
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="prompts",
        db_index=False,
        db_constraint=False,
    )
    external_id = models.CharField(
        max_length=limits.PROMPT_ID_MAX_CHARS, help_text="The id given in the import file."
    )
    text = models.TextField()
    # The annotate page's HTML of ``text`` (campaign.rendered_texts): rendered once after the
    # import, not on every request, so that every item, gold or regular, costs the same to
    # serve. NULL until rendered; pages then render ``text`` themselves.
    html = models.TextField(null=True, blank=True, editable=False)
    category = models.CharField(max_length=limits.CATEGORY_MAX_CHARS, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "external_id"], name="prompt_unique_external_id"
            ),
        ]

    def __str__(self) -> str:
        return self.external_id


class Response(models.Model):
    """One contender's answer to one prompt."""

    # The prompt's campaign, repeated (migration 0012) so that a comparison's two composite
    # keys (response, prompt, campaign) also settle the comparison's campaign: two key checks
    # per comparison instead of three. On PostgreSQL the composite keys (prompt, campaign) and
    # (contender, campaign) keep it equal to the prompt's and the contender's campaign, and
    # stand for the keys of prompt and contender (so no constraint of their own here). Since
    # migration 0014 the composite keys are checked by triggers once per statement (an import's
    # COPY: once per table), with the same guarantees as the foreign keys they replace.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    # Indexed through the (prompt, contender) unique constraint; no separate index.
    prompt = models.ForeignKey(
        Prompt,
        on_delete=models.CASCADE,
        related_name="responses",
        db_index=False,
        db_constraint=False,
    )
    # No index (migration 0016): nothing reads responses by contender but the cascade of a
    # contender's deletion (the admin's, rare), which scans the table instead; the index cost
    # every imported response an insert (~1.3 s of PostgreSQL CPU per 300,000 responses).
    contender = models.ForeignKey(
        Contender,
        on_delete=models.CASCADE,
        related_name="responses",
        db_index=False,
        db_constraint=False,
    )
    text = models.TextField(blank=True)
    html = models.TextField(null=True, blank=True, editable=False)  # as Prompt.html

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prompt", "contender"], name="response_one_per_contender_and_prompt"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prompt_id}/{self.contender_id}"


class Comparison(models.Model):
    """Two responses to the same prompt; gold when ``gold_side`` names the right answer."""

    class Side(models.TextChoices):
        A = "a", "A"
        B = "b", "B"

    # On PostgreSQL the composite keys (response_x, prompt, campaign) of migration 0012 imply
    # these four (a response's own keys tie its prompt to its campaign), so their own
    # constraints would only repeat the check on every insert (~6 µs a row). The composite keys
    # are checked per statement by triggers since migration 0014.
    # No single-column indexes either (migration 0011): every index costs each imported
    # comparison an insert, and the response ids arrive in random order, which made the two
    # response indexes cost ~1.5 s of PostgreSQL CPU per 190,000 comparisons. Campaign and
    # prompt lead comparison_unique_campaign_id and comparison_unique_pair; nothing reads
    # comparisons by response (the cascade from a response goes through its prompt).
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="comparisons",
        db_index=False,
        db_constraint=False,
    )
    prompt = models.ForeignKey(
        Prompt,
        on_delete=models.CASCADE,
        related_name="comparisons",
        db_index=False,
        db_constraint=False,
    )
    response_a = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    response_b = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
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
    # Adaptive allocation's bucket for this comparison's contender pair, written by the scoring
    # job after each snapshot (campaign.annotate.priorities): higher is served first, 0 means
    # "the pair is settled, the floor is enough". Zeroed when the comparison fills up, so the
    # adaptive queue never walks over full rows. Uniform campaigns leave it at 0.
    # db_default too: bulk SQL and COPY writers that predate the column keep working.
    priority = models.PositiveSmallIntegerField(
        default=0, db_default=0, help_text="Adaptive allocation's priority bucket (higher first)."
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
            # are the same comparison. The responses determine the prompt (their composite
            # keys), so the prompt adds nothing to the uniqueness; it leads the index so that
            # this index also finds a prompt's comparisons.
            models.UniqueConstraint(
                F("prompt"),
                Least("response_a", "response_b"),
                Greatest("response_a", "response_b"),
                name="comparison_unique_pair",
            ),
            # Target of Judgment's composite foreign key to (campaign, comparison), and the
            # index of a campaign's comparisons (every query on a campaign's comparisons by
            # gold side has a partial index below).
            models.UniqueConstraint(
                fields=["campaign", "id"], name="comparison_unique_campaign_id"
            ),
        ]
        indexes = [
            # The assignment engine's queue: least loaded regular comparison first, random among
            # equals. An index scan from the front stays cheap at a million comparisons.
            models.Index(
                fields=["campaign", "load", "shuffle"],
                condition=Q(gold_side=""),
                name="comparison_regular_queue",
            ),
            # The adaptive queue's urgent part: highest priority bucket first, then as the
            # regular queue. Only rows with a bucket (migration 0016): the adaptive pick's
            # settled branch (priority = 0) walks the regular queue, and imported comparisons,
            # all in bucket 0, then cost this index nothing.
            models.Index(
                fields=["campaign", "-priority", "load", "shuffle"],
                condition=Q(gold_side="", priority__gt=0),
                name="comparison_adaptive_queue",
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


def gold_pool(campaign: Campaign | int) -> QuerySet[Comparison]:
    """The campaign's gold comparisons, read through the gold pool's partial index.

    The sides are written into the statement, not bound: with server-side binding a statement
    a connection repeats gets a generic plan, which cannot match a bound value to the index's
    condition, and then scanned every comparison of the table (35 ms at 300,000 comparisons,
    on "my progress" and every tenth judgment).
    """
    in_pool = RawSQL("gold_side IN ('a', 'b')", (), output_field=BooleanField())
    return Comparison.objects.filter(campaign=campaign).filter(in_pool)


def regular_pool(campaign: Campaign | int) -> QuerySet[Comparison]:
    """The campaign's regular comparisons, with the side written into the statement for the
    same reason as `gold_pool`'s: the regular queues' partial indexes stay usable under a
    generic plan."""
    regular = RawSQL('"campaign_comparison"."gold_side" = \'\'', (), output_field=BooleanField())
    return Comparison.objects.filter(campaign=campaign).filter(regular)
