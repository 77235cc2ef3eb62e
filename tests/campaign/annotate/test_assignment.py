"""The assignment engine: who gets which comparison next, leases and their expiry."""

from __future__ import annotations

import datetime
import types

import pytest
from django.db import connection
from django.utils import timezone

from campaign.annotate import assignment as engine
from campaign.annotate.assignment import (
    QUALIFICATION_SPREAD,
    next_assignment,
    reclaim_expired_leases,
)
from campaign.annotate.judging import (
    skip_assignment,
)
from campaign.exceptions import CampaignNotOpen, NotEnrolled
from campaign.models import Assignment, Campaign, Comparison, Enrollment, Judgment
from campaign.selectors import comparison_html
from tests.builders import (
    expire_lease,
    judge_lease,
    make_campaign,
    make_comparisons,
    make_participant,
    make_user,
    other_session,
    waits_fail,
)

pytestmark = pytest.mark.django_db


def regular_campaign(**settings):
    settings.setdefault("qualification_gold", 0)
    settings.setdefault("gold_rate", 0.0)
    return make_campaign(**settings)


def load_of(comparison):
    comparison.refresh_from_db(fields=["load"])
    return comparison.load


def test_an_open_lease_is_resumed_rather_than_a_new_one_served():
    campaign = regular_campaign()
    make_comparisons(campaign, 5)
    annotator = make_participant(campaign)

    first = next_assignment(annotator=annotator, campaign=campaign)
    again = next_assignment(annotator=annotator, campaign=campaign)

    assert again.key == first.key
    assert Assignment.objects.filter(annotator=annotator).count() == 1


def test_a_new_lease_counts_towards_the_comparison_load_and_expires_after_lease_minutes():
    campaign = regular_campaign(lease_minutes=20)
    (comparison,) = make_comparisons(campaign, 1)
    annotator = make_participant(campaign)

    assignment = next_assignment(annotator=annotator, campaign=campaign)

    assert assignment.comparison_id == comparison.pk
    assert assignment.status == Assignment.Status.OPEN
    assert assignment.expires_at - assignment.leased_at == datetime.timedelta(minutes=20)
    assert load_of(comparison) == 1


def test_the_least_loaded_regular_comparison_is_served_first():
    campaign = regular_campaign()
    busy, quiet, medium = make_comparisons(campaign, 3)
    Comparison.objects.filter(pk=busy.pk).update(load=2)
    Comparison.objects.filter(pk=medium.pk).update(load=1)
    annotator = make_participant(campaign)

    assert next_assignment(annotator=annotator, campaign=campaign).comparison_id == quiet.pk


def test_ties_are_broken_by_the_random_shuffle_key_not_by_creation_order():
    campaign = regular_campaign()
    comparisons = make_comparisons(campaign, 4)
    for rank, comparison in enumerate(reversed(comparisons)):
        Comparison.objects.filter(pk=comparison.pk).update(shuffle=rank)
    annotator = make_participant(campaign)

    assignment = next_assignment(annotator=annotator, campaign=campaign)

    assert assignment.comparison_id == comparisons[-1].pk


def test_shuffle_keys_differ_between_comparisons():
    campaign = regular_campaign()
    comparisons = make_comparisons(campaign, 20)
    assert len({comparison.shuffle for comparison in comparisons}) > 1


def test_a_comparison_at_its_target_is_not_served():
    campaign = regular_campaign(judgments_per_comparison=1)
    make_comparisons(campaign, 1)
    first, second = make_participant(campaign), make_participant(campaign)

    assert next_assignment(annotator=first, campaign=campaign) is not None
    assert next_assignment(annotator=second, campaign=campaign) is None


def test_a_participant_is_never_served_a_comparison_judged_or_skipped_before():
    campaign = regular_campaign(judgments_per_comparison=3)
    make_comparisons(campaign, 2)
    annotator = make_participant(campaign)

    judge_lease(annotator, campaign, next_assignment(annotator=annotator, campaign=campaign))
    skipped = next_assignment(annotator=annotator, campaign=campaign)
    skip_assignment(
        annotator=annotator, campaign=campaign, assignment_key=skipped.key, reason="truncated"
    )

    assert next_assignment(annotator=annotator, campaign=campaign) is None


def test_left_side_is_randomised_per_assignment():
    campaign = regular_campaign(judgments_per_comparison=1)
    make_comparisons(campaign, 40)
    annotator = make_participant(campaign)
    sides = set()
    for _ in range(40):
        assignment = next_assignment(annotator=annotator, campaign=campaign)
        sides.add(assignment.left_side)
        judge_lease(annotator, campaign, assignment)
    assert sides == {"a", "b"}


def test_qualification_gold_is_spread_at_random_over_the_first_items():
    campaign = make_campaign(qualification_gold=3, gold_rate=0.0, judgments_per_comparison=50)
    make_comparisons(campaign, 12, gold=4)
    window = 3 * QUALIFICATION_SPREAD

    placements = set()
    for _ in range(20):
        annotator = make_participant(campaign)
        served = []
        while (assignment := next_assignment(annotator=annotator, campaign=campaign)) is not None:
            served.append(assignment.is_gold)
            judge_lease(annotator, campaign, assignment)
        placement = tuple(position for position, gold in enumerate(served) if gold)
        assert len(placement) == 3 and placement[-1] < window  # all of it, early
        placements.add(placement)

    assert placements != {(0, 1, 2)}  # not always first
    assert len(placements) > 1  # and not the same for everyone (colluders cannot pool it)


def test_after_qualification_gold_is_served_at_gold_rate_one():
    campaign = make_campaign(qualification_gold=1, gold_rate=1.0)
    make_comparisons(campaign, 5, gold=5)
    annotator = make_participant(campaign)

    served = []
    for _ in range(5):
        assignment = next_assignment(annotator=annotator, campaign=campaign)
        served.append(assignment.is_gold)
        judge_lease(annotator, campaign, assignment)

    qualified = served.index(True)
    assert qualified < QUALIFICATION_SPREAD
    assert all(served[qualified:])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite leases in steps")
def test_a_new_lease_brings_its_comparison_s_texts_gold_or_regular_alike():
    campaign = make_campaign(qualification_gold=0, gold_rate=1.0)  # gold first, then regular
    make_comparisons(campaign, 3, gold=3)
    annotator = make_participant(campaign)

    kinds = set()
    for _ in range(6):
        assignment = next_assignment(annotator=annotator, campaign=campaign)
        # The pick statement read them: the same HTML the page's own query reads.
        assert assignment.shown_html == comparison_html(assignment.comparison_id)
        resumed = next_assignment(annotator=annotator, campaign=campaign)
        assert resumed.key == assignment.key
        assert resumed.shown_html is None  # a resumed lease: the page reads its texts itself
        kinds.add(assignment.is_gold)
        judge_lease(annotator, campaign, assignment)
    assert kinds == {True, False}


def test_each_gold_comparison_is_served_once_and_an_exhausted_pool_falls_back_to_regular():
    campaign = make_campaign(qualification_gold=0, gold_rate=1.0)
    make_comparisons(campaign, 3, gold=2)
    annotator = make_participant(campaign)

    served = []
    while (assignment := next_assignment(annotator=annotator, campaign=campaign)) is not None:
        served.append(assignment)
        judge_lease(annotator, campaign, assignment)

    assert [assignment.is_gold for assignment in served] == [True, True, False, False, False]
    assert len({assignment.comparison_id for assignment in served}) == 5


def test_gold_leases_do_not_count_towards_any_load_and_gold_has_no_target():
    campaign = make_campaign(qualification_gold=0, gold_rate=1.0, judgments_per_comparison=1)
    _regular, gold = make_comparisons(campaign, 1, gold=1)
    people = [make_participant(campaign) for _ in range(3)]

    for person in people:
        assignment = next_assignment(annotator=person, campaign=campaign)
        assert assignment.comparison_id == gold.pk

    assert load_of(gold) == 0


def test_gold_is_not_served_once_no_regular_work_is_left_for_the_participant():
    campaign = make_campaign(qualification_gold=3, gold_rate=1.0, judgments_per_comparison=1)
    make_comparisons(campaign, 1, gold=5)
    (regular,) = Comparison.objects.filter(campaign=campaign, gold_side="")
    Comparison.objects.filter(pk=regular.pk).update(load=1)

    assert next_assignment(annotator=make_participant(campaign), campaign=campaign) is None


def test_a_participant_past_the_qualification_window_gets_the_gold_still_owed_at_once():
    # Skipped items count as items: 1,000 skips put the participant far past the window of
    # QUALIFICATION_SPREAD x qualification_gold items, so the one gold item owed comes next.
    campaign = make_campaign(qualification_gold=1, gold_rate=0.0, judgments_per_comparison=5)
    make_comparisons(campaign, 1, gold=1)
    people = [make_participant(campaign) for _ in range(3)]
    Enrollment.objects.filter(campaign=campaign).update(skipped=1000)

    leases = [next_assignment(annotator=person, campaign=campaign) for person in people]

    assert [lease.is_gold for lease in leases] == [True, True, True]


def test_a_lease_runs_out_at_its_expiry_time_exactly(monkeypatch):
    campaign = regular_campaign()
    make_comparisons(campaign, 2)
    annotator = make_participant(campaign)
    first = next_assignment(annotator=annotator, campaign=campaign)
    monkeypatch.setattr(engine, "timezone", types.SimpleNamespace(now=lambda: first.expires_at))

    second = next_assignment(annotator=annotator, campaign=campaign)

    first.refresh_from_db()
    assert first.status == Assignment.Status.EXPIRED
    assert second.key != first.key


def test_an_expired_own_lease_is_expired_and_a_fresh_item_served():
    campaign = regular_campaign()
    make_comparisons(campaign, 2)
    annotator = make_participant(campaign)
    stale = next_assignment(annotator=annotator, campaign=campaign)
    expire_lease(stale)

    fresh = next_assignment(annotator=annotator, campaign=campaign)

    stale.refresh_from_db()
    assert stale.status == Assignment.Status.EXPIRED
    assert fresh.key != stale.key
    assert load_of(stale.comparison) == 0


def test_reclaim_expired_leases_gives_room_back_to_the_comparison():
    campaign = regular_campaign(judgments_per_comparison=1)
    (comparison,) = make_comparisons(campaign, 1)
    slow, other = make_participant(campaign), make_participant(campaign)
    lease = next_assignment(annotator=slow, campaign=campaign)
    assert next_assignment(annotator=other, campaign=campaign) is None
    expire_lease(lease)

    assert reclaim_expired_leases(campaign=campaign) == 1

    lease.refresh_from_db()
    assert lease.status == Assignment.Status.EXPIRED
    assert load_of(comparison) == 0
    assert next_assignment(annotator=other, campaign=campaign).comparison_id == comparison.pk


def test_reclaim_leaves_current_leases_and_other_campaigns_alone():
    campaign, elsewhere = regular_campaign(), regular_campaign()
    make_comparisons(campaign, 2)
    make_comparisons(elsewhere, 1)
    stale_person, fresh_person = make_participant(campaign), make_participant(campaign)
    stale = next_assignment(annotator=stale_person, campaign=campaign)
    fresh = next_assignment(annotator=fresh_person, campaign=campaign)
    foreign_person = make_participant(elsewhere)
    foreign = next_assignment(annotator=foreign_person, campaign=elsewhere)
    expire_lease(stale)
    expire_lease(foreign)

    assert reclaim_expired_leases(campaign=campaign) == 1

    fresh.refresh_from_db()
    foreign.refresh_from_db()
    assert fresh.status == Assignment.Status.OPEN
    assert foreign.status == Assignment.Status.OPEN
    assert reclaim_expired_leases() == 1


def test_a_closed_or_draft_campaign_serves_nothing():
    for status in (Campaign.Status.DRAFT, Campaign.Status.CLOSED):
        campaign = regular_campaign(status=status)
        make_comparisons(campaign, 1)
        annotator = make_participant(campaign)
        with pytest.raises(CampaignNotOpen):
            next_assignment(annotator=annotator, campaign=campaign)


def test_a_campaign_past_its_end_serves_nothing():
    campaign = regular_campaign(ends_at=timezone.now() - datetime.timedelta(minutes=1))
    make_comparisons(campaign, 1)
    with pytest.raises(CampaignNotOpen):
        next_assignment(annotator=make_participant(campaign), campaign=campaign)


def test_a_stranger_who_is_not_enrolled_is_refused():
    campaign = regular_campaign()
    make_comparisons(campaign, 1)
    with pytest.raises(NotEnrolled):
        next_assignment(annotator=make_user(), campaign=campaign)


def test_the_cost_of_serving_does_not_grow_with_the_campaign(django_assert_max_num_queries):
    small, large = regular_campaign(), regular_campaign()
    make_comparisons(small, 5)
    make_comparisons(large, 500)
    # Savepoints count as queries here (the test's transaction turns each atomic block into
    # one): serving is enrolment lock, open lease, pick, load, insert; judging is enrolment
    # lock, assignment lock, insert, assignment status, enrolment counter.
    for campaign in (small, large):
        annotator = make_participant(campaign)
        for _ in range(3):
            with django_assert_max_num_queries(7):
                assignment = next_assignment(annotator=annotator, campaign=campaign)
            with django_assert_max_num_queries(7):
                judge_lease(annotator, campaign, assignment)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL query plans")
def test_the_pick_is_an_ordered_scan_of_the_regular_queue_index():
    campaign = regular_campaign()
    make_comparisons(campaign, 50)
    annotator = make_participant(campaign)
    from campaign.annotate.pick import pick_regular_sql  # the engine's own query, planned

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        # A generic plan, as a prepared statement may get: the partial index must still fit.
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        numbered = pick_regular_sql().replace("%s", "$1", 1).replace("%s", "$2", 1)
        numbered = numbered.replace("%s", "$3", 1)
        cursor.execute(f"PREPARE pick(bigint, int, bigint) AS {numbered}")
        # Utility statements take no bound parameters; these are integers from the database.
        cursor.execute(f"EXPLAIN EXECUTE pick({int(campaign.pk)}, 3, {int(annotator.pk)})")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE pick")

    assert "comparison_regular_queue" in plan
    assert "Sort" not in plan


def test_a_judgment_leaves_the_load_unchanged_and_a_skip_releases_it():
    campaign = regular_campaign()
    make_comparisons(campaign, 2)
    annotator = make_participant(campaign)
    judged = next_assignment(annotator=annotator, campaign=campaign)
    judge_lease(annotator, campaign, judged)
    skipped = next_assignment(annotator=annotator, campaign=campaign)
    skip_assignment(annotator=annotator, campaign=campaign, assignment_key=skipped.key, reason="x")

    assert load_of(judged.comparison) == 1
    assert load_of(skipped.comparison) == 0
    assert Judgment.objects.count() == 1


def test_the_reclaim_task_calls_the_service():
    from campaign.tasks import reclaim_leases

    campaign = regular_campaign()
    make_comparisons(campaign, 1)
    expire_lease(next_assignment(annotator=make_participant(campaign), campaign=campaign))

    assert reclaim_leases.apply(args=(campaign.pk,)).get() == 1
    assert reclaim_leases.apply().get() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)  # the other session must see the rows
@pytest.mark.parametrize("allocation", ["uniform", "adaptive"])
def test_the_pick_steps_over_a_comparison_another_request_holds(allocation):
    # Another request in flight holds the first comparison in queue order: the pick serves the
    # next one rather than waiting for it (FOR NO KEY UPDATE ... SKIP LOCKED).
    campaign = make_campaign(qualification_gold=0, gold_rate=0.0, allocation=allocation)
    held, free = make_comparisons(campaign, 2)
    for shuffle, comparison in enumerate((held, free)):
        Comparison.objects.filter(pk=comparison.pk).update(shuffle=shuffle, priority=1)
    annotator = make_participant(campaign)

    table = Comparison._meta.db_table
    with other_session() as other:
        other.execute(f"SELECT id FROM {table} WHERE id = %s FOR NO KEY UPDATE", [held.pk])  # noqa: S608
        with waits_fail():
            lease = next_assignment(annotator=annotator, campaign=campaign)

    assert lease.comparison_id == free.pk
    assert (load_of(held), load_of(free)) == (0, 1)
