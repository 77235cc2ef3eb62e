"""Service rules at their edges: unknown settings and owners, a second start, a skip after
the lease was reclaimed, and what an anonymous visitor or a stranger to a draft may see."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.http import Http404

from campaign.annotate.assignment import next_assignment, reclaim_expired_leases
from campaign.annotate.judging import skip_assignment
from campaign.exceptions import InvalidCampaignSettings, NotEnrolled
from campaign.models import Assignment, Campaign, Comparison, Enrollment
from campaign.participants.enrolment import enroll_self, get_participation
from campaign.selectors import can_view_leaderboard
from campaign.services import create_campaign
from tests.builders import expire_lease, make_campaign, make_comparisons, make_user

pytestmark = pytest.mark.django_db


def test_a_campaign_with_an_unknown_setting_is_refused_and_not_created():
    with pytest.raises(
        InvalidCampaignSettings, match=r"^Unknown campaign settings: colour, size\.$"
    ):
        create_campaign(slug="spring", title="Spring", colour="red", size=3)
    assert not Campaign.objects.exists()


def test_the_command_names_an_unknown_owner_and_creates_nothing():
    with pytest.raises(CommandError, match=r"^No user named 'ghost'\.$"):
        call_command("create_campaign", "spring", "--title", "Spring", "--owner", "ghost")
    assert not Campaign.objects.exists()


def test_the_command_gives_the_campaign_to_the_owner_named():
    alice = make_user(username="alice")

    call_command("create_campaign", "spring", "--title", "Spring", "--owner", "alice")

    assert Campaign.objects.get(slug="spring").owner == alice


def test_pressing_start_twice_keeps_one_enrolment():
    campaign = make_campaign(allow_signup=True)
    user = make_user()

    first = enroll_self(user=user, campaign=campaign)
    second = enroll_self(user=user, campaign=campaign)

    assert first.pk == second.pk
    assert Enrollment.objects.filter(user=user).count() == 1


def test_an_anonymous_visitor_is_not_a_participant_and_a_hidden_campaign_is_not_found():
    open_campaign = make_campaign()
    draft = make_campaign(status=Campaign.Status.DRAFT)

    with pytest.raises(NotEnrolled):
        get_participation(slug=open_campaign.slug, user=AnonymousUser())
    for slug in (draft.slug, "no-such-campaign"):
        with pytest.raises(Http404):
            get_participation(slug=slug, user=AnonymousUser())


def test_a_drafts_leaderboard_is_for_its_organisers_only():
    owner = make_user()
    draft = make_campaign(status=Campaign.Status.DRAFT, owner=owner)

    assert can_view_leaderboard(owner, draft)
    assert not can_view_leaderboard(make_user(), draft)


def test_skipping_a_lease_already_reclaimed_does_not_give_its_room_back_twice():
    campaign = make_campaign(qualification_gold=0, gold_rate=0.0)
    make_comparisons(campaign, 1)
    user = make_user()
    Enrollment.objects.create(campaign=campaign, user=user)
    assignment = next_assignment(annotator=user, campaign=campaign)
    expire_lease(assignment)
    assert reclaim_expired_leases(campaign=campaign) == 1
    load = Comparison.objects.get(pk=assignment.comparison_id).load

    skipped = skip_assignment(
        annotator=user, campaign=campaign, assignment_key=assignment.key, reason="broken"
    )

    assert (skipped.status, skipped.skip_reason) == (Assignment.Status.SKIPPED, "broken")
    assert Comparison.objects.get(pk=assignment.comparison_id).load == load
