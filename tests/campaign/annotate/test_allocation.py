"""Adaptive allocation in the assignment engine: each rule pinned where the engine has one choice.

Priorities are set on the comparisons directly (the scoring job's part is tested in
tests/scoring/test_allocation.py); each campaign is built so that exactly one comparison is
eligible at each step, so no verdict depends on the random tie-break.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection

from campaign.annotate import allocation
from campaign.annotate.allocation import adaptive_regular_sql, set_priorities
from campaign.annotate.assignment import next_assignment, reclaim_expired_leases
from campaign.annotate.judging import judge_and_next, skip_assignment
from campaign.exceptions import InvalidCampaignSettings, LeaseExpired
from campaign.models import Assignment, Comparison, Enrollment
from campaign.services import update_campaign_settings
from tests.builders import (
    expire_lease,
    judge_lease,
    judge_preferring,
    make_campaign,
    make_comparisons,
    make_participant,
)

pytestmark = pytest.mark.django_db


def adaptive_campaign(**settings):
    settings.setdefault("qualification_gold", 0)
    settings.setdefault("gold_rate", 0.0)
    return make_campaign(allocation="adaptive", **settings)


def with_priorities(campaign, *priorities, loads=None):
    """One regular comparison per priority given, in that order, with optional loads."""
    comparisons = make_comparisons(campaign, len(priorities))
    for index, (comparison, priority) in enumerate(zip(comparisons, priorities, strict=True)):
        load = loads[index] if loads else 0
        Comparison.objects.filter(pk=comparison.pk).update(priority=priority, load=load)
    return comparisons


def state(comparison):
    comparison.refresh_from_db()
    return comparison.load, comparison.priority


def served(campaign, participants=1):
    return [
        next_assignment(annotator=make_participant(campaign), campaign=campaign)
        for _ in range(participants)
    ]


def test_the_highest_priority_comparison_is_served_first_whatever_its_load():
    campaign = adaptive_campaign(judgments_per_comparison=3)
    _low, high, _middle = with_priorities(campaign, 1, 3, 2, loads=[0, 2, 1])

    (lease,) = served(campaign)

    assert lease.comparison_id == high.pk


def test_uniform_allocation_ignores_priorities_and_serves_the_least_loaded():
    campaign = make_campaign(qualification_gold=0, gold_rate=0.0, judgments_per_comparison=3)
    low, _high, _middle = with_priorities(campaign, 1, 3, 2, loads=[0, 2, 1])

    (lease,) = served(campaign)

    assert lease.comparison_id == low.pk


def test_no_comparison_goes_above_its_cap_and_the_last_place_clears_its_priority():
    campaign = adaptive_campaign(judgments_per_comparison=2)
    (urgent,) = with_priorities(campaign, 3)

    first, second, third = served(campaign, 3)

    assert first.comparison_id == second.comparison_id == urgent.pk
    assert third is None
    assert state(urgent) == (2, 0)


def test_a_settled_comparison_gets_the_floor_and_no_more():
    campaign = adaptive_campaign(judgments_per_comparison=3, min_judgments_per_comparison=2)
    (settled,) = with_priorities(campaign, 0)

    leases = served(campaign, 3)

    assert [lease and lease.comparison_id for lease in leases] == [settled.pk, settled.pk, None]
    assert state(settled) == (2, 0)


def test_every_comparison_gets_its_floor_once_urgent_work_is_full():
    # The settled comparison waits behind the urgent one, but it is served before the
    # engine reports that nothing is left.
    campaign = adaptive_campaign(judgments_per_comparison=2)
    urgent, settled = with_priorities(campaign, 3, 0)

    leases = served(campaign, 4)

    assert [lease and lease.comparison_id for lease in leases] == [
        urgent.pk,
        urgent.pk,
        settled.pk,
        None,
    ]


def test_a_participant_never_gets_a_comparison_twice_under_adaptive():
    campaign = adaptive_campaign(judgments_per_comparison=3)
    (urgent,) = with_priorities(campaign, 3)
    annotator = make_participant(campaign)
    judge_lease(annotator, campaign, next_assignment(annotator=annotator, campaign=campaign))

    assert next_assignment(annotator=annotator, campaign=campaign) is None
    assert state(urgent) == (1, 3)


def test_gold_comes_at_the_gold_rate_while_regular_work_is_left():
    campaign = adaptive_campaign(gold_rate=1.0, judgments_per_comparison=1)
    (urgent,) = with_priorities(campaign, 3)
    make_comparisons(campaign, 0, gold=1)
    annotator = make_participant(campaign)

    gold = next_assignment(annotator=annotator, campaign=campaign)
    assert gold.is_gold and state(urgent) == (0, 3)  # the regular row was only looked at
    judge_preferring(annotator, campaign, gold, prefer="a")
    regular = next_assignment(annotator=annotator, campaign=campaign)

    assert regular.comparison_id == urgent.pk and not regular.is_gold
    assert Enrollment.objects.get(user=annotator).gold_served == 1


def test_no_gold_is_served_at_a_gold_rate_of_zero():
    campaign = adaptive_campaign(gold_rate=0.0, judgments_per_comparison=1)
    with_priorities(campaign, 3, 2)
    make_comparisons(campaign, 0, gold=2)
    annotator = make_participant(campaign)

    first = next_assignment(annotator=annotator, campaign=campaign)
    judge_lease(annotator, campaign, first)
    second = next_assignment(annotator=annotator, campaign=campaign)

    assert not first.is_gold and not second.is_gold


def test_a_skip_gives_the_place_back_and_the_priority_waits_for_the_next_run():
    campaign = adaptive_campaign(judgments_per_comparison=1)
    (urgent,) = with_priorities(campaign, 3)
    skipper, other = make_participant(campaign), make_participant(campaign)
    lease = next_assignment(annotator=skipper, campaign=campaign)
    assert state(urgent) == (1, 0)

    skip_assignment(annotator=skipper, campaign=campaign, assignment_key=lease.key, reason="x")

    assert state(urgent) == (0, 0)
    # Still served: below the floor, in the settled bucket until scoring runs again.
    assert next_assignment(annotator=other, campaign=campaign).comparison_id == urgent.pk


def test_a_reclaimed_lease_gives_its_place_back():
    campaign = adaptive_campaign(judgments_per_comparison=2)
    (urgent,) = with_priorities(campaign, 3)
    expire_lease(next_assignment(annotator=make_participant(campaign), campaign=campaign))

    assert reclaim_expired_leases(campaign=campaign) == 1

    assert state(urgent) == (0, 3)
    assert not Assignment.objects.filter(status=Assignment.Status.OPEN).exists()


def test_a_late_judgment_taking_the_last_place_clears_the_priority():
    campaign = adaptive_campaign(judgments_per_comparison=1)
    (urgent,) = with_priorities(campaign, 3)
    slow = make_participant(campaign)
    lease = next_assignment(annotator=slow, campaign=campaign)
    expire_lease(lease)
    reclaim_expired_leases(campaign=campaign)
    Comparison.objects.filter(pk=urgent.pk).update(priority=3)  # as the next run would

    judge_preferring(slow, campaign, lease, prefer="a")

    assert state(urgent) == (1, 0)


def test_a_late_judgment_that_leaves_a_place_keeps_the_priority():
    # Three places: a reclaimed lease judged late while another participant holds one takes
    # the second place; one is left, so the comparison stays in its priority's bucket.
    campaign = adaptive_campaign(judgments_per_comparison=3)
    (urgent,) = with_priorities(campaign, 3)
    slow = make_participant(campaign)
    lease = next_assignment(annotator=slow, campaign=campaign)
    expire_lease(lease)
    reclaim_expired_leases(campaign=campaign)
    next_assignment(annotator=make_participant(campaign), campaign=campaign)
    assert state(urgent) == (1, 3)

    judge_preferring(slow, campaign, lease, prefer="a")

    assert state(urgent) == (2, 3)


def test_a_late_judgment_is_refused_once_the_comparison_is_at_its_cap():
    campaign = adaptive_campaign(judgments_per_comparison=1)
    (urgent,) = with_priorities(campaign, 3)
    slow, quick = make_participant(campaign), make_participant(campaign)
    lease = next_assignment(annotator=slow, campaign=campaign)
    expire_lease(lease)
    reclaim_expired_leases(campaign=campaign)
    judge_lease(quick, campaign, next_assignment(annotator=quick, campaign=campaign))
    enrollment = Enrollment.objects.select_related("campaign").get(user=slow)

    with pytest.raises(LeaseExpired):
        judge_and_next(enrollment=enrollment, assignment_key=lease.key, choice=1)

    assert state(urgent) == (1, 0)


def test_set_priorities_writes_regular_rows_of_the_campaign_and_zero_on_full_ones():
    campaign = adaptive_campaign(judgments_per_comparison=2)
    open_row, full_row = with_priorities(campaign, 0, 0, loads=[1, 2])
    (gold,) = make_comparisons(campaign, 0, gold=1)
    other = adaptive_campaign()
    (foreign,) = with_priorities(other, 0)

    written = set_priorities(
        campaign=campaign, changes={3: [open_row.pk, full_row.pk, gold.pk, foreign.pk]}
    )

    assert written == 2
    assert state(open_row) == (1, 3)
    assert state(full_row) == (2, 0)
    assert state(gold)[1] == 0 and state(foreign)[1] == 0


def test_set_priorities_counts_the_rows_written_over_every_bucket_and_batch(monkeypatch):
    monkeypatch.setattr(allocation, "PRIORITY_BATCH_SIZE", 2)
    campaign = adaptive_campaign(judgments_per_comparison=2)
    rows = with_priorities(campaign, 0, 0, 0, 0)

    written = set_priorities(
        campaign=campaign, changes={2: [row.pk for row in rows[:3]], 3: [rows[3].pk]}
    )

    assert written == 4
    assert [state(row) for row in rows] == [(0, 2), (0, 2), (0, 2), (0, 3)]


def test_the_floor_cannot_exceed_the_cap():
    campaign = adaptive_campaign(judgments_per_comparison=2)

    with pytest.raises(InvalidCampaignSettings, match="floor cannot exceed"):
        update_campaign_settings(campaign=campaign, changes={"min_judgments_per_comparison": 3})

    campaign.refresh_from_db()
    assert campaign.min_judgments_per_comparison == 1


def test_an_unknown_allocation_is_refused():
    with pytest.raises(InvalidCampaignSettings, match="allocation"):
        make_campaign(allocation="greedy")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL query plans")
def test_the_adaptive_pick_walks_the_adaptive_queue_index_without_sorting():
    campaign = adaptive_campaign()
    with_priorities(campaign, *([0, 1, 2, 3] * 10))
    annotator = make_participant(campaign)
    params = {"campaign": campaign.pk, "target": 3, "floor": 1, "annotator": annotator.pk}
    sql = adaptive_regular_sql()
    for name, value in params.items():
        sql = sql.replace(f"%({name})s", str(int(value)))

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    walks = re.findall(r"Index Scan using (comparison_\w+)", plan)
    # The urgent walk needs the adaptive queue (rows with a bucket only); the floor walk
    # (priority = 0, load < floor) the regular one, where it passes over only rows the urgent
    # walk would have served, which are this participant's own or locked. A sort or a scan of
    # the table never.
    assert walks == ["comparison_adaptive_queue", "comparison_regular_queue"], plan
    assert "Sort" not in plan and "Seq Scan" not in plan, plan
