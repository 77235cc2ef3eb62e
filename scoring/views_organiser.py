"""The organiser dashboard, its Recompute action and its export downloads; others get a 404.

The dashboard reads the latest snapshot, so it lives here; the status actions beside it (open,
close, reopen) are the campaign app's (campaign.organise.views). Like them, every view fetches
the campaign through ``get_organised_campaign_for_user``, so a participant or a stranger learns
nothing, and Recompute is a CSRF-protected POST answered by a redirect back with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from campaign.organise.access import get_organised_campaign_for_user
from campaign.organise.views import report_scoring_request
from scoring.dashboard import SHOW_CHOICES, build_dashboard
from scoring.exceptions import NotScoredYet
from scoring.exports.formats import Format, download
from scoring.exports.judgments import judgment_file
from scoring.exports.preferences import preference_file
from scoring.jobs import request_recompute


@never_cache
@login_required
@require_GET
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_organised_campaign_for_user(slug=slug, user=request.user)
    context = {"dashboard": build_dashboard(campaign, request.GET), "show_choices": SHOW_CHOICES}
    return render(request, "scoring/dashboard.html", context)


@login_required
@require_POST
def recompute(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_organised_campaign_for_user(slug=slug, user=request.user)
    report_scoring_request(request, request_recompute(campaign))
    return redirect("scoring:dashboard", slug=campaign.slug)


@never_cache
@login_required
@require_GET
def export_judgments(request: HttpRequest, slug: str, fmt: Format) -> HttpResponse:
    """The dashboard's download of every judgment: the export_judgments command's file."""
    campaign = get_organised_campaign_for_user(slug=slug, user=request.user)
    chunks = judgment_file(campaign, fmt=fmt)
    return download(chunks, slug=campaign.slug, export="judgments", fmt=fmt)


@never_cache
@login_required
@require_GET
def export_preferences(request: HttpRequest, slug: str, fmt: Format) -> HttpResponse:
    """The dashboard's download of the preference pairs (TRL's format), once scored."""
    campaign = get_organised_campaign_for_user(slug=slug, user=request.user)
    try:
        chunks = preference_file(campaign, fmt=fmt)
    except NotScoredYet as refusal:
        messages.error(request, str(refusal))
        return redirect("scoring:dashboard", slug=campaign.slug)
    return download(chunks, slug=campaign.slug, export="preferences", fmt=fmt)
