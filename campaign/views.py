"""Public campaign pages: thin adapters over selectors."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from campaign import selectors
from campaign.participation import is_enrolled


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "campaign/home.html", {"campaigns": selectors.open_campaigns()})


def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = selectors.get_visible_campaign(slug, request.user)
    context = {
        "campaign": campaign,
        "is_enrolled": is_enrolled(user=request.user, campaign=campaign),
        "is_organiser": selectors.is_organiser(request.user, campaign),
    }
    return render(request, "campaign/detail.html", context)
