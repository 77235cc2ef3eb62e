"""A participant's progress counters: what they may see of their own work, and repairs.

The counters live on the enrolment (judged, skipped, gold served) so the annotate loop reads
them with the participation it loads anyway; the services keep them current as they write.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import connection
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

    For repairs, and writers that bypass the annotate services without counting what they
    write (add_judged is for those that do); one UPDATE with correlated counts, whatever the
    number of participants.
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


def add_judged(*, campaign: Campaign, judged: Mapping[int, int]) -> None:
    """Count judgments a writer stored outside the annotate services (the vote import, which
    knows how many it gave each annotator: user id -> judgments) in their enrolments, as those
    services do, instead of recounting every judgment the annotators have (~0.3 s of
    PostgreSQL at 200,000 imported votes). One UPDATE per ``ADDED_PER_STATEMENT`` annotators,
    whatever the number of judgments."""
    table = connection.ops.quote_name(Enrollment._meta.db_table)
    rows = list(judged.items())
    for start in range(0, len(rows), ADDED_PER_STATEMENT):
        chunk = rows[start : start + ADDED_PER_STATEMENT]
        values = ", ".join(["(%s, %s)"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH added (user_id, judged) AS (VALUES {values}) "  # noqa: S608
                f"UPDATE {table} SET judged = {table}.judged + added.judged FROM added "
                f"WHERE {table}.campaign_id = %s AND {table}.user_id = added.user_id",
                [*itertools.chain.from_iterable(chunk), campaign.pk],
            )


# Two parameters an annotator: well under SQLite's limit on a statement's parameters.
ADDED_PER_STATEMENT = 5_000
