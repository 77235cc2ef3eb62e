"""refresh_progress_counters: the enrolment counters recomputed from the rows they count;
add_judged: judgments a writer counted itself added to them."""

from __future__ import annotations

import pytest

from campaign.annotate.assignment import next_assignment
from campaign.annotate.judging import skip_assignment, submit_judgment
from campaign.models import Enrollment
from campaign.participants.enrolment import enroll
from campaign.participants.progress import add_judged, refresh_progress_counters
from tests.builders import make_campaign, make_comparisons, make_participant

pytestmark = pytest.mark.django_db


def judge_next(user, campaign):
    lease = next_assignment(annotator=user, campaign=campaign)
    submit_judgment(annotator=user, campaign=campaign, assignment_key=lease.key, choice=1)
    return lease


def counters(user, campaign) -> tuple[int, int, int]:
    enrollment = Enrollment.objects.get(user=user, campaign=campaign)
    return (enrollment.judged, enrollment.skipped, enrollment.gold_served)


@pytest.fixture
def worked():
    """One participant with a judged gold item, a judged and a skipped regular item in one
    campaign and a judgment in another; a second participant who did nothing."""
    campaign = make_campaign(qualification_gold=0, gold_rate=1.0)
    make_comparisons(campaign, 3, gold=1)
    other = make_campaign(qualification_gold=0, gold_rate=0.0)
    make_comparisons(other, 2)
    busy, idle = make_participant(campaign), make_participant(campaign)
    enroll(user=busy, campaign=other)
    assert judge_next(busy, campaign).is_gold
    judge_next(busy, campaign)
    lease = next_assignment(annotator=busy, campaign=campaign)
    skip_assignment(annotator=busy, campaign=campaign, assignment_key=lease.key, reason="broken")
    judge_next(busy, other)
    Enrollment.objects.update(judged=99, skipped=99, gold_served=99)  # counters gone wrong
    return campaign, other, busy, idle


def test_the_counters_of_the_given_participants_count_their_rows_in_this_campaign(worked):
    campaign, other, busy, idle = worked

    assert refresh_progress_counters(campaign=campaign, user_ids=[busy.pk]) == 1

    assert counters(busy, campaign) == (2, 1, 1)
    assert counters(idle, campaign) == (99, 99, 99)  # not asked for
    assert counters(busy, other) == (99, 99, 99)  # another campaign


def test_without_user_ids_every_participant_is_recomputed_and_no_rows_count_zero(worked):
    campaign, _other, busy, idle = worked

    assert refresh_progress_counters(campaign=campaign) == 2

    assert counters(busy, campaign) == (2, 1, 1)
    assert counters(idle, campaign) == (0, 0, 0)


def test_judgments_added_count_for_the_given_participants_in_this_campaign_only(worked):
    campaign, other, busy, idle = worked

    add_judged(campaign=campaign, judged={busy.pk: 3, idle.pk: 1})

    assert counters(busy, campaign) == (102, 99, 99)
    assert counters(idle, campaign) == (100, 99, 99)
    assert counters(busy, other) == (99, 99, 99)
