"""Organiser pages of a campaign; anyone who does not organise it gets a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from accounts.exceptions import AccountsError
from campaign.annotate.forms import ProvisionForm
from campaign.participants.enrolment import get_organised_campaign_for_user
from campaign.participants.provisioning import credentials_csv, provision_annotators


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
            return response
    status = 422 if form.is_bound else 200
    return render(
        request, "campaign/provision.html", {"campaign": campaign, "form": form}, status=status
    )
