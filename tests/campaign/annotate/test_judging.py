"""Submitting and skipping: canonical verdicts, idempotency, validation, late answers."""

from __future__ import annotations

import datetime
import threading
import types

import pytest
from django.db import connection
from django.utils import timezone

from campaign import events
from campaign.annotate import judging
from campaign.annotate.assignment import next_assignment, reclaim_expired_leases
from campaign.annotate.judging import (
    allowed_choices,
    judge_and_next,
    skip_and_next,
    skip_assignment,
    submit_judgment,
)
from campaign.events import ScoringReactions, ScoringRequest
from campaign.exceptions import (
    AlreadyJudged,
    AlreadySkipped,
    CampaignError,
    CampaignNotOpen,
    InvalidTiming,
    InvalidVerdict,
    LeaseExpired,
    LeaseNotFound,
    RationaleRequired,
    RationaleTooLong,
    SkipReasonRequired,
)
from campaign.models import Assignment, Campaign, Comparison, Enrollment, Judgment
from campaign.participants.enrolment import get_participation
from campaign.participants.progress import progress_of
from tests.builders import (
    expire_lease,
    judge_lease,
    make_campaign,
    make_comparisons,
    make_participant,
    waits_fail,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    campaign = make_campaign(qualification_gold=0, gold_rate=0.0)
    make_comparisons(campaign, 3)
    return campaign


def lease(annotator, campaign, *, left_side=None):
    assignment = next_assignment(annotator=annotator, campaign=campaign)
    if left_side is not None:
        Assignment.objects.filter(pk=assignment.pk).update(left_side=left_side)
        assignment.left_side = left_side
    return assignment


def submit(annotator, campaign, assignment, choice=-1, **extra):
    return submit_judgment(
        annotator=annotator,
        campaign=campaign,
        assignment_key=assignment.key,
        choice=choice,
        **extra,
    )


@pytest.mark.parametrize(
    ("left_side", "choice", "verdict"),
    [("a", -2, -2), ("a", 1, 1), ("b", -2, 2), ("b", 1, -1), ("b", 0, 0)],
)
def test_the_screen_choice_is_stored_as_a_canonical_verdict(
    campaign, participant, left_side, choice, verdict
):
    assignment = lease(participant, campaign, left_side=left_side)

    judgment = submit(participant, campaign, assignment, choice=choice)

    assert judgment.verdict == verdict
    assert judgment.left_side == left_side
    assert judgment.comparison_id == assignment.comparison_id
    assert judgment.is_gold is False
    assert judgment.correct is None


def test_submitting_closes_the_lease(campaign, participant):
    assignment = lease(participant, campaign)
    submit(participant, campaign, assignment)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.JUDGED


def test_a_repeated_submit_returns_the_first_judgment_unchanged(campaign, participant):
    assignment = lease(participant, campaign, left_side="a")
    first = submit(participant, campaign, assignment, choice=-2)

    again = submit(participant, campaign, assignment, choice=2, rationale="changed my mind")

    assert again.pk == first.pk
    assert again.verdict == -2
    assert again.rationale == ""
    assert Judgment.objects.count() == 1


def test_someone_elses_assignment_is_not_found(campaign, participant):
    assignment = lease(participant, campaign)
    stranger = make_participant(campaign)

    with pytest.raises(LeaseNotFound):
        submit(stranger, campaign, assignment)
    with pytest.raises(LeaseNotFound):
        skip_assignment(
            annotator=stranger, campaign=campaign, assignment_key=assignment.key, reason="x"
        )
    assert Judgment.objects.count() == 0


def test_an_assignment_of_another_campaign_is_not_found(campaign, participant):
    other = make_campaign(qualification_gold=0)
    make_comparisons(other, 1)
    from campaign.participants.enrolment import enroll

    enroll(user=participant, campaign=other)
    foreign = next_assignment(annotator=participant, campaign=other)

    with pytest.raises(LeaseNotFound):
        submit(participant, campaign, foreign)


# A fixed unknown key: a fresh uuid4 would give the test a new id on every collection, which
# pytest-xdist's workers (and mutmut) refuse to match up.
UNKNOWN_KEY = "5f0c3e4a-9b1d-4c2e-8a7f-0d6b1e2c3f4a"


@pytest.mark.parametrize("key", ["not-a-uuid", "", UNKNOWN_KEY])
def test_a_malformed_or_unknown_key_is_not_found(campaign, participant, key):
    with pytest.raises(LeaseNotFound):
        submit_judgment(annotator=participant, campaign=campaign, assignment_key=key, choice=0)


@pytest.mark.parametrize(
    ("scale", "bad_choice"),
    [(5, 3), (5, -3), (3, 2), (3, -2), (2, 0), (2, 2), (5, True), (5, "1"), (5, 1.0)],
)
def test_a_verdict_outside_the_campaigns_scale_is_refused(scale, bad_choice):
    campaign = make_campaign(scale=scale, qualification_gold=0, gold_rate=0.0)
    make_comparisons(campaign, 1)
    annotator = make_participant(campaign)
    assignment = lease(annotator, campaign)

    with pytest.raises(InvalidVerdict):
        submit(annotator, campaign, assignment, choice=bad_choice)
    assert Judgment.objects.count() == 0


@pytest.mark.parametrize(
    ("scale", "choices"), [(5, [-2, -1, 0, 1, 2]), (3, [-1, 0, 1]), (2, [-1, 1])]
)
def test_allowed_choices_speak_in_left_and_right_terms(scale, choices):
    campaign = make_campaign(scale=scale)
    offered = allowed_choices(campaign)
    assert [value for value, _ in offered] == choices
    assert offered[0][1].startswith("Left") and offered[-1][1].startswith("Right")
    assert all("A" not in label.split() and "B" not in label.split() for _, label in offered)


def test_a_rationale_is_required_when_the_campaign_asks_for_one():
    campaign = make_campaign(require_rationale=True, qualification_gold=0, gold_rate=0.0)
    make_comparisons(campaign, 1)
    annotator = make_participant(campaign)
    assignment = lease(annotator, campaign)

    with pytest.raises(RationaleRequired):
        submit(annotator, campaign, assignment, rationale="   ")
    judgment = submit(annotator, campaign, assignment, rationale="  B is truncated  ")
    assert judgment.rationale == "B is truncated"


def test_an_overlong_rationale_is_refused(campaign, participant):
    with pytest.raises(RationaleTooLong):
        submit(participant, campaign, lease(participant, campaign), rationale="x" * 5001)


def test_gold_judgments_are_marked_correct_when_they_prefer_the_gold_side():
    campaign = make_campaign(qualification_gold=0, gold_rate=1.0)
    make_comparisons(campaign, 1, gold=3)
    annotator = make_participant(campaign)
    outcomes = []
    for strength in (1, 2, 0):  # right side weakly, strongly, tie
        assignment = lease(annotator, campaign)
        gold_on_left = assignment.comparison.gold_side == assignment.left_side
        choice = -strength if gold_on_left else strength
        outcomes.append(submit(annotator, campaign, assignment, choice=choice))

    assert [(judgment.is_gold, judgment.correct) for judgment in outcomes] == [
        (True, True),
        (True, True),
        (True, False),
    ]


def test_gold_judgments_that_prefer_the_wrong_side_are_incorrect():
    campaign = make_campaign(qualification_gold=0, gold_rate=1.0)
    make_comparisons(campaign, 1, gold=1)
    annotator = make_participant(campaign)
    assignment = lease(annotator, campaign, left_side="a")
    wrong = 1 if assignment.comparison.gold_side == "a" else -1

    assert submit(annotator, campaign, assignment, choice=wrong).correct is False


def test_seconds_default_to_the_server_measure_from_the_lease(campaign, participant):
    assignment = lease(participant, campaign)
    Assignment.objects.filter(pk=assignment.pk).update(
        leased_at=timezone.now() - datetime.timedelta(seconds=42)
    )
    judgment = submit(participant, campaign, assignment)
    assert 42 <= judgment.seconds < 60


def test_client_seconds_are_kept_but_never_exceed_the_lease_age(campaign, participant):
    first = lease(participant, campaign)
    Assignment.objects.filter(pk=first.pk).update(
        leased_at=timezone.now() - datetime.timedelta(seconds=30)
    )
    assert submit(participant, campaign, first, seconds=12.5).seconds == 12.5

    second = lease(participant, campaign)
    Assignment.objects.filter(pk=second.pk).update(
        leased_at=timezone.now() - datetime.timedelta(seconds=30)
    )
    assert submit(participant, campaign, second, seconds=9999).seconds < 60


@pytest.mark.parametrize("seconds", [-1, float("nan"), float("inf"), "12"])
def test_nonsense_seconds_are_refused(campaign, participant, seconds):
    with pytest.raises(InvalidTiming):
        submit(participant, campaign, lease(participant, campaign), seconds=seconds)


def test_a_lease_past_its_expiry_but_not_yet_reclaimed_is_still_accepted(campaign, participant):
    assignment = lease(participant, campaign)
    expire_lease(assignment)

    judgment = submit(participant, campaign, assignment)

    assert judgment.assignment_id == assignment.pk
    assert Comparison.objects.get(pk=assignment.comparison_id).load == 1


def test_a_reclaimed_lease_is_accepted_while_the_comparison_has_room():
    campaign = make_campaign(qualification_gold=0, gold_rate=0.0, judgments_per_comparison=2)
    (comparison,) = make_comparisons(campaign, 1)
    slow = make_participant(campaign)
    assignment = lease(slow, campaign)
    expire_lease(assignment)
    reclaim_expired_leases(campaign=campaign)
    lease(make_participant(campaign), campaign)  # re-leased, but one place is still free

    submit(slow, campaign, assignment)

    comparison.refresh_from_db()
    assert comparison.load == 2
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.JUDGED


def test_a_reclaimed_lease_is_refused_once_the_comparison_is_full_again():
    campaign = make_campaign(qualification_gold=0, gold_rate=0.0, judgments_per_comparison=1)
    (comparison,) = make_comparisons(campaign, 1)
    slow, quick = make_participant(campaign), make_participant(campaign)
    assignment = lease(slow, campaign)
    expire_lease(assignment)
    reclaim_expired_leases(campaign=campaign)
    submit(quick, campaign, lease(quick, campaign))

    with pytest.raises(LeaseExpired):
        submit(slow, campaign, assignment)

    comparison.refresh_from_db()
    assert comparison.load == 1
    assert Judgment.objects.filter(comparison=comparison).count() == 1


def test_nothing_is_accepted_once_the_campaign_is_closed(campaign, participant):
    assignment = lease(participant, campaign)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CLOSED)
    campaign.refresh_from_db()

    with pytest.raises(CampaignNotOpen):
        submit(participant, campaign, assignment)


def test_a_skip_is_refused_once_the_campaign_is_closed_like_a_judgment(campaign, participant):
    assignment = lease(participant, campaign)
    enrollment = get_participation(slug=campaign.slug, user=participant)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CLOSED)
    campaign.refresh_from_db()
    enrollment.campaign = campaign

    with pytest.raises(CampaignNotOpen):
        skip_assignment(
            annotator=participant, campaign=campaign, assignment_key=assignment.key, reason="x"
        )
    with pytest.raises(CampaignNotOpen):
        skip_and_next(enrollment=enrollment, assignment_key=assignment.key, reason="x")

    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.OPEN and assignment.skip_reason == ""
    assert Enrollment.objects.get(pk=enrollment.pk).skipped == 0


@pytest.mark.parametrize("left_side", ["a", "b"])
def test_a_different_repeat_is_told_that_the_first_verdict_stands(campaign, participant, left_side):
    # Both sides on the left: the repeat is compared in screen terms, as the first was sent.
    assignment = lease(participant, campaign, left_side=left_side)
    enrollment = get_participation(slug=campaign.slug, user=participant)
    first = judge_and_next(enrollment=enrollment, assignment_key=assignment.key, choice=-2)

    same = judge_and_next(enrollment=enrollment, assignment_key=assignment.key, choice=-2)
    other = judge_and_next(enrollment=enrollment, assignment_key=assignment.key, choice=2)
    reasoned = judge_and_next(
        enrollment=enrollment, assignment_key=assignment.key, choice=-2, rationale="because"
    )

    assert first.first_verdict_stands is False
    assert same.first_verdict_stands is False  # a double click: silent success
    assert other.first_verdict_stands is True
    assert reasoned.first_verdict_stands is True
    assert other.judgment == first.judgment and other.judgment.verdict == first.judgment.verdict
    assert Judgment.objects.count() == 1
    assert Enrollment.objects.get(pk=enrollment.pk).judged == 1


def test_skip_needs_a_reason_and_records_it(campaign, participant):
    assignment = lease(participant, campaign)
    with pytest.raises(SkipReasonRequired):
        skip_assignment(
            annotator=participant, campaign=campaign, assignment_key=assignment.key, reason=" "
        )

    skipped = skip_assignment(
        annotator=participant,
        campaign=campaign,
        assignment_key=assignment.key,
        reason=" response B is cut off ",
    )

    assert skipped.status == Assignment.Status.SKIPPED
    assert skipped.skip_reason == "response B is cut off"
    assert next_assignment(annotator=participant, campaign=campaign).key != assignment.key


def test_skipping_twice_changes_nothing(campaign, participant):
    assignment = lease(participant, campaign)
    for _ in range(2):
        skip_assignment(
            annotator=participant, campaign=campaign, assignment_key=assignment.key, reason="bad"
        )
    assert Comparison.objects.get(pk=assignment.comparison_id).load == 0


def test_a_skipped_item_cannot_be_judged_and_a_judged_one_cannot_be_skipped(campaign, participant):
    skipped = lease(participant, campaign)
    skip_assignment(
        annotator=participant, campaign=campaign, assignment_key=skipped.key, reason="x"
    )
    with pytest.raises(AlreadySkipped):
        submit(participant, campaign, skipped)

    judged = lease(participant, campaign)
    submit(participant, campaign, judged)
    with pytest.raises(AlreadyJudged):
        skip_assignment(
            annotator=participant, campaign=campaign, assignment_key=judged.key, reason="x"
        )


def test_progress_counts_judged_and_skipped_items_without_telling_gold_apart():
    campaign = make_campaign(qualification_gold=0, gold_rate=1.0)
    make_comparisons(campaign, 3, gold=2)
    annotator = make_participant(campaign)
    for _ in range(3):
        submit(annotator, campaign, lease(annotator, campaign))
    skipped = lease(annotator, campaign)
    skip_assignment(annotator=annotator, campaign=campaign, assignment_key=skipped.key, reason="x")

    progress = progress_of(Enrollment.objects.get(campaign=campaign, user=annotator))

    assert (progress.judged, progress.skipped, progress.handled) == (3, 1, 4)
    assert not any("gold" in name for name in vars(progress))


def test_every_refusal_is_a_campaign_error_with_a_message(campaign, participant):
    with pytest.raises(CampaignError, match=r"\w"):
        submit_judgment(annotator=participant, campaign=campaign, assignment_key="x", choice=0)


def test_a_repeat_whose_choice_is_not_a_whole_number_is_not_the_same_verdict(campaign, participant):
    # true equals 1 in Python, but it is no choice on the scale: a second tab sending it is told
    # that the first verdict stands, not silently taken for a double click.
    assignment = lease(participant, campaign)
    enrollment = get_participation(slug=campaign.slug, user=participant)
    judge_and_next(enrollment=enrollment, assignment_key=assignment.key, choice=1)

    again = judge_and_next(enrollment=enrollment, assignment_key=assignment.key, choice=True)

    assert again.first_verdict_stands is True
    assert Judgment.objects.count() == 1


def test_the_server_measure_of_seconds_is_kept_to_the_millisecond(
    campaign, participant, monkeypatch
):
    assignment = lease(participant, campaign)
    leased_at = timezone.now()
    Assignment.objects.filter(pk=assignment.pk).update(leased_at=leased_at)
    # Judging reads the clock once; here it reads 42.123456 seconds after the lease.
    later = leased_at + datetime.timedelta(seconds=42, microseconds=123456)
    monkeypatch.setattr(judging, "timezone", types.SimpleNamespace(now=lambda: later))

    assert submit(participant, campaign, assignment).seconds == 42.123


def test_a_step_leases_its_next_item_as_of_the_moment_it_was_taken(
    campaign, participant, monkeypatch
):
    # One clock reading per step: a campaign that ended after the step was taken (here, in
    # the half hour since) still serves that step its next item.
    assignment = lease(participant, campaign)
    enrollment = get_participation(slug=campaign.slug, user=participant)
    taken_at = timezone.now() - datetime.timedelta(hours=1)
    Campaign.objects.filter(pk=campaign.pk).update(
        ends_at=taken_at + datetime.timedelta(minutes=30)
    )
    enrollment.campaign.refresh_from_db()
    monkeypatch.setattr(judging, "timezone", types.SimpleNamespace(now=lambda: taken_at))

    outcome = judge_and_next(enrollment=enrollment, assignment_key=assignment.key, choice=1)

    assert outcome.halted is None
    assert outcome.next_assignment is not None
    assert outcome.next_assignment.leased_at == taken_at


def test_a_judgment_asks_for_its_campaign_to_be_scored_once_it_commits(
    campaign, participant, monkeypatch, django_capture_on_commit_callbacks
):
    recorded = []
    reactions = ScoringReactions(
        judgments_recorded=recorded.append,
        scoring_requested=lambda _campaign: ScoringRequest.QUEUED,
    )
    monkeypatch.setattr(events, "_reactions", reactions)

    with django_capture_on_commit_callbacks(execute=False) as at_commit:
        submit(participant, campaign, lease(participant, campaign))
    assert recorded == []  # nothing before the commit
    for callback in at_commit:
        callback()

    assert recorded == [campaign.pk]


def _in_own_session(service, **arguments):
    """Run ``service`` as another worker would: in this thread's own database session."""
    try:
        with waits_fail():
            return service(**arguments)
    finally:
        connection.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)  # the sweep's session must see the lease
def test_the_reclaim_sweep_passes_over_a_lease_being_judged(monkeypatch):
    # The lease ran out but is not reclaimed yet, so its judgment is accepted and keeps its
    # place. A sweep running while that judgment is being stored must leave the lease alone
    # (the judge path holds its row lock from the read on), or the place would be given back
    # under a judgment that uses it.
    campaign = make_campaign(qualification_gold=0, gold_rate=0.0, judgments_per_comparison=1)
    (comparison,) = make_comparisons(campaign, 1)
    participant = make_participant(campaign)
    assignment = next_assignment(annotator=participant, campaign=campaign)
    expire_lease(assignment)
    swept = []
    validate_seconds = judging._valid_seconds

    def sweep_meanwhile(*arguments, **keywords):
        # Called by the judge path after it has read (and locked) the lease.
        sweep = threading.Thread(
            target=lambda: swept.append(_in_own_session(reclaim_expired_leases, campaign=campaign))
        )
        sweep.start()
        sweep.join()
        return validate_seconds(*arguments, **keywords)

    monkeypatch.setattr(judging, "_valid_seconds", sweep_meanwhile)

    judge_lease(participant, campaign, assignment)

    assert swept == [0]
    assignment.refresh_from_db()
    comparison.refresh_from_db()
    assert (assignment.status, comparison.load) == (Assignment.Status.JUDGED, 1)
