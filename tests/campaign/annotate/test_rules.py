"""Rules of the assignment engine, judging and trust, each pinned in a situation with one outcome.

Every test here builds a campaign in which the engine has no choice to make (one eligible
comparison, one gold item, ...), so its verdict never depends on the random lease order.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from campaign.annotate import assignment as engine
from campaign.annotate.assignment import next_assignment, reclaim_expired_leases
from campaign.annotate.judging import (
    RATIONALE_MAX_CHARS,
    SKIP_REASON_MAX_CHARS,
    judge_and_next,
    skip_and_next,
    skip_assignment,
    submit_judgment,
)
from campaign.exceptions import (
    CampaignNotOpen,
    InvalidTiming,
    InvalidVerdict,
    LeaseExpired,
    NotEnrolled,
    RationaleTooLong,
    SkipReasonRequired,
    SkipReasonTooLong,
)
from campaign.models import Assignment, Comparison, Enrollment, Judgment, is_correct
from campaign.participants.enrolment import enroll, require_open
from tests.builders import (
    expire_lease,
    judge_preferring,
    make_campaign,
    make_comparisons,
    make_participant,
    make_user,
)

pytestmark = pytest.mark.django_db


# --- the assignment engine -------------------------------------------------------------------


def test_a_regular_lease_taken_while_gold_is_due_but_exhausted_still_counts_against_the_target():
    # Gold is due (qualifying) but the campaign holds no gold: the one regular comparison is
    # served instead, and its one place is taken, so a second participant gets nothing.
    campaign = make_campaign(qualification_gold=0, gold_rate=1.0, judgments_per_comparison=1)
    (comparison,) = make_comparisons(campaign, 1)
    first, second = make_participant(campaign), make_participant(campaign)

    lease = next_assignment(annotator=first, campaign=campaign)

    assert lease.comparison_id == comparison.pk and not lease.is_gold
    comparison.refresh_from_db()
    assert comparison.load == 1
    assert next_assignment(annotator=second, campaign=campaign) is None


def test_a_participant_who_has_seen_every_gold_item_gets_regular_work_that_fills_its_place():
    campaign = make_campaign(qualification_gold=0, gold_rate=1.0, judgments_per_comparison=1)
    (regular, gold) = make_comparisons(campaign, 1, gold=1)
    first, second = make_participant(campaign), make_participant(campaign)
    gold_lease = next_assignment(annotator=first, campaign=campaign)
    assert gold_lease.comparison_id == gold.pk
    judge_preferring(first, campaign, gold_lease, prefer="a")

    lease = next_assignment(annotator=first, campaign=campaign)

    assert lease.comparison_id == regular.pk
    assert next_assignment(annotator=second, campaign=campaign) is None


def test_the_reclaim_sweep_goes_on_past_a_full_batch(monkeypatch):
    # The batch size only bounds one transaction; every expired lease is reclaimed in one call.
    monkeypatch.setattr(engine, "RECLAIM_BATCH_SIZE", 2)
    campaign = make_campaign(qualification_gold=0, gold_rate=0.0, judgments_per_comparison=1)
    comparisons = make_comparisons(campaign, 5)
    for _ in comparisons:
        expire_lease(next_assignment(annotator=make_participant(campaign), campaign=campaign))

    assert reclaim_expired_leases(campaign=campaign) == 5

    assert not Assignment.objects.filter(status=Assignment.Status.OPEN).exists()
    assert set(Comparison.objects.values_list("load", flat=True)) == {0}


# --- judging -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gold_side", "prefer", "correct"),
    [
        ("a", "a", True),
        ("a", "tie", False),
        ("a", "b", False),
        ("b", "b", True),
        ("b", "tie", False),
        ("b", "a", False),
    ],
)
def test_a_gold_judgment_is_correct_only_when_it_prefers_the_gold_side(gold_side, prefer, correct):
    # One gold item of the given side and gold due on every item: the first lease is that item.
    campaign = make_campaign(qualification_gold=0, gold_rate=1.0)
    make_comparisons(campaign, 1)
    gold = make_comparisons(campaign, 0, gold=2)[0 if gold_side == "a" else 1]
    Comparison.objects.filter(gold_side__in="ab").exclude(pk=gold.pk).delete()
    annotator = make_participant(campaign)
    lease = next_assignment(annotator=annotator, campaign=campaign)
    assert lease.comparison_id == gold.pk

    judgment = judge_preferring(annotator, campaign, lease, prefer=prefer)

    assert (judgment.is_gold, judgment.correct) == (True, correct)


@pytest.mark.parametrize("strength", [1, 2])
def test_is_correct_at_any_strength_and_never_for_a_tie(strength):
    assert is_correct(verdict=-strength, gold_side="a") and is_correct(
        verdict=strength, gold_side="b"
    )
    assert not is_correct(verdict=strength, gold_side="a")
    assert not is_correct(verdict=-strength, gold_side="b")
    assert not is_correct(verdict=0, gold_side="a") and not is_correct(verdict=0, gold_side="b")


def test_late_gold_judgments_need_no_room_however_many_arrive():
    # Gold has no target: reclaimed gold leases are all accepted, even past the regular target.
    campaign = make_campaign(qualification_gold=0, gold_rate=1.0, judgments_per_comparison=1)
    make_comparisons(campaign, 3, gold=1)
    gold = Comparison.objects.get(gold_side="a")
    late = [make_participant(campaign) for _ in range(3)]
    leases = [next_assignment(annotator=user, campaign=campaign) for user in late]
    assert {lease.comparison_id for lease in leases} == {gold.pk}
    for lease in leases:
        expire_lease(lease)
    reclaim_expired_leases(campaign=campaign)

    judgments = [
        judge_preferring(user, campaign, lease, prefer="a")
        for user, lease in zip(late, leases, strict=True)
    ]

    assert [judgment.correct for judgment in judgments] == [True, True, True]
    gold.refresh_from_db()
    assert gold.load == 0


def test_a_late_judgment_in_the_annotate_loop_is_refused_once_the_comparison_is_full():
    campaign = make_campaign(qualification_gold=0, gold_rate=0.0, judgments_per_comparison=1)
    (comparison,) = make_comparisons(campaign, 1)
    slow, quick = make_participant(campaign), make_participant(campaign)
    lease = next_assignment(annotator=slow, campaign=campaign)
    expire_lease(lease)
    reclaim_expired_leases(campaign=campaign)
    judge_preferring(
        quick, campaign, next_assignment(annotator=quick, campaign=campaign), prefer="a"
    )
    enrollment = Enrollment.objects.select_related("campaign").get(user=slow)

    with pytest.raises(LeaseExpired):
        judge_and_next(enrollment=enrollment, assignment_key=lease.key, choice=1)

    comparison.refresh_from_db()
    assert comparison.load == 1
    assert Judgment.objects.filter(comparison=comparison).count() == 1
    enrollment.refresh_from_db()
    assert enrollment.judged == 0
    assert Assignment.objects.get(pk=lease.pk).status == Assignment.Status.EXPIRED


def test_a_late_judgment_takes_room_on_its_own_comparison_only():
    campaign = make_campaign(qualification_gold=0, gold_rate=0.0, judgments_per_comparison=2)
    make_comparisons(campaign, 3)
    slow = make_participant(campaign)
    lease = next_assignment(annotator=slow, campaign=campaign)
    expire_lease(lease)
    reclaim_expired_leases(campaign=campaign)

    judge_preferring(slow, campaign, lease, prefer="a")

    loads = dict(Comparison.objects.values_list("pk", "load"))
    assert loads.pop(lease.comparison_id) == 1
    assert set(loads.values()) == {0}


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_skip_without_a_reason_is_refused(reason):
    campaign = make_campaign(qualification_gold=0, gold_rate=0.0)
    make_comparisons(campaign, 1)
    participant = make_participant(campaign)
    lease = next_assignment(annotator=participant, campaign=campaign)

    with pytest.raises(SkipReasonRequired):
        skip_assignment(
            annotator=participant, campaign=campaign, assignment_key=lease.key, reason=reason
        )
    assert Assignment.objects.get(pk=lease.pk).status == Assignment.Status.OPEN


def test_a_skip_reason_of_exactly_the_limit_is_kept_and_one_more_is_refused():
    campaign = make_campaign(qualification_gold=0, gold_rate=0.0)
    make_comparisons(campaign, 2)
    participant = make_participant(campaign)
    lease = next_assignment(annotator=participant, campaign=campaign)
    key = lease.key

    with pytest.raises(SkipReasonTooLong) as refused:
        skip_assignment(
            annotator=participant,
            campaign=campaign,
            assignment_key=key,
            reason="x" * (SKIP_REASON_MAX_CHARS + 1),
        )
    assert str(refused.value) == f"Keep the reason under {SKIP_REASON_MAX_CHARS} characters."
    skipped = skip_assignment(
        annotator=participant,
        campaign=campaign,
        assignment_key=key,
        reason="x" * SKIP_REASON_MAX_CHARS,
    )

    assert Assignment.objects.get(pk=skipped.pk).skip_reason == "x" * SKIP_REASON_MAX_CHARS


def test_the_annotate_loop_shows_every_skip_in_the_progress():
    campaign = make_campaign(qualification_gold=0, gold_rate=0.0)
    make_comparisons(campaign, 3)
    participant = make_participant(campaign)
    enrollment = Enrollment.objects.select_related("campaign").get(user=participant)
    lease = next_assignment(annotator=participant, campaign=campaign)

    for _ in range(2):
        outcome = skip_and_next(enrollment=enrollment, assignment_key=lease.key, reason="broken")
        lease = outcome.next_assignment

    assert (outcome.enrollment.skipped, outcome.enrollment.judged) == (2, 0)


def test_gold_is_drawn_from_the_participants_own_campaign_only():
    elsewhere = make_campaign(qualification_gold=0)
    make_comparisons(elsewhere, 1, gold=2)
    campaign = make_campaign(qualification_gold=3, gold_rate=1.0)
    (regular,) = make_comparisons(campaign, 1)

    lease = next_assignment(annotator=make_participant(campaign), campaign=campaign)

    assert (lease.comparison_id, lease.is_gold) == (regular.pk, False)


@pytest.fixture
def one_item():
    campaign = make_campaign(qualification_gold=0, gold_rate=0.0, scale=3)
    make_comparisons(campaign, 2)
    participant = make_participant(campaign)
    return campaign, participant, next_assignment(annotator=participant, campaign=campaign)


def submit(one_item, **fields) -> Judgment:
    campaign, participant, lease = one_item
    fields.setdefault("choice", 1)
    fields.setdefault("assignment_key", lease.key)
    return submit_judgment(annotator=participant, campaign=campaign, **fields)


def test_a_repeated_submit_counts_once_and_keeps_the_next_item(one_item):
    # A double click in the annotate loop: the second post finds the judgment stored and
    # the item leased after it, and changes neither.
    _campaign, participant, lease = one_item
    enrollment = Enrollment.objects.select_related("campaign").get(user=participant)

    first = judge_and_next(enrollment=enrollment, assignment_key=lease.key, choice=1)
    again = judge_and_next(enrollment=enrollment, assignment_key=lease.key, choice=-1)

    assert again.judgment == first.judgment and again.judgment.verdict == first.judgment.verdict
    assert again.next_assignment == first.next_assignment is not None
    assert (first.enrollment.judged, again.enrollment.judged) == (1, 1)
    enrollment.refresh_from_db()
    assert enrollment.judged == 1


def test_a_repeat_reports_the_judgments_counted_so_far_unchanged(one_item):
    # The step's counters are what the page shows: a repeat after two judgments shows two.
    _campaign, participant, lease = one_item
    enrollment = Enrollment.objects.select_related("campaign").get(user=participant)
    first = judge_and_next(enrollment=enrollment, assignment_key=lease.key, choice=1)
    second_key = first.next_assignment.key
    judge_and_next(enrollment=enrollment, assignment_key=second_key, choice=1)

    again = judge_and_next(enrollment=enrollment, assignment_key=second_key, choice=1)

    assert again.enrollment.judged == 2


@pytest.mark.parametrize(
    ("fields", "refusal", "message"),
    [
        ({"choice": 2}, InvalidVerdict, "Choose one of -1, 0, 1 on this scale."),
        ({"seconds": "5"}, InvalidTiming, "The time spent must be a number of seconds."),
        ({"seconds": -0.5}, InvalidTiming,
         "The time spent must be a non-negative number of seconds."),
        ({"rationale": "r" * (RATIONALE_MAX_CHARS + 1)}, RationaleTooLong,
         f"Keep the rationale under {RATIONALE_MAX_CHARS} characters."),
    ],
)  # fmt: skip
def test_a_refused_judgment_says_why_and_stores_nothing(one_item, fields, refusal, message):
    with pytest.raises(refusal) as refused:
        submit(one_item, **fields)

    assert str(refused.value) == message
    assert not Judgment.objects.exists()


def test_a_rationale_of_exactly_the_limit_and_zero_seconds_are_accepted(one_item):
    judgment = submit(one_item, rationale="r" * RATIONALE_MAX_CHARS, seconds=0)

    assert (len(judgment.rationale), judgment.seconds) == (RATIONALE_MAX_CHARS, 0.0)


def test_client_seconds_are_kept_to_the_millisecond(one_item):
    _campaign, _participant, lease = one_item
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Assignment.objects.filter(pk=lease.pk).update(leased_at=an_hour_ago)

    assert submit(one_item, seconds=1.23456).seconds == 1.235


def test_a_lease_stamped_in_the_future_counts_no_time(one_item):
    # Clock skew between servers: the time spent is never negative, and never invented.
    _campaign, _participant, lease = one_item
    ahead = timezone.now() + datetime.timedelta(hours=1)
    Assignment.objects.filter(pk=lease.pk).update(
        leased_at=ahead, expires_at=ahead + datetime.timedelta(minutes=15)
    )

    assert submit(one_item, seconds=None).seconds == 0.0


def test_an_open_lease_in_another_campaign_is_not_resumed_here():
    first, second = (make_campaign(qualification_gold=0, gold_rate=0.0) for _ in range(2))
    make_comparisons(first, 1)
    (here,) = make_comparisons(second, 1)
    participant = make_participant(first)
    enroll(user=participant, campaign=second)
    next_assignment(annotator=participant, campaign=first)

    lease = next_assignment(annotator=participant, campaign=second)

    assert (lease.campaign_id, lease.comparison_id) == (second.pk, here.pk)


def test_the_lease_key_may_come_as_text_as_the_page_posts_it(one_item):
    _campaign, _participant, lease = one_item

    judgment = submit(one_item, assignment_key=str(lease.key))

    assert judgment.assignment_id == lease.pk


def test_someone_not_enrolled_cannot_submit(one_item):
    campaign, _participant, lease = one_item

    with pytest.raises(NotEnrolled):
        submit_judgment(
            annotator=make_user(), campaign=campaign, assignment_key=lease.key, choice=1
        )
    assert not Judgment.objects.exists()


def test_a_campaign_accepts_judgments_from_its_start_to_just_before_its_end():
    start = timezone.now() + datetime.timedelta(days=1)
    end = start + datetime.timedelta(days=1)
    campaign = make_campaign(starts_at=start, ends_at=end)
    tick = datetime.timedelta(microseconds=1)

    opening = [campaign.accepts_judgments(moment) for moment in (start - tick, start, end - tick)]

    assert opening == [False, True, True]
    assert not campaign.accepts_judgments(end)
    require_open(campaign, start)  # the moment given is the one checked, not the clock's
    with pytest.raises(CampaignNotOpen):
        require_open(campaign, end)


def test_a_skip_counts_in_the_campaign_it_was_made_in():
    elsewhere = make_campaign(qualification_gold=0, gold_rate=0.0)
    campaign = make_campaign(qualification_gold=0, gold_rate=0.0)
    make_comparisons(campaign, 1)
    participant = make_participant(elsewhere)  # the older enrolment
    enroll(user=participant, campaign=campaign)
    lease = next_assignment(annotator=participant, campaign=campaign)

    skip_assignment(annotator=participant, campaign=campaign, assignment_key=lease.key, reason="x")

    skipped = dict(Enrollment.objects.filter(user=participant).values_list("campaign", "skipped"))
    assert skipped == {elsewhere.pk: 0, campaign.pk: 1}
