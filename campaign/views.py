"""Public campaign pages: thin adapters over selectors."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from campaign import selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "campaign/home.html", {"campaigns": selectors.open_campaigns()})


def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = selectors.get_visible_campaign(slug, request.user)
    return render(request, "campaign/detail.html", {"campaign": campaign})
