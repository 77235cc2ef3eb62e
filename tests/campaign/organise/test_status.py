"""Opening and closing a campaign (organise.status) and the organiser statistics over it."""

from __future__ import annotations

import pytest
from django.db import connection

from campaign import events
from campaign.events import ScoringReactions, ScoringRequest
from campaign.exceptions import CampaignStatusChangeRefused
from campaign.models import Campaign, Comparison
from campaign.organise.statistics import campaign_progress, gold_pool_health
from campaign.organise.status import close_campaign, open_campaign
from tests.builders import judge, make_campaign, make_comparisons, make_participant, serve

pytestmark = pytest.mark.django_db


def test_a_draft_opens_then_closes():
    campaign = make_campaign(status="draft")
    open_campaign(campaign=campaign)
    assert campaign.status == "open"
    close_campaign(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == "closed"


def test_a_closed_campaign_reopens_only_when_asked():
    campaign = make_campaign(status="closed")
    with pytest.raises(CampaignStatusChangeRefused, match="Reopen it explicitly"):
        open_campaign(campaign=campaign)
    assert Campaign.objects.get(pk=campaign.pk).status == "closed"
    open_campaign(campaign=campaign, reopen=True)
    assert Campaign.objects.get(pk=campaign.pk).status == "open"


@pytest.mark.parametrize(
    ("status", "change", "message"),
    [
        ("open", open_campaign, "already open"),
        ("draft", close_campaign, "this one is draft"),
        ("closed", close_campaign, "this one is closed"),
    ],
)
def test_refused_changes_say_why_and_change_nothing(status, change, message):
    campaign = make_campaign(status=status)
    with pytest.raises(CampaignStatusChangeRefused, match=message):
        change(campaign=campaign)
    assert Campaign.objects.get(pk=campaign.pk).status == status


@pytest.fixture
def scoring_requests(monkeypatch) -> list[tuple[int, str, bool]]:
    """Each request to score now: (campaign id, its stored status, inside a transaction?)."""
    requests: list[tuple[int, str, bool]] = []

    def scoring_requested(campaign: Campaign) -> ScoringRequest:
        stored = Campaign.objects.get(pk=campaign.pk).status
        requests.append((campaign.pk, stored, connection.in_atomic_block))
        return ScoringRequest.QUEUED

    reactions = ScoringReactions(
        judgments_recorded=lambda campaign_id: None, scoring_requested=scoring_requested
    )
    monkeypatch.setattr(events, "_reactions", reactions)
    return requests


@pytest.mark.django_db(transaction=True)
def test_closing_requests_the_final_scores_once_the_change_has_committed(scoring_requests):
    campaign = make_campaign(status="open")
    closed = close_campaign(campaign=campaign)
    assert scoring_requests == [(campaign.pk, "closed", False)]
    assert closed.final_scoring == ScoringRequest.QUEUED and closed.campaign.status == "closed"


def test_a_refused_close_requests_no_scores(scoring_requests):
    with pytest.raises(CampaignStatusChangeRefused):
        close_campaign(campaign=make_campaign(status="draft"))
    open_campaign(campaign=make_campaign(status="draft"))
    assert scoring_requests == []


def test_an_empty_campaign_has_an_empty_histogram_up_to_the_target():
    progress = campaign_progress(make_campaign(judgments_per_comparison=2))
    assert progress.coverage == [0, 0, 0]
    assert progress.total.target == 0 and progress.total.percent == 0
    assert progress.categories == [] and progress.complete_comparisons == 0


def test_coverage_counts_judgments_per_regular_comparison_only():
    campaign = make_campaign(judgments_per_comparison=2)
    regular = make_comparisons(campaign, 3, gold=2)
    people = [make_participant(campaign) for _ in range(3)]
    for person in people:  # over the target: expired leases can do that
        judge(person, regular[0])
    judge(people[0], regular[1])
    gold = Comparison.objects.filter(campaign=campaign).exclude(gold_side="")
    judge(people[0], gold[0])
    serve(people[1], regular[2], status="skipped")
    progress = campaign_progress(campaign)
    assert progress.coverage == [1, 1, 0, 1]
    assert progress.complete_comparisons == 1
    assert progress.total.judgments == 4 and progress.total.target == 6
    assert progress.all_judgments == 5 and progress.gold_judgments == 1
    assert progress.participants == 3 and progress.active_participants == 3


def test_gold_left_counts_every_gold_assignment_whatever_became_of_it():
    campaign = make_campaign()
    make_comparisons(campaign, 1, gold=6)
    gold = list(Comparison.objects.filter(campaign=campaign).exclude(gold_side=""))
    busy, fresh = make_participant(campaign), make_participant(campaign)
    judge(busy, gold[0])
    serve(busy, gold[1], status="skipped")
    serve(busy, gold[2], status="expired")
    serve(fresh, Comparison.objects.get(campaign=campaign, gold_side=""))
    health = gold_pool_health(campaign)
    assert health.gold_comparisons == 6 and health.active_participants == 2
    assert health.running_low_count == 1 and health.warning
    [low] = health.running_low
    assert (low.handle, low.met, low.left) == (busy.handle, 3, 3)
    # The dashboard hands over the count campaign_progress made instead of counting again.
    active = campaign_progress(campaign).active_participants
    assert gold_pool_health(campaign, active_participants=active) == health
