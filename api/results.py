"""A campaign's results: progress, the organisers' leaderboard, and Recompute."""

# No `from __future__ import annotations`: ninja reads the signatures at import time.

from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Path, Router, Status

from api.access import caller, get_api_campaign
from api.responses import answers
from api.schemas import LeaderboardOut, ProgressOut, RecomputeOut, ScoringStateOut, Slug
from campaign.models import Campaign
from campaign.organise.statistics import CategoryProgress, campaign_progress
from scoring.coverage import progress_tally
from scoring.exports import leaderboard_document
from scoring.jobs import request_recompute
from scoring.publication import leaderboard_view
from scoring.selectors import latest_snapshot, scoring_lag

router = Router(tags=["campaign results"])


@router.get("/{slug}/progress", summary="Progress", response=answers({200: ProgressOut}))
def progress(request: HttpRequest, slug: Path[Slug]) -> dict[str, Any]:
    """Judgments against the target, per category; the coverage histogram; the scoring state."""
    campaign = get_api_campaign(caller(request), slug)
    numbers = campaign_progress(campaign, progress_tally(latest_snapshot(campaign)))
    return {
        "total": _category(numbers.total),
        "categories": [_category(row) for row in numbers.categories],
        "coverage": numbers.coverage,
        "complete_comparisons": numbers.complete_comparisons,
        "all_judgments": numbers.all_judgments,
        "gold_judgments": numbers.gold_judgments,
        "participants": numbers.participants,
        "active_participants": numbers.active_participants,
        "counted_at": numbers.counted_at.isoformat() if numbers.counted_at else None,
        "scoring": _scoring_state(campaign),
    }


@router.get("/{slug}/leaderboard", summary="Leaderboard", response=answers({200: LeaderboardOut}))
def leaderboard(request: HttpRequest, slug: Path[Slug]) -> dict[str, Any]:
    """PRODUCT.md's leaderboard document, the organisers' view, from the latest snapshot
    (404 before the campaign's first scoring run)."""
    campaign = get_api_campaign(caller(request), slug)
    view = leaderboard_view(campaign, user=caller(request))
    if view.snapshot is None:
        raise Http404("No leaderboard yet: this campaign has not been scored.")
    return leaderboard_document(view.snapshot, full=view.full)


@router.post("/{slug}/recompute", summary="Recompute scores", response=answers({202: RecomputeOut}))
def recompute(request: HttpRequest, slug: Path[Slug]) -> Status[dict[str, Any]]:
    """Score the campaign now. The run is finished when `scoring.unscored` of the progress
    reaches 0 (or `scoring.computed_at` moves)."""
    campaign = get_api_campaign(caller(request), slug)
    outcome = request_recompute(campaign)
    return Status(
        202,
        {
            "request": outcome.value,
            "scoring": _scoring_state(campaign),
            "progress_url": reverse("api:progress", kwargs={"slug": campaign.slug}),
        },
    )


def _category(row: CategoryProgress) -> dict[str, Any]:
    return {
        "category": row.category,
        "comparisons": row.comparisons,
        "judgments": row.judgments,
        "target": row.target,
        "percent": row.percent,
    }


def _scoring_state(campaign: Campaign) -> ScoringStateOut:
    snapshot = latest_snapshot(campaign, with_annotators=False)
    lag = scoring_lag(campaign, snapshot)
    return ScoringStateOut(
        computed_at=snapshot.computed_at if snapshot is not None else None,
        judgments_scored=snapshot.judgments if snapshot is not None else 0,
        unscored=lag.unscored,
        behind=lag.behind,
    )
