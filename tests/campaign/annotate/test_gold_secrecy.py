"""What the assignment engine lets a participant learn about gold: nothing, item by item.

Trust decides at steps of STANDING_STEP judgments, never at the gold item itself, and a pick
that serves gold runs the same statements as one that serves regular work (PRODUCT.md "Gold
stays secret while a campaign is open").
"""

from __future__ import annotations

import re
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.annotate.assignment import next_assignment, reclaim_expired_leases
from campaign.annotate.judging import judge_and_next, skip_and_next
from campaign.exceptions import ParticipationBlocked
from campaign.models import Campaign
from campaign.participants.enrolment import get_participation
from campaign.participants.trust import STANDING_STEP
from tests.builders import (
    expire_lease,
    judge_lease,
    make_campaign,
    make_comparisons,
    make_participant,
    work_through,
)

pytestmark = pytest.mark.django_db


def failing_campaign(**settings):
    """Three gold items first (answered wrong below), then regular work for several steps."""
    campaign = make_campaign(
        qualification_gold=0, gold_rate=1.0, min_gold_seen=3, min_gold_accuracy=0.7, **settings
    )
    make_comparisons(campaign, 3 * STANDING_STEP, gold=3)
    return campaign


def test_untrusted_participants_are_stopped_at_their_next_step_when_block_untrusted_is_on():
    campaign = failing_campaign(block_untrusted=True)
    annotator = make_participant(campaign)
    # Untrusted by the rule after the third wrong check, yet the refusal waits for the step:
    # it follows the participant's STANDING_STEP-th judgment, whatever the items were.
    assert len(work_through(annotator, campaign, items=STANDING_STEP - 1, gold_right=False)) == (
        STANDING_STEP - 1
    )
    work_through(annotator, campaign, items=1)

    with pytest.raises(ParticipationBlocked):
        next_assignment(annotator=annotator, campaign=campaign)


def test_untrusted_participants_go_on_when_block_untrusted_is_off():
    campaign = failing_campaign(block_untrusted=False)
    annotator = make_participant(campaign)
    work_through(annotator, campaign, items=STANDING_STEP, gold_right=False)

    assert next_assignment(annotator=annotator, campaign=campaign) is not None


def test_qualifying_participants_are_not_blocked_before_min_gold_seen():
    campaign = failing_campaign(block_untrusted=True)
    Campaign.objects.filter(pk=campaign.pk).update(min_gold_seen=5)
    campaign.refresh_from_db()
    annotator = make_participant(campaign)
    work_through(annotator, campaign, items=STANDING_STEP, gold_right=False)

    assert next_assignment(annotator=annotator, campaign=campaign) is not None


def test_a_participant_who_becomes_untrusted_may_still_finish_the_item_on_screen():
    campaign = failing_campaign(block_untrusted=False)
    annotator = make_participant(campaign)
    work_through(annotator, campaign, items=STANDING_STEP, gold_right=False)
    on_screen = next_assignment(annotator=annotator, campaign=campaign)
    Campaign.objects.filter(pk=campaign.pk).update(block_untrusted=True)
    campaign.refresh_from_db()

    assert next_assignment(annotator=annotator, campaign=campaign).key == on_screen.key
    judge_lease(annotator, campaign, on_screen)
    with pytest.raises(ParticipationBlocked):
        next_assignment(annotator=annotator, campaign=campaign)


ONE_STATEMENT_PICK = "the equal-cost pick is PostgreSQL's; the SQLite demo's timing is no boundary"


def statements(run):
    """The statements ``run`` sends, with every value blanked, and its result."""
    with CaptureQueriesContext(connection) as captured:
        result = run()
    blank = re.compile(
        r"'[^']*'|\bs\d+_x\d+\b|-?\b\d+(\.\d+)?\b|\b(true|false|null)\b", re.IGNORECASE
    )
    sent = [" ".join(blank.sub("?", query["sql"]).split()) for query in captured.captured_queries]
    return sent, result


def judge_step(annotator, campaign, key):
    enrollment = get_participation(slug=campaign.slug, user=annotator)
    return judge_and_next(enrollment=enrollment, assignment_key=key, choice=-1)


def skip_step(annotator, campaign, key):
    enrollment = get_participation(slug=campaign.slug, user=annotator)
    return skip_and_next(enrollment=enrollment, assignment_key=key, reason="broken")


@pytest.mark.skipif(connection.vendor != "postgresql", reason=ONE_STATEMENT_PICK)
@pytest.mark.parametrize("allocation", ["uniform", "adaptive"])
@pytest.mark.parametrize("pool", ["gold left", "gold exhausted"])
def test_a_gold_next_item_costs_the_same_statements_as_a_regular_one(pool, allocation):
    # Gold due on every item (gold rate 1) or never (0); the first item of each is judged.
    sent, served = {}, {}
    for gold_rate in (0.0, 1.0):
        campaign = make_campaign(qualification_gold=0, gold_rate=gold_rate, allocation=allocation)
        make_comparisons(campaign, 3, gold=2 if pool == "gold left" else 1)
        annotator = make_participant(campaign)
        first = next_assignment(annotator=annotator, campaign=campaign)
        sent[gold_rate], outcome = statements(partial(judge_step, annotator, campaign, first.key))
        served[gold_rate] = outcome.next_assignment.is_gold
        next_key = outcome.next_assignment.key
        skip_sent, _ = statements(partial(skip_step, annotator, campaign, next_key))
        sent[gold_rate] += skip_sent

    assert served == {0.0: False, 1.0: pool == "gold left"}
    assert sent[0.0] == sent[1.0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason=ONE_STATEMENT_PICK)
@pytest.mark.parametrize("allocation", ["uniform", "adaptive"])
def test_a_late_judgment_costs_the_same_statements_on_gold_and_regular_items(allocation):
    sent = {}
    for gold_rate in (0.0, 1.0):
        campaign = make_campaign(qualification_gold=0, gold_rate=gold_rate, allocation=allocation)
        make_comparisons(campaign, 2, gold=2)
        annotator = make_participant(campaign)
        assignment = next_assignment(annotator=annotator, campaign=campaign)
        assert assignment.is_gold == (gold_rate == 1.0)
        expire_lease(assignment)
        reclaim_expired_leases(campaign=campaign)
        sent[gold_rate], _ = statements(partial(judge_lease, annotator, campaign, assignment))
    assert sent[0.0] == sent[1.0]
