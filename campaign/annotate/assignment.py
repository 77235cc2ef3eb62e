"""The assignment engine: which comparison a participant judges next, race-free on PostgreSQL.

Rules (PRODUCT.md): resume the participant's open lease; otherwise serve gold while they
qualify (their first ``qualification_gold`` items) and then with probability ``gold_rate``,
each gold comparison at most once per participant; otherwise the regular comparison with the
fewest judgments plus open leases below ``judgments_per_comparison`` that they have never been
served, ties broken at random. Gold is served only while regular work is left for the
participant (so a full campaign stops serving, and nobody ends up seeing nothing but gold).
Leases expire after ``lease_minutes`` and are reclaimed.

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
  do not wait for.

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

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.expressions import Combinable, NegatedExpression
from django.utils import timezone

from accounts.models import User
from campaign.exceptions import ParticipationBlocked
from campaign.models import SHUFFLE_KEY_LIMIT, Assignment, Campaign, Comparison, Enrollment
from campaign.participants.enrolment import lock_participation, require_open
from campaign.participants.trust import is_untrusted

SIDES = (Comparison.Side.A, Comparison.Side.B)
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
    campaign = enrollment.campaign
    # Checked for new work only: an item already on screen may still be finished.
    if campaign.block_untrusted and is_untrusted(annotator=enrollment.user_id, campaign=campaign):
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

    Gold has no target, so a gold lease holds no room. The caller holds the assignment's row
    lock. (The reclaim sweep releases many at once in ``_reclaim_batch``.)
    """
    if not assignment.is_gold:
        Comparison.objects.filter(pk=assignment.comparison_id).update(load=F("load") - 1)


def _lease_new(enrollment: Enrollment, *, now: datetime.datetime) -> Assignment | None:
    campaign, annotator_id = enrollment.campaign, enrollment.user_id
    gold_id = None
    if _gold_is_due(enrollment):
        # Regular work first, even when gold is due: gold is only served to someone who also
        # has regular work left, otherwise a participant with nothing else to do would meet
        # only gold (and could tell). The locked regular row is released at commit if gold wins.
        regular_id = _pick_regular(annotator_id=annotator_id, campaign=campaign)
        if regular_id is None:
            return None
        gold_id = _pick_gold(annotator_id=annotator_id, campaign=campaign)
        if gold_id is None:
            Comparison.objects.filter(pk=regular_id).update(load=F("load") + 1)
        else:
            Enrollment.objects.filter(pk=enrollment.pk).update(gold_served=F("gold_served") + 1)
            enrollment.gold_served += 1
    else:
        regular_id = _take_regular(annotator_id=annotator_id, campaign=campaign)
        if regular_id is None:
            return None
    return Assignment.objects.create(
        campaign=campaign,
        comparison_id=gold_id or regular_id,
        annotator_id=annotator_id,
        left_side=secrets.choice(SIDES),
        is_gold=gold_id is not None,
        leased_at=now,
        expires_at=now + datetime.timedelta(minutes=campaign.lease_minutes),
    )


def _gold_is_due(enrollment: Enrollment) -> bool:
    """Gold while qualifying, then with probability ``gold_rate`` (unpredictable on purpose)."""
    if enrollment.gold_served < enrollment.campaign.qualification_gold:
        return True
    return _random.random() < enrollment.campaign.gold_rate


def _not_served_to(annotator_id: int) -> NegatedExpression[Combinable]:
    return ~Exists(Assignment.objects.filter(annotator_id=annotator_id, comparison=OuterRef("pk")))


def _pick_gold(*, annotator_id: int, campaign: Campaign) -> int | None:
    """A gold comparison this participant has not met, entered at a random point of the pool.

    Gold has no target, so nothing is counted or locked: many participants may hold one gold
    comparison at once.
    """
    pool = Comparison.objects.filter(campaign=campaign, gold_side__in=SIDES).filter(
        _not_served_to(annotator_id)
    )
    start = secrets.randbelow(SHUFFLE_KEY_LIMIT)
    after = pool.filter(shuffle__gte=start).order_by("shuffle").values_list("pk", flat=True)
    picked = after.first()
    if picked is None:
        before = pool.filter(shuffle__lt=start).order_by("shuffle").values_list("pk", flat=True)
        picked = before.first()
    return picked


def _pick_regular(*, annotator_id: int, campaign: Campaign) -> int | None:
    """Lock the least loaded regular comparison below target that this participant never had."""
    return _fetch_id(
        pick_regular_sql(), [campaign.pk, campaign.judgments_per_comparison, annotator_id]
    )


def _take_regular(*, annotator_id: int, campaign: Campaign) -> int | None:
    """The same pick, its load taken in the same statement (the common, no-gold case)."""
    table = Comparison._meta.db_table
    return _fetch_id(
        f"UPDATE {table} SET load = load + 1 WHERE id = ({pick_regular_sql()}) RETURNING id",  # noqa: S608
        [campaign.pk, campaign.judgments_per_comparison, annotator_id],
    )


def _fetch_id(sql: str, params: list[int]) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else row[0]


def pick_regular_sql() -> str:
    """The pick, written out because it runs on every lease.

    Written in SQL rather than through the ORM for two reasons: building the query costs more
    CPU than running it, and ``gold_side = ''`` must be a literal, not a parameter, or a
    prepared statement's generic plan could not use the partial index it names.
    NO KEY UPDATE is strong enough against other pickers, yet it does not block the
    foreign-key checks of judgments and leases being inserted for this comparison.
    """
    comparison, assignment = Comparison._meta.db_table, Assignment._meta.db_table
    lock = " FOR NO KEY UPDATE OF c SKIP LOCKED" if connection.vendor == "postgresql" else ""
    return (
        f"SELECT c.id FROM {comparison} c"  # noqa: S608 - table names, no input
        " WHERE c.campaign_id = %s AND c.gold_side = '' AND c.load < %s"
        f" AND NOT EXISTS (SELECT 1 FROM {assignment} a"
        " WHERE a.annotator_id = %s AND a.comparison_id = c.id)"
        f" ORDER BY c.load, c.shuffle LIMIT 1{lock}"
    )


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
