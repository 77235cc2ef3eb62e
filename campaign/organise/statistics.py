"""Organiser statistics of a campaign: progress, coverage, gold pool health and skip reports.

Read-only selectors for the organiser dashboard. Each aggregates in SQL and costs a fixed
number of queries, whatever the campaign's size, and nothing here loads comparisons or
judgments into Python. The one pass over every judgment (the coverage tally) is made live only
for a campaign not scored yet; the dashboard otherwise reads the tally its latest scoring run
stored (scoring.coverage), so the page costs the same at ten thousand and a million judgments.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from campaign.models import (
    Assignment,
    Campaign,
    Comparison,
    Enrollment,
    Judgment,
    Prompt,
    gold_pool,
)

# Below this many unseen gold comparisons a participant is close to running dry: once the
# pool is exhausted the engine has no control items left to mix into their work.
LOW_GOLD_LEFT = 5
LOW_GOLD_LISTED = 50


@dataclass(frozen=True)
class CategoryProgress:
    """Judgments of regular comparisons against the target, for one prompt category."""

    category: str  # "" for prompts without one
    comparisons: int
    judgments: int
    judgments_per_comparison: int

    @property
    def target(self) -> int:
        return self.comparisons * self.judgments_per_comparison

    @property
    def percent(self) -> int:
        """Share of the target reached, capped at 100 (expired leases may add a few extra)."""
        if not self.target:
            return 0
        return min(100, round(100 * self.judgments / self.target))


@dataclass(frozen=True)
class CampaignProgress:
    total: CategoryProgress
    categories: list[CategoryProgress]  # largest first
    # coverage[k]: how many regular comparisons have exactly k judgments.
    coverage: list[int]
    all_judgments: int  # gold included
    gold_judgments: int
    participants: int
    active_participants: int  # those served at least one item
    # When the judgments were counted (a scoring run's time); None: live, now.
    counted_at: datetime.datetime | None = None

    @property
    def complete_comparisons(self) -> int:
        return sum(self.coverage[self.total.judgments_per_comparison :])


@dataclass(frozen=True)
class GoldLeft:
    handle: str
    username: str
    met: int
    left: int


@dataclass(frozen=True)
class GoldPoolHealth:
    gold_comparisons: int
    active_participants: int
    threshold: int
    # Active participants with fewer than ``threshold`` gold left, fewest left first (a page).
    running_low: list[GoldLeft]
    running_low_count: int

    @property
    def warning(self) -> bool:
        return self.running_low_count > 0


@dataclass(frozen=True)
class CoverageTally:
    """How many regular comparisons of each category have k judgments, and the judgment
    counts, as counted at some moment: live (``coverage_tally``) or by a scoring run."""

    rows: list[tuple[str, int, int]]  # (category, k judgments, comparisons with k judgments)
    all_judgments: int  # gold included
    gold_judgments: int
    counted_at: datetime.datetime | None = None  # None: counted live, now


def coverage_tally(campaign: Campaign) -> CoverageTally:
    """The tally counted live: a pass over every judgment of the campaign (O(judgments)),
    for campaigns not scored yet; a scoring run stores the same tally for the dashboard."""
    counts = Judgment.objects.filter(campaign=campaign).aggregate(
        all=Count("pk"), gold=Count("pk", filter=Q(is_gold=True))
    )
    return CoverageTally(_coverage_rows(campaign), counts["all"], counts["gold"])


def campaign_progress(campaign: Campaign, tally: CoverageTally | None = None) -> CampaignProgress:
    """Progress per category and the coverage histogram from ``tally`` (counted live when
    None), with the participants counted now (one query over the enrolments)."""
    tally = coverage_tally(campaign) if tally is None else tally
    per_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    coverage: list[int] = []
    for category, judgments, comparisons in tally.rows:
        per_category[category][0] += comparisons
        per_category[category][1] += judgments * comparisons
        coverage.extend([0] * (judgments + 1 - len(coverage)))
        coverage[judgments] += comparisons
    target = campaign.judgments_per_comparison
    categories = sorted(
        (
            CategoryProgress(category, comparisons, judgments, target)
            for category, (comparisons, judgments) in per_category.items()
        ),
        key=lambda row: (-row.comparisons, row.category),
    )
    total = CategoryProgress(
        "",
        sum(row.comparisons for row in categories),
        sum(row.judgments for row in categories),
        target,
    )
    coverage.extend([0] * (target + 1 - len(coverage)))
    people = Enrollment.objects.filter(campaign=campaign).aggregate(
        participants=Count("pk"), active=Count("pk", filter=Q(Exists(_served(campaign))))
    )
    return CampaignProgress(
        total=total,
        categories=categories,
        coverage=coverage,
        all_judgments=tally.all_judgments,
        gold_judgments=tally.gold_judgments,
        participants=people["participants"],
        active_participants=people["active"],
        counted_at=tally.counted_at,
    )


def _coverage_rows(campaign: Campaign) -> list[tuple[str, int, int]]:
    """(category, judgments per comparison, comparisons) for the campaign's regular comparisons.

    The inner query counts each comparison's judgments; the outer one groups those counts by
    category, so only a few dozen rows leave the database. Django cannot group by an
    aggregate, hence plain SQL (table names from the models, values as parameters).
    """
    quote = connection.ops.quote_name
    comparison, judgment, prompt = (
        quote(model._meta.db_table) for model in (Comparison, Judgment, Prompt)
    )
    sql = f"""
        SELECT p.category, per.judgments, COUNT(*)
        FROM (
            SELECT c.prompt_id, COUNT(j.id) AS judgments
            FROM {comparison} c
            LEFT JOIN {judgment} j ON j.comparison_id = c.id
            WHERE c.campaign_id = %s AND c.gold_side = ''
            GROUP BY c.id, c.prompt_id
        ) per
        JOIN {prompt} p ON p.id = per.prompt_id
        GROUP BY p.category, per.judgments
    """  # noqa: S608 - only quoted table names are interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.pk])
        return [(category, int(judgments), int(count)) for category, judgments, count in cursor]


def gold_pool_health(
    campaign: Campaign,
    *,
    threshold: int = LOW_GOLD_LEFT,
    active_participants: int | None = None,
) -> GoldPoolHealth:
    """The gold pool's size and the active participants about to have met all of it.

    A participant meets each gold comparison at most once (one assignment per comparison and
    annotator, whatever became of it), so gold left = pool size - gold served, a counter the
    enrolment keeps. ``active_participants`` is counted here unless the caller has it already
    (``CampaignProgress.active_participants``).
    """
    gold = gold_pool(campaign).count()  # on the gold pool's partial index
    active = Enrollment.objects.filter(campaign=campaign).filter(Exists(_served(campaign)))
    low = active.filter(gold_served__gt=gold - threshold)
    rows = low.order_by("-gold_served", "user__handle").values_list(
        "user__handle", "user__username", "gold_served"
    )[:LOW_GOLD_LISTED]
    return GoldPoolHealth(
        gold_comparisons=gold,
        active_participants=active.count() if active_participants is None else active_participants,
        threshold=threshold,
        running_low=[
            GoldLeft(handle=handle, username=username, met=count, left=max(gold - count, 0))
            for handle, username, count in rows
        ],
        running_low_count=low.count(),
    )


def skip_reports(campaign: Campaign) -> QuerySet[Assignment]:
    """Skipped assignments, newest first, with who skipped and the prompt's external id."""
    return (
        Assignment.objects.filter(campaign=campaign, status=Assignment.Status.SKIPPED)
        .select_related("annotator", "comparison__prompt")
        .only(
            "leased_at",
            "skip_reason",
            "is_gold",
            "annotator__handle",
            "annotator__username",
            "comparison__prompt__external_id",
            "comparison__prompt__category",
        )
        .order_by("-leased_at", "-pk")
    )


def _served(campaign: Campaign) -> QuerySet[Assignment]:
    """Assignments of the enrolment's user in this campaign (for ``Exists``)."""
    return Assignment.objects.filter(campaign=campaign, annotator=OuterRef("user_id"))
