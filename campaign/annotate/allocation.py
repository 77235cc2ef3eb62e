"""Adaptive allocation: the engine's queue order and the priorities the scoring job writes.

Under ``allocation = adaptive`` (PRODUCT.md "Campaign settings") each regular comparison
carries ``priority``, a small bucket for its contender pair that the scoring job writes after
each snapshot (scoring.allocation computes it; `set_priorities` below stores it). The
pick then serves, in one statement that walks two queues from their fronts,
``comparison_adaptive_queue (campaign, priority DESC, load, shuffle) WHERE gold_side = '' AND
priority > 0`` and then the uniform ``comparison_regular_queue``:

1. the highest bucket first, least loaded and at random among equals, up to the cap
   (``judgments_per_comparison``);
2. only when no comparison of a pair that still matters is left for the participant:
   a comparison of a settled pair (bucket 0) still below the floor
   (``min_judgments_per_comparison``), least loaded first.

So settled pairs get the floor and no more, every comparison gets its floor before the
engine reports nothing left, and no comparison goes above its cap.

Why the walk stays short. Both branches are index ranges that start at their first eligible
row: branch 2 is the uniform queue's load < floor, passing over only rows branch 1 would have
served (priority > 0), i.e. the participant's own and locked ones; branch 1 is the whole
adaptive queue, which holds only rows with a bucket (priority > 0: comparisons imported or
settled cost it no entry, migration 0016), and a
comparison leaves that range when it fills up, because the statement that takes its last
place also zeroes its bucket (`taken_sql`), as do a late judgment retaking room
(campaign.annotate.judging) and the scoring job for full rows. Rows passed over are, as in the
uniform queue, the participant's own history and rows locked by requests in flight. A
comparison whose room comes back (a skip, an expired lease) waits in bucket 0 until the next
scoring run puts it back in its pair's bucket.

Uniform campaigns never read ``priority`` and their statements are the ones they always ran.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import connection, transaction
from django.db.models import Case, IntegerField, Value, When

from campaign.models import Assignment, Campaign, Comparison

# Rows whose bucket changes are rewritten in batches, each its own short transaction: a
# batch's row locks make pickers step over those rows (SKIP LOCKED), so a batch must never
# cover the whole queue.
PRIORITY_BATCH_SIZE = 2000


def adaptive_regular_sql() -> str:
    """The adaptive pick of a regular comparison (named parameters campaign, target, floor,
    annotator); one row or none, locked FOR NO KEY UPDATE like the uniform pick."""
    comparison, assignment = Comparison._meta.db_table, Assignment._meta.db_table
    lock = " FOR NO KEY UPDATE OF c SKIP LOCKED" if connection.vendor == "postgresql" else ""
    walk = (
        f"SELECT c.id FROM {comparison} c"  # noqa: S608 - table names, no input
        " WHERE c.campaign_id = %(campaign)s AND c.gold_side = '' AND {range}"
        f" AND NOT EXISTS (SELECT 1 FROM {assignment} a"
        " WHERE a.annotator_id = %(annotator)s AND a.comparison_id = c.id)"
        f" ORDER BY c.priority DESC, c.load, c.shuffle LIMIT 1{lock}"
    )
    urgent = walk.format(range="c.priority > 0 AND c.load < %(target)s")
    floor = walk.format(range="c.priority = 0 AND c.load < %(floor)s")
    return (
        f"SELECT id FROM ({urgent}) AS urgent"  # noqa: S608 - no input
        f" UNION ALL SELECT id FROM ({floor}) AS below_floor LIMIT 1"
    )


def taken_sql(regular: str) -> str:
    """Take one place on the comparison ``regular`` selects; the last place zeroes its bucket."""
    table = Comparison._meta.db_table
    return (
        f"UPDATE {table} SET load = load + 1,"  # noqa: S608 - table name, no input
        " priority = CASE WHEN load + 1 < %(target)s THEN priority ELSE 0 END"
        f" WHERE id = ({regular})"
    )


def full_bucket(campaign: Campaign) -> Case:
    """``priority`` after a late judgment took one more place (the ORM's `taken_sql`)."""
    return Case(
        When(load__lt=campaign.judgments_per_comparison - 1, then="priority"),
        default=Value(0),
        output_field=IntegerField(),
    )


def set_priorities(*, campaign: Campaign, changes: Mapping[int, Sequence[int]]) -> int:
    """Give the regular comparisons ``changes[bucket]`` that bucket; returns rows written.

    The scoring job (scoring.allocation) passes only the rows whose bucket changes. A full
    comparison gets 0 whatever bucket is asked (see the module docstring); ids of gold or of
    another campaign's comparisons are ignored. One UPDATE per bucket and batch of
    PRIORITY_BATCH_SIZE rows, each its own transaction; rows a pick holds right now are left
    for the next run.
    """
    written = 0
    for bucket, ids in sorted(changes.items()):
        ordered = sorted(ids)
        for first in range(0, len(ordered), PRIORITY_BATCH_SIZE):
            batch = ordered[first : first + PRIORITY_BATCH_SIZE]
            written += _write_bucket(campaign, bucket, batch)
    return written


@transaction.atomic
def _write_bucket(campaign: Campaign, bucket: int, ids: list[int]) -> int:
    # Lock in id order, skipping rows a pick holds: never waits, so it cannot deadlock with
    # the reclaim sweep (which also locks in id order) nor hold up a participant.
    locked = list(
        Comparison.objects.filter(pk__in=ids, campaign=campaign, gold_side="")
        .order_by("pk")
        .select_for_update(no_key=True, skip_locked=True)
        .values_list("pk", flat=True)
    )
    cap = campaign.judgments_per_comparison
    return Comparison.objects.filter(pk__in=locked).update(
        priority=Case(When(load__lt=cap, then=Value(bucket)), default=Value(0))
    )
