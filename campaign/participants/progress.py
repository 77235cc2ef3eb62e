"""A participant's progress counters: what they may see of their own work, and repairs.

The counters live on the enrolment (judged, skipped, gold served) so the annotate loop reads
them with the participation it loads anyway; the services keep them current as they write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from campaign.models import Assignment, Campaign, Enrollment, Judgment


@dataclass(frozen=True)
class Progress:
    """What a participant may know about their own work: never which items were gold."""

    judged: int
    skipped: int

    @property
    def handled(self) -> int:
        return self.judged + self.skipped


def progress_of(enrollment: Enrollment) -> Progress:
    """The progress an enrolment already loaded carries (no query)."""
    return Progress(judged=enrollment.judged, skipped=enrollment.skipped)


def refresh_progress_counters(*, campaign: Campaign, user_ids: Iterable[int] | None = None) -> int:
    """Recompute enrolment counters from the rows they count; returns enrolments updated.

    For writers that bypass the annotate services (the vote import) and for repairs; one
    UPDATE with correlated counts, whatever the number of participants.
    """

    def counted(model: type[Judgment] | type[Assignment], condition: Q | None = None) -> Coalesce:
        rows = model.objects.filter(campaign=campaign, annotator=OuterRef("user"))
        if condition is not None:
            rows = rows.filter(condition)
        total = rows.values("annotator").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(total, output_field=IntegerField()), 0)

    enrollments = Enrollment.objects.filter(campaign=campaign)
    if user_ids is not None:
        enrollments = enrollments.filter(user_id__in=list(user_ids))
    return enrollments.update(
        judged=counted(Judgment),
        skipped=counted(Assignment, Q(status=Assignment.Status.SKIPPED)),
        gold_served=counted(Assignment, Q(is_gold=True)),
    )
