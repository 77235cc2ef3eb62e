"""The assignment engine under real concurrency on PostgreSQL.

Many participants at once, each in its own thread and database connection, request and
submit until the campaign is full; along the way some reload the page, retry a submit, skip an
item or walk away from one (its lease runs out), while a background sweep reclaims expired
leases. Then the invariants of PRODUCT.md "Reliability" must hold: no comparison over its
target, nobody served one comparison twice, every acknowledged submission stored exactly
once, full coverage, and counters that agree with the rows.

Under adaptive allocation the same run starts with priority buckets on two thirds of the
comparisons, and a thread rewrites buckets at random while the first judgments arrive (as
the scoring job does); coverage then means: every comparison at least at the floor, those
left with a priority at their cap, none above it.
"""

from __future__ import annotations

import datetime
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest
from django.db import close_old_connections, connection
from django.db.models import Count, Q
from django.utils import timezone

from campaign.annotate.allocation import set_priorities
from campaign.annotate.assignment import (
    QUALIFICATION_SPREAD,
    next_assignment,
    reclaim_expired_leases,
)
from campaign.annotate.judging import judge_and_next, skip_and_next
from campaign.models import Assignment, Comparison, Enrollment, Judgment
from tests.builders import make_campaign, make_comparisons, make_participants

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

PARTICIPANTS = 55
REGULAR = 150
GOLD = 30
TARGET = 3
FLOOR = 1
DEADLINE_SECONDS = 240
CHURN_UNTIL = 150  # judgments stored before the priority rewrites stop


@dataclass(frozen=True)
class Acknowledged:
    judgment_id: int
    annotator_id: int
    comparison_id: int
    verdict: int


def _nothing_left_for(annotator, campaign, churning) -> bool:
    """Nothing can come this participant's way any more, ignoring locks.

    The engine skips rows other requests hold locked; a participant only stops once no
    regular comparison below target is left that they never had, and nobody else holds a
    lease whose room could still come back (a walked-away lease, once expired and reclaimed,
    reopens its comparison). Stopping earlier could leave that room with nobody to take it.
    Under adaptive allocation "below target" is below the cap with a priority or below the
    floor without, and nobody stops while priorities are still being rewritten.
    """
    if churning.is_set():
        return False
    eligible = Q(load__lt=TARGET)
    if campaign.is_adaptive:
        eligible = Q(priority__gt=0, load__lt=TARGET) | Q(priority=0, load__lt=FLOOR)
    free = (
        Comparison.objects.filter(eligible, campaign=campaign, gold_side="")
        .exclude(assignments__annotator=annotator)
        .exists()
    )
    held = (
        Assignment.objects.filter(campaign=campaign, status=Assignment.Status.OPEN)
        .exclude(annotator=annotator)
        .exists()
    )
    return not (free or held)


def _participate(annotator, campaign, start, acknowledged, errors, index, churning) -> None:
    """What the annotate page does: load the page, then judge (or skip) and get the next item."""
    try:
        start.wait()
        enrollment = Enrollment.objects.select_related("campaign").get(
            campaign=campaign, user=annotator
        )
        deadline = time.monotonic() + DEADLINE_SECONDS
        served = 0
        assignment = next_assignment(annotator=annotator, campaign=campaign)
        while time.monotonic() < deadline:
            if assignment is None:
                if _nothing_left_for(annotator, campaign, churning):
                    return
                time.sleep(0.005)  # others hold what is left; ask again shortly
                assignment = next_assignment(annotator=annotator, campaign=campaign)
                continue
            served += 1
            if served % 11 == 0:
                # Walks away: the lease runs out (time travel instead of waiting 15 minutes),
                # and the next page load leases something else.
                now = timezone.now()
                Assignment.objects.filter(pk=assignment.pk).update(
                    leased_at=now - datetime.timedelta(minutes=20),
                    expires_at=now - datetime.timedelta(minutes=5),
                )
                assignment = next_assignment(annotator=annotator, campaign=campaign)
                continue
            if served % 7 == 0:
                outcome = skip_and_next(
                    enrollment=enrollment, assignment_key=assignment.key, reason="looks truncated"
                )
                assignment = outcome.next_assignment
                continue
            if served % 4 == 0:
                # A page reload before answering resumes the same lease.
                again = next_assignment(annotator=annotator, campaign=campaign)
                assert again.key == assignment.key
            choice = (index + served) % 5 - 2
            outcome = judge_and_next(
                enrollment=enrollment, assignment_key=assignment.key, choice=choice, seconds=1.0
            )
            judgment = outcome.judgment
            acknowledged.append(
                Acknowledged(judgment.pk, annotator.pk, judgment.comparison_id, judgment.verdict)
            )
            if served % 5 == 0:
                # A retried request gets the same judgment back, and resumes the next item
                # the first answer leased (when it found one: locked rows may free up since).
                retried = judge_and_next(
                    enrollment=enrollment, assignment_key=assignment.key, choice=-choice or 1
                )
                assert retried.judgment.pk == judgment.pk
                if outcome.next_assignment is not None:
                    assert retried.next_assignment.key == outcome.next_assignment.key
                else:
                    # The page shows the retry's answer: a lease it found is this participant's
                    # to work on (dropped, it would hold its room for the lease's 15 minutes
                    # and keep everyone else waiting for it until the deadline).
                    outcome = retried
            assignment = outcome.next_assignment
        # What it was doing: everyone waits here when one participant's request died (a
        # deadlock between two picks, seen 2026-12-01) or dropped a lease, holding its room.
        errors.append(
            f"participant {annotator.pk} still working at the deadline: served {served}, "
            f"holding {'nothing' if assignment is None else 'a lease'}, "
            f"priorities still churning: {churning.is_set()}"
        )
    except BaseException as error:  # collected and re-raised by the main thread
        errors.append(f"participant {annotator.pk}: {error!r}")
    finally:
        connection.close()


def _sweep(campaign, stop, errors, sweeps) -> None:
    try:
        while not stop.is_set():
            reclaim_expired_leases(campaign=campaign)
            sweeps.append(1)
    except BaseException as error:
        errors.append(f"reclaimer: {error!r}")
    finally:
        connection.close()


def _churn(campaign, ids, churning, errors, rewrites) -> None:
    """The scoring job's part, at random: new buckets on random comparisons, many times."""
    try:
        chooser = random.Random(7)  # the buckets vary; no verdict depends on them
        while Judgment.objects.filter(campaign=campaign).count() < CHURN_UNTIL:
            changes = {bucket: chooser.sample(ids, 20) for bucket in (0, 1, 2, 3)}
            rewrites.append(set_priorities(campaign=campaign, changes=changes))
    except BaseException as error:
        errors.append(f"priorities: {error!r}")
    finally:
        churning.clear()
        connection.close()


@pytest.mark.parametrize("allocation", ["uniform", "adaptive"])
def test_many_participants_fill_the_campaign_without_breaking_an_invariant(allocation):
    campaign = make_campaign(
        judgments_per_comparison=TARGET,
        min_judgments_per_comparison=FLOOR,
        qualification_gold=3,
        gold_rate=0.1,
        allocation=allocation,
    )
    comparisons = make_comparisons(campaign, REGULAR, gold=GOLD)
    ids = [comparison.pk for comparison in comparisons if not comparison.is_gold]
    if campaign.is_adaptive:
        set_priorities(campaign=campaign, changes={1: ids[0::3], 3: ids[1::3]})
    annotators = make_participants(campaign, PARTICIPANTS)
    close_old_connections()
    acknowledged: list[Acknowledged] = []
    errors: list[str] = []
    start = threading.Barrier(PARTICIPANTS)
    churning, rewrites = threading.Event(), []
    threads = [
        threading.Thread(
            target=_participate,
            args=(annotator, campaign, start, acknowledged, errors, index, churning),
        )
        for index, annotator in enumerate(annotators)
    ]

    stop, sweeps = threading.Event(), []
    reclaimer = threading.Thread(target=_sweep, args=(campaign, stop, errors, sweeps))
    churner = threading.Thread(target=_churn, args=(campaign, ids, churning, errors, rewrites))

    began = time.monotonic()
    reclaimer.start()
    if campaign.is_adaptive:
        churning.set()
        churner.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    duration = time.monotonic() - began
    stop.set()
    reclaimer.join()
    if campaign.is_adaptive:
        churner.join()

    assert errors == []
    stored = list(
        Judgment.objects.filter(campaign=campaign).values_list(
            "pk", "annotator_id", "comparison_id", "verdict"
        )
    )
    statuses = Counter(
        Assignment.objects.filter(campaign=campaign).values_list("status", flat=True)
    )
    print(
        f"\n{PARTICIPANTS} participants stored {len(stored)} judgments "
        f"({REGULAR} regular x {TARGET} + gold) in {duration:.1f} s, "
        f"{len(stored) / duration:.0f} judgments/s; leases {dict(statuses)}; "
        f"{len(sweeps)} reclaim sweeps; {len(rewrites)} priority rewrites ({allocation})"
    )

    # Every acknowledged submission is stored exactly once, and nothing else is.
    assert Counter(stored) == Counter(
        (ack.judgment_id, ack.annotator_id, ack.comparison_id, ack.verdict) for ack in acknowledged
    )
    # Nobody judged or was served one comparison twice.
    assert not (
        Judgment.objects.values("comparison", "annotator").annotate(n=Count("pk")).filter(n__gt=1)
    )
    assert not (
        Assignment.objects.values("comparison", "annotator").annotate(n=Count("pk")).filter(n__gt=1)
    )
    # No comparison over its target; every one exactly at it (full coverage); counters agree.
    regular = Comparison.objects.filter(campaign=campaign, gold_side="").annotate(
        judged=Count("judgments", distinct=True),
        open=Count("assignments", filter=Q(assignments__status="open"), distinct=True),
    )
    if campaign.is_adaptive:
        # Adaptive: nobody above the cap, everybody at the floor, priorities served to the cap.
        assert all(FLOOR <= row.judged <= TARGET for row in regular)
        assert all(row.judged == TARGET for row in regular if row.priority > 0)
    else:
        assert sorted({row.judged for row in regular}) == [TARGET]
    assert all(row.load == row.judged + row.open for row in regular)
    assert not Assignment.objects.filter(campaign=campaign, status="open").exists()
    # The counters the annotate loop reads agree with the rows they count.
    for enrollment in Enrollment.objects.filter(campaign=campaign):
        mine = Assignment.objects.filter(campaign=campaign, annotator_id=enrollment.user_id)
        assert (
            enrollment.judged
            == Judgment.objects.filter(campaign=campaign, annotator_id=enrollment.user_id).count()
        )
        assert enrollment.skipped == mine.filter(status="skipped").count()
        assert enrollment.gold_served == mine.filter(is_gold=True).count()
    # Qualification gold came early (all of it in the first items of anyone who had that
    # many), and at random places: not everybody's first three.
    window = 3 * QUALIFICATION_SPREAD
    firsts = []
    for annotator in annotators:
        served = list(
            Assignment.objects.filter(annotator=annotator)
            .order_by("pk")
            .values_list("is_gold", flat=True)
        )
        if len(served) >= window:
            assert sum(served[:window]) >= 3
        firsts.append(served[:3])
    assert any(first != [True, True, True] for first in firsts)


def twice_at_once(annotators, request) -> dict[int, list]:
    """``request(annotator)`` twice per annotator, every call at once in its own thread and
    connection (a double click each); what the calls returned, by annotator."""
    close_old_connections()
    results: dict[int, list] = {annotator.pk: [] for annotator in annotators}
    errors: list[str] = []
    start = threading.Barrier(2 * len(annotators))

    def call(annotator):
        try:
            start.wait()
            results[annotator.pk].append(request(annotator))
        except BaseException as error:
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=call, args=(annotator,))
        for annotator in annotators
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def test_a_double_click_from_one_participant_yields_a_single_lease():
    campaign = make_campaign(qualification_gold=0, gold_rate=0.0)
    make_comparisons(campaign, 40)
    annotators = make_participants(campaign, 10)

    results = twice_at_once(
        annotators,
        lambda annotator: str(next_assignment(annotator=annotator, campaign=campaign).key),
    )

    for keys in results.values():
        assert len(keys) == 2 and keys[0] == keys[1]
    assert Assignment.objects.filter(campaign=campaign).count() == len(annotators)
    assert sum(Comparison.objects.values_list("load", flat=True)) == len(annotators)


def test_a_double_submit_from_one_participant_stores_one_judgment_and_one_next_lease():
    # The second request waits for the enrolment's lock in the statement that also locks the
    # assignment (campaign.annotate.locks): it must still find the assignment judged by the
    # first, answer with the same judgment, and resume the lease the first one took.
    campaign = make_campaign(qualification_gold=0, gold_rate=0.0)
    make_comparisons(campaign, 40)
    annotators = make_participants(campaign, 10)
    keys = {a.pk: next_assignment(annotator=a, campaign=campaign).key for a in annotators}
    enrollments = {
        e.user_id: e
        for e in Enrollment.objects.select_related("campaign").filter(campaign=campaign)
    }

    def submit(annotator):
        outcome = judge_and_next(
            enrollment=enrollments[annotator.pk], assignment_key=keys[annotator.pk], choice=1
        )
        return outcome.judgment.pk, str(outcome.next_assignment.key)

    results = twice_at_once(annotators, submit)

    for annotator in annotators:
        first, second = results[annotator.pk]
        assert first == second
        enrollment = Enrollment.objects.get(user=annotator, campaign=campaign)
        assert enrollment.judged == Judgment.objects.filter(annotator=annotator).count() == 1
        assert Assignment.objects.filter(annotator=annotator, status="open").count() == 1
    assert sum(Comparison.objects.values_list("load", flat=True)) == 2 * len(annotators)
