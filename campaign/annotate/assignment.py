"""The assignment engine: which comparison a participant judges next, race-free on PostgreSQL.

Rules (PRODUCT.md): resume the participant's open lease; otherwise serve their
``qualification_gold`` gold at random places among their first items (never announced, not
always first) and then with probability ``gold_rate``, each gold comparison at most once per
participant; otherwise the regular comparison with the
fewest judgments plus open leases below ``judgments_per_comparison`` that they have never been
served, ties broken at random. Gold is served only while regular work is left for the
participant (so a full campaign stops serving, and nobody ends up seeing nothing but gold).
Leases expire after ``lease_minutes`` and are reclaimed. Under adaptive allocation the
regular pick follows the scoring job's priority buckets instead, up to
``judgments_per_comparison`` as a cap and with ``min_judgments_per_comparison`` as a floor
(campaign.annotate.allocation, whose docstring gives its own cost argument).

Why it is correct under concurrency:

* ``Comparison.load`` counts judgments plus open leases of a regular comparison. It only
  changes inside the transactions below and in campaign.annotate.judging, always while the row is
  locked, so a comparison never holds more than its target (expired leases are subtracted
  when reclaimed, and a late judgment on one is only accepted while there is room).
* The pick locks its row with ``FOR UPDATE SKIP LOCKED``: concurrent participants step over
  each other's rows instead of waiting, and PostgreSQL re-checks ``load < target`` on the
  newest row version before granting the lock, so a row filled meanwhile is passed over.
* Every service that changes a participant's work first locks that participant's enrolment
  row, so one participant's concurrent requests (a double click, a retry, two tabs) run one
  after the other: the second finds the first's lease and resumes it. ``unique (comparison,
  annotator)`` and the partial unique "one open lease per participant and campaign" stay as
  the database's guarantee that nobody is served twice or holds two leases.
* Locks are always taken enrolment, then assignment, then comparison, and a transaction that
  holds a picked row never waits for another lock, so participants cannot deadlock or block
  each other. The pick's lock is FOR NO KEY UPDATE, which foreign-key checks (FOR KEY SHARE)
  do not wait for. No transaction of the loop holds a comparison FOR KEY SHARE while it
  goes on (a judgment is checked through its lease: migration 0019): PostgreSQL's SKIP LOCKED
  can wait, and deadlock, on an old row version that a running transaction holds so.

Why a gold item cannot be told by its cost: the pick is one statement, the new lease's
INSERT included, that does the same work whether it serves gold or not (``_pick``, its SQL in
campaign.annotate.pick), and nothing else on the path depends on it.

Why its cost does not grow with the campaign: every query walks an index from its front —
``comparison_regular_queue (campaign, load, shuffle) WHERE gold_side = ''`` for the pick,
``comparison_gold_pool`` for gold, the two unique constraints for "already served" and the
open lease. Rows passed over are only those this participant already had and those locked
by requests in flight, both independent of how many comparisons the campaign holds.

On SQLite (the embedded demo) ``FOR UPDATE`` is a no-op; SQLite serialises writers instead.
"""

from __future__ import annotations

import datetime
import random
import secrets
from collections import Counter
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from campaign.annotate.pick import (
    PICKED,
    gold_candidate_sql,
    pick_sql,
    regular_sql,
    take_room_sql,
)
from campaign.exceptions import ParticipationBlocked
from campaign.models import (
    SHUFFLE_KEY_LIMIT,
    Assignment,
    Campaign,
    Comparison,
    Enrollment,
    TrustState,
)
from campaign.participants.enrolment import lock_participation, require_open
from campaign.rows import insert_instance, insert_values, mark_inserted
from campaign.selectors import text_html

SIDES = (Comparison.Side.A, Comparison.Side.B)
# Qualification gold is spread over a participant's first QUALIFICATION_SPREAD x
# ``qualification_gold`` items: a third of them gold, placed at random.
QUALIFICATION_SPREAD = 3
RECLAIM_BATCH_SIZE = 1000

_random = random.SystemRandom()


@transaction.atomic
def next_assignment(*, annotator: User, campaign: Campaign) -> Assignment | None:
    """The assignment this participant should work on now, or None when nothing is left.

    Raises CampaignNotOpen, NotEnrolled or ParticipationBlocked.
    """
    now = timezone.now()
    require_open(campaign, now)
    enrollment = lock_participation(user=annotator, campaign=campaign)
    return lease_next(enrollment, now=now)


def lease_next(
    enrollment: Enrollment, *, now: datetime.datetime, resume: bool = True
) -> Assignment | None:
    """The participant's open lease, or a new one; None when nothing is left for them.

    The caller holds the enrolment's row lock (campaign.participants.enrolment.lock_participation),
    inside its transaction, and has checked that the campaign is open. ``resume=False`` is
    for a caller that has just closed the participant's only open lease (it saves a query).
    Raises ParticipationBlocked.
    """
    if resume:
        current = _open_assignment(enrollment, now=now)
        if current is not None:
            return current
    # Checked for new work only: an item already on screen may still be finished. The
    # standing changes once per step of the participant's judgments, never after one item
    # (campaign.participants.trust.settle_standing), so the refusal names no gold item.
    if enrollment.campaign.block_untrusted and enrollment.standing == TrustState.UNTRUSTED:
        raise ParticipationBlocked()
    return _lease_new(enrollment, now=now)


def reclaim_expired_leases(
    *, campaign: Campaign | None = None, now: datetime.datetime | None = None
) -> int:
    """Mark every open lease past its expiry as expired and give its room back; returns count.

    Each batch is its own transaction (see `_reclaim_batch`) so a long sweep never holds
    thousands of row locks while participants are working.
    """
    now = now or timezone.now()
    total = 0
    while True:
        reclaimed = _reclaim_batch(campaign=campaign, now=now)
        total += reclaimed
        if reclaimed < RECLAIM_BATCH_SIZE:
            return total


def _open_assignment(enrollment: Enrollment, *, now: datetime.datetime) -> Assignment | None:
    """The participant's open lease, expiring it first if it ran out (the lazy reclaim)."""
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("comparison")
        .filter(
            annotator_id=enrollment.user_id,
            campaign=enrollment.campaign,
            status=Assignment.Status.OPEN,
        )
        .first()
    )
    if assignment is None:
        return None
    if assignment.expires_at > now:
        return assignment
    _expire(assignment)
    return None


def _expire(assignment: Assignment) -> None:
    # Caller holds the assignment's row lock; the comparison's is taken second (lock order).
    assignment.status = Assignment.Status.EXPIRED
    assignment.save(update_fields=["status"])
    release_room(assignment)


def release_room(assignment: Assignment) -> None:
    """An open lease ends without a judgment: its comparison's room goes back to the pool.

    Gold has no target, so a gold lease holds no room: its statement matches no row, and a
    gold skip costs what a regular one does. The caller holds the assignment's row lock.
    (The reclaim sweep releases many at once in ``_reclaim_batch``.)
    """
    Comparison.objects.filter(pk=assignment.comparison_id, gold_side="").update(load=F("load") - 1)


def _lease_new(enrollment: Enrollment, *, now: datetime.datetime) -> Assignment | None:
    campaign = enrollment.campaign
    assignment = Assignment(
        campaign=campaign,
        annotator_id=enrollment.user_id,
        left_side=secrets.choice(SIDES),
        leased_at=now,
        expires_at=now + datetime.timedelta(minutes=campaign.lease_minutes),
    )
    if not _pick(enrollment, assignment, gold_due=_gold_is_due(enrollment)):
        return None
    if assignment.is_gold:
        enrollment.gold_served += 1
    return assignment


def _gold_is_due(enrollment: Enrollment) -> bool:
    """Whether this item should be gold (unpredictable on purpose; no query).

    Qualification gold is spread at random over the participant's first
    ``QUALIFICATION_SPREAD x qualification_gold`` items (PRODUCT.md "Campaign settings"):
    each item is gold with probability owed / items left in that window (selection
    sampling), so every placement of the owed gold is equally likely and all of it falls
    inside the window. Once qualified, gold comes with probability ``gold_rate``.
    """
    campaign = enrollment.campaign
    owed = campaign.qualification_gold - enrollment.gold_served
    if owed > 0:
        position = enrollment.judged + enrollment.skipped
        left = max(campaign.qualification_gold * QUALIFICATION_SPREAD - position, owed)
        return _random.random() * left < owed
    return _random.random() < campaign.gold_rate


def _pick(enrollment: Enrollment, assignment: Assignment, *, gold_due: bool) -> bool:
    """Lease a comparison: fill in ``assignment``'s comparison and whether it is gold, and
    store it; False (nothing stored) when no regular work is left.

    One statement whether gold is due or not, and whether it is served or not: it locks the
    regular pick, looks up a gold candidate, takes either the regular row's room or a count
    of gold served, and inserts the lease. Both paths do the same work, so neither the number
    of statements nor their cost tells a participant that their next item is gold (PRODUCT.md:
    gold stays secret "through ... response timing"). Regular work is picked even when gold is
    due: gold is only served to someone who also has regular work left, otherwise a
    participant with nothing else to do would meet only gold (and could tell); the locked
    regular row is released at commit if gold wins. Under adaptive allocation the regular pick
    follows the priority buckets (campaign.annotate.allocation); the rest is the same statement.
    """
    start = secrets.randbelow(SHUFFLE_KEY_LIMIT)
    campaign = enrollment.campaign
    params: dict[str, Any] = {
        "campaign": campaign.pk,
        "target": campaign.judgments_per_comparison,
        "floor": campaign.min_judgments_per_comparison,
        "annotator": enrollment.user_id,
        "start": start,
        "gold_due": gold_due,
        "enrollment": enrollment.pk,
    }
    if connection.vendor != "postgresql":
        picked = _pick_in_steps(enrollment, gold_due=gold_due, params=params)
        if picked is None:
            return False
        assignment.comparison_id, assignment.is_gold = picked
        insert_instance(assignment)  # Assignment.objects.create, its INSERT built once
        return True
    lease = insert_values(assignment, exclude=tuple(PICKED))
    params.update((f"lease_{name}", value) for name, value in lease.items())
    with connection.cursor() as cursor:
        cursor.execute(pick_sql(adaptive=campaign.is_adaptive), params)
        comparison_id, is_gold, assignment_id, _gold, _served, *texts = cursor.fetchone()
    if comparison_id is None:
        return False
    assignment.comparison_id, assignment.is_gold = comparison_id, is_gold
    assignment.shown_html = text_html(texts)
    mark_inserted(assignment, assignment_id)
    return True


def _pick_in_steps(
    enrollment: Enrollment, *, gold_due: bool, params: dict[str, int]
) -> tuple[int, bool] | None:
    """The same pick for SQLite (the embedded demo, one machine and its own users), which has
    no data-modifying CTEs: as few statements as each case needs, since its timing is no
    secrecy boundary."""
    adaptive = enrollment.campaign.is_adaptive
    regular = regular_sql(adaptive=adaptive)
    if not gold_due:
        regular_id = _fetch_id(take_room_sql(regular, adaptive=adaptive) + " RETURNING id", params)
        return None if regular_id is None else (regular_id, False)
    regular_id = _fetch_id(regular, params)
    if regular_id is None:
        return None
    gold_id = _fetch_id(gold_candidate_sql(), params)
    if gold_id is None:
        _fetch_id(take_room_sql(str(regular_id), adaptive=adaptive) + " RETURNING id", params)
        return regular_id, False
    Enrollment.objects.filter(pk=enrollment.pk).update(gold_served=F("gold_served") + 1)
    return gold_id, True


def _fetch_id(sql: str, params: dict[str, int]) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else row[0]


@transaction.atomic
def _reclaim_batch(*, campaign: Campaign | None, now: datetime.datetime) -> int:
    stale = Assignment.objects.filter(status=Assignment.Status.OPEN, expires_at__lte=now)
    if campaign is not None:
        stale = stale.filter(campaign=campaign)
    # SKIP LOCKED: a lease being judged or resumed right now is that request's business.
    batch = list(
        stale.order_by("expires_at")
        .select_for_update(skip_locked=True)
        .values_list("pk", "comparison_id", "is_gold")[:RECLAIM_BATCH_SIZE]
    )
    if not batch:
        return 0
    Assignment.objects.filter(pk__in=[pk for pk, _, _ in batch]).update(
        status=Assignment.Status.EXPIRED
    )
    released = Counter(comparison_id for _, comparison_id, is_gold in batch if not is_gold)
    by_amount: dict[int, list[int]] = {}
    for comparison_id, amount in released.items():
        by_amount.setdefault(amount, []).append(comparison_id)
    for amount, comparison_ids in by_amount.items():
        # Lock in id order so two sweeps running at once cannot deadlock on these rows.
        locked = list(
            Comparison.objects.filter(pk__in=comparison_ids)
            .order_by("pk")
            .select_for_update(no_key=True)
            .values_list("pk", flat=True)
        )
        Comparison.objects.filter(pk__in=locked).update(load=F("load") - amount)
    return len(batch)
