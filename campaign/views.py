"""Public campaign pages: thin adapters over selectors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from campaign import selectors
from campaign.models import Campaign
from campaign.organise.access import campaigns_organised_by, organises_any_campaign
from campaign.participants.enrolment import is_enrolled


@dataclass(frozen=True)
class CampaignCard:
    campaign: Campaign
    leaderboard_visible: bool


def home(request: HttpRequest) -> HttpResponse:
    context = {
        "campaigns": _cards(selectors.open_campaigns(), request.user),
        "closed_campaigns": _cards(selectors.closed_campaigns(), request.user),
        # Organisers find their drafts here too, and the way to start a new campaign.
        "organiser": organises_any_campaign(request.user),
        "organised": campaigns_organised_by(request.user)[:20],
    }
    return render(request, "campaign/home.html", context)


def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = selectors.get_visible_campaign(slug, request.user)
    context = {
        "campaign": campaign,
        "is_enrolled": is_enrolled(user=request.user, campaign=campaign),
        "is_organiser": selectors.is_organiser(request.user, campaign),
        "leaderboard_visible": selectors.can_view_leaderboard(request.user, campaign),
    }
    return render(request, "campaign/detail.html", context)


def _cards(campaigns: Iterable[Campaign], user: User) -> list[CampaignCard]:
    return [
        CampaignCard(campaign, selectors.can_view_leaderboard(user, campaign))
        for campaign in campaigns
    ]
