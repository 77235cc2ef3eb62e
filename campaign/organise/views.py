"""Organiser pages and actions of a campaign; anyone who does not organise it gets a 404.

Every view fetches the campaign through ``get_organised_campaign_for_user``, so a participant
or a stranger learns nothing. The open and close actions are CSRF-protected POSTs answered
by a redirect to the organiser dashboard (the scoring app's page, by URL name) with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.exceptions import AccountsError
from campaign.annotate.forms import ProvisionForm
from campaign.events import ScoringRequest
from campaign.exceptions import CampaignStatusChangeRefused
from campaign.organise.access import get_organised_campaign_for_user
from campaign.organise.status import close_campaign, open_campaign
from campaign.participants.provisioning import credentials_csv, provision_annotators

PROVISIONED_COOKIE = "crowdeval_provisioned"


@never_cache
@login_required
def provision(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the form. POST: create the accounts and answer with their credentials as a CSV.

    The download is the only copy of the passwords (only hashes are stored), so it is the
    response to the POST itself: nothing to fetch again, nothing cached on the way.
    """
    campaign = get_organised_campaign_for_user(slug=slug, user=request.user)
    form = ProvisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            credentials = provision_annotators(campaign=campaign, count=form.cleaned_data["count"])
        except AccountsError as error:
            form.add_error("count", str(error))
        else:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            response = HttpResponse(credentials_csv(credentials), content_type="text/csv")
            response["Content-Disposition"] = (
                f'attachment; filename="{campaign.slug}-credentials-{stamp}.csv"'
            )
            # A download leaves the page as it was: provision.js reads this cookie to say on
            # the page that the accounts exist and the file arrived (the count, no secret).
            response.set_cookie(
                PROVISIONED_COOKIE,
                str(len(credentials)),
                max_age=60,
                path=request.path,
                samesite="Strict",
                secure=request.is_secure(),
            )
            return response
    status = 422 if form.is_bound else 200
    return render(
        request, "campaign/provision.html", {"campaign": campaign, "form": form}, status=status
    )


# The organiser dashboard, where the status actions answer (served by the scoring app).
DASHBOARD = "scoring:dashboard"


@login_required
@require_POST
def open_(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_organised_campaign_for_user(slug=slug, user=request.user)
    try:
        open_campaign(campaign=campaign, reopen=request.POST.get("reopen") == "1")
    except CampaignStatusChangeRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The campaign is open: participants can judge.")
    return redirect(DASHBOARD, slug=campaign.slug)


@login_required
@require_POST
def close(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_organised_campaign_for_user(slug=slug, user=request.user)
    try:
        closed = close_campaign(campaign=campaign)
    except CampaignStatusChangeRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The campaign is closed: it takes no more judgments.")
        if closed.final_scoring is not None:
            report_scoring_request(request, closed.final_scoring)
    return redirect(DASHBOARD, slug=campaign.slug)


SCORING_REQUEST_MESSAGES = {
    ScoringRequest.QUEUED: (
        messages.SUCCESS,
        "Scoring queued: the new scores appear here once a worker has run it.",
    ),
    ScoringRequest.DONE: (messages.SUCCESS, "Scores recomputed."),
    ScoringRequest.UNCHANGED: (
        messages.INFO,
        "Nothing new to score: the scores already include every judgment.",
    ),
    ScoringRequest.BUSY: (
        messages.INFO,
        "A scoring run is already in progress; the page will show its result when it finishes.",
    ),
    ScoringRequest.UNAVAILABLE: (
        messages.WARNING,
        "The scoring queue cannot be reached right now; the scores will catch up on the "
        "next scheduled run.",
    ),
}


def report_scoring_request(request: HttpRequest, outcome: ScoringRequest) -> None:
    """Tell the organiser what became of a request to score now (close, Recompute)."""
    level, text = SCORING_REQUEST_MESSAGES[outcome]
    messages.add_message(request, level, text)
