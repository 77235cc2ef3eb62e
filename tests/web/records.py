"""Served items and judgments written directly, for pages that only count them.

Rows written past the services also need the enrolment counters the services keep.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.models import User
from campaign.annotate.judging import is_correct
from campaign.models import Assignment, Comparison, Judgment
from campaign.participants.progress import refresh_progress_counters


def serve(
    user: User, comparison: Comparison, *, status: str = "judged", reason: str = ""
) -> Assignment:
    now = timezone.now()
    assignment = Assignment.objects.create(
        campaign=comparison.campaign,
        comparison=comparison,
        annotator=user,
        left_side="a",
        is_gold=comparison.is_gold,
        status=status,
        expires_at=now + datetime.timedelta(minutes=15),
        skip_reason=reason,
    )
    refresh_progress_counters(campaign=comparison.campaign, user_ids=[user.pk])
    return assignment


def judge(user: User, comparison: Comparison, verdict: int = -1) -> Judgment:
    """A judgment through a judged assignment, marked correct or not by the service's rule."""
    assignment = serve(user, comparison)
    judgment = Judgment.objects.create(
        campaign=comparison.campaign,
        comparison=comparison,
        annotator=user,
        assignment=assignment,
        verdict=verdict,
        left_side="a",
        is_gold=comparison.is_gold,
        correct=is_correct(verdict=verdict, gold_side=comparison.gold_side)
        if comparison.is_gold
        else None,
    )
    refresh_progress_counters(campaign=comparison.campaign, user_ids=[user.pk])
    return judgment
