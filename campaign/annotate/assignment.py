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
  do not wait for.

Why a gold item cannot be told by its cost: the pick is one statement that does the same
work whether it serves gold or not (``_pick``), and nothing else on the path depends on it.

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
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from campaign.annotate.allocation import adaptive_regular_sql, taken_sql
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
from campaign.rows import insert_instance

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
    picked = _pick(enrollment, gold_due=_gold_is_due(enrollment))
    if picked is None:
        return None
    comparison_id, is_gold = picked
    if is_gold:
        enrollment.gold_served += 1
    assignment = Assignment(
        campaign=campaign,
        comparison_id=comparison_id,
        annotator_id=enrollment.user_id,
        left_side=secrets.choice(SIDES),
        is_gold=is_gold,
        leased_at=now,
        expires_at=now + datetime.timedelta(minutes=campaign.lease_minutes),
    )
    insert_instance(assignment)  # Assignment.objects.create, its INSERT built once
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


def _pick(enrollment: Enrollment, *, gold_due: bool) -> tuple[int, bool] | None:
    """The comparison to lease and whether it is gold; None when no regular work is left.

    One statement whether gold is due or not, and whether it is served or not: it locks the
    regular pick, looks up a gold candidate, and takes either the regular row's room or a
    count of gold served. Both paths do the same work, so neither the number of statements
    nor their cost tells a participant that their next item is gold (PRODUCT.md: gold stays
    secret "through ... response timing"). Regular work is picked even when gold is due:
    gold is only served to someone who also has regular work left, otherwise a participant
    with nothing else to do would meet only gold (and could tell); the locked regular row is
    released at commit if gold wins. Under adaptive allocation the regular pick follows the
    priority buckets (campaign.annotate.allocation); the rest is the same statement.
    """
    start = secrets.randbelow(SHUFFLE_KEY_LIMIT)
    campaign = enrollment.campaign
    params: dict[str, int] = {
        "campaign": campaign.pk,
        "target": campaign.judgments_per_comparison,
        "floor": campaign.min_judgments_per_comparison,
        "annotator": enrollment.user_id,
        "start": start,
        "gold_due": gold_due,
        "enrollment": enrollment.pk,
    }
    if connection.vendor != "postgresql":
        return _pick_in_steps(enrollment, gold_due=gold_due, params=params)
    with connection.cursor() as cursor:
        cursor.execute(_pick_sql(adaptive=campaign.is_adaptive), params)
        row = cursor.fetchone()
    return None if row is None or row[0] is None else (row[0], row[1])


def _regular_sql(*, adaptive: bool) -> str:
    """The regular pick with named parameters (campaign, target, annotator; floor if adaptive)."""
    if adaptive:
        return adaptive_regular_sql()
    regular = pick_regular_sql().replace("%s", "%(campaign)s", 1)
    return regular.replace("%s", "%(target)s", 1).replace("%s", "%(annotator)s", 1)


def _taken_sql(regular: str, *, adaptive: bool) -> str:
    if adaptive:
        return taken_sql(regular)
    return f"UPDATE {Comparison._meta.db_table} SET load = load + 1 WHERE id = ({regular})"  # noqa: S608


def _pick_sql(*, adaptive: bool) -> str:
    """The pick as one statement (PostgreSQL): data-modifying CTEs run whatever is chosen.

    ``gold`` is MATERIALIZED and read by the final SELECT, so its index walk runs on every
    request, not only when gold is due.
    """
    enrollment = Enrollment._meta.db_table
    regular = _regular_sql(adaptive=adaptive)
    taken = _taken_sql("SELECT id FROM regular", adaptive=adaptive)
    return (
        f"WITH regular AS MATERIALIZED ({regular}),"  # noqa: S608 - table names, no input
        f" gold AS MATERIALIZED ({_gold_candidate_sql()}),"
        " chosen AS MATERIALIZED (SELECT gold.id FROM gold, regular WHERE %(gold_due)s),"
        f" taken AS ({taken} AND NOT EXISTS (SELECT 1 FROM chosen) RETURNING id),"
        f" served AS (UPDATE {enrollment} SET gold_served = gold_served + 1"
        " WHERE id = %(enrollment)s AND EXISTS (SELECT 1 FROM chosen) RETURNING id)"
        " SELECT COALESCE((SELECT id FROM chosen), (SELECT id FROM taken)),"
        " EXISTS (SELECT 1 FROM chosen), (SELECT id FROM gold), (SELECT count(*) FROM served)"
    )


def _gold_candidate_sql() -> str:
    """A gold comparison this participant has not met, entered at a random point of the pool.

    Two walks of ``comparison_gold_pool`` from ``start`` (then from the front, to wrap
    around), the second only read when the first finds nothing. Gold has no target, so
    nothing is counted or locked: many participants may hold one gold comparison at once.
    """
    comparison, assignment = Comparison._meta.db_table, Assignment._meta.db_table
    walk = (
        f"SELECT c.id FROM {comparison} c"  # noqa: S608 - table names, no input
        " WHERE c.campaign_id = %(campaign)s AND c.gold_side IN ('a', 'b') AND c.shuffle {op}"
        f" %(start)s AND NOT EXISTS (SELECT 1 FROM {assignment} a"
        " WHERE a.annotator_id = %(annotator)s AND a.comparison_id = c.id)"
        " ORDER BY c.shuffle LIMIT 1"
    )
    return (
        f"SELECT * FROM ({walk.format(op='>=')}) AS after_start"  # noqa: S608 - no input
        f" UNION ALL SELECT * FROM ({walk.format(op='<')}) AS before_start LIMIT 1"
    )


def _pick_in_steps(
    enrollment: Enrollment, *, gold_due: bool, params: dict[str, int]
) -> tuple[int, bool] | None:
    """The same pick for SQLite (the embedded demo, one machine and its own users), which has
    no data-modifying CTEs: as few statements as each case needs, since its timing is no
    secrecy boundary."""
    adaptive = enrollment.campaign.is_adaptive
    regular = _regular_sql(adaptive=adaptive)
    if not gold_due:
        regular_id = _fetch_id(_taken_sql(regular, adaptive=adaptive) + " RETURNING id", params)
        return None if regular_id is None else (regular_id, False)
    regular_id = _fetch_id(regular, params)
    if regular_id is None:
        return None
    gold_id = _fetch_id(_gold_candidate_sql(), params)
    if gold_id is None:
        _fetch_id(_taken_sql(str(regular_id), adaptive=adaptive) + " RETURNING id", params)
        return regular_id, False
    Enrollment.objects.filter(pk=enrollment.pk).update(gold_served=F("gold_served") + 1)
    return gold_id, True


def _fetch_id(sql: str, params: dict[str, int]) -> int | None:
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
