"""The organiser dashboard and its actions (recompute, open, close); others get a 404.

Like campaign.organise.views, every view fetches the campaign through
``get_organised_campaign_for_user``, so a participant or a stranger learns nothing, and every
action is a CSRF-protected POST answered by a redirect back to the dashboard with a message.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from campaign.exceptions import CampaignStatusChangeRefused
from campaign.models import Campaign
from campaign.participants.enrolment import get_organised_campaign_for_user
from campaign.services import close_campaign, open_campaign
from scoring.dashboard import SHOW_CHOICES, build_dashboard
from scoring.jobs import Recompute, request_recompute


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
    _report_recompute(request, request_recompute(campaign))
    return redirect("scoring:dashboard", slug=campaign.slug)


@login_required
@require_POST
def open_(request: HttpRequest, slug: str) -> HttpResponse:
    reopen = request.POST.get("reopen") == "1"
    return _change_status(
        request,
        slug,
        lambda campaign: open_campaign(campaign=campaign, reopen=reopen),
        "The campaign is open: participants can judge.",
    )


@login_required
@require_POST
def close(request: HttpRequest, slug: str) -> HttpResponse:
    return _change_status(
        request,
        slug,
        lambda campaign: close_campaign(campaign=campaign),
        "The campaign is closed: it takes no more judgments.",
        then_recompute=True,  # final scores, the winner
    )


def _change_status(
    request: HttpRequest,
    slug: str,
    change: Callable[[Campaign], object],
    success: str,
    *,
    then_recompute: bool = False,
) -> HttpResponse:
    """Apply ``change`` to the organiser's campaign and say how it went on the dashboard."""
    campaign = get_organised_campaign_for_user(slug=slug, user=request.user)
    try:
        change(campaign)
    except CampaignStatusChangeRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
        if then_recompute:
            _report_recompute(request, request_recompute(campaign))
    return redirect("scoring:dashboard", slug=campaign.slug)


RECOMPUTE_MESSAGES = {
    Recompute.QUEUED: (
        messages.SUCCESS,
        "Scoring queued: the new scores appear here once a worker has run it.",
    ),
    Recompute.DONE: (messages.SUCCESS, "Scores recomputed."),
    Recompute.BUSY: (
        messages.INFO,
        "A scoring run is already in progress; the page will show its result when it finishes.",
    ),
    Recompute.UNAVAILABLE: (
        messages.WARNING,
        "The scoring queue cannot be reached right now; the scores will catch up on the "
        "next scheduled run.",
    ),
}


def _report_recompute(request: HttpRequest, outcome: Recompute) -> None:
    level, text = RECOMPUTE_MESSAGES[outcome]
    messages.add_message(request, level, text)
