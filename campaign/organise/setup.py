"""Organiser pages that set a campaign up: create it, change its settings, preview guidelines.

Thin adapters: ``CampaignForm`` parses, ``create_campaign`` / ``update_campaign_settings``
decide (the same services as the command and the API), and a refusal is shown on the field
it names. Only organisers (``organises_any_campaign``: staff, or the owner of a campaign) may
create one; everyone else gets a 404, as on the other organiser pages.

The guidelines preview is the page's own form posted with the "Preview" button, so it works
without JavaScript; organise.js also posts the text to ``guidelines_preview`` as you type and
swaps the fragment in. Both render with the annotate page's ``markdown`` filter.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.models import User
from campaign.exceptions import InvalidCampaignSettings
from campaign.organise.access import get_organised_campaign_for_user, organises_any_campaign
from campaign.organise.forms import CampaignForm
from campaign.services import create_campaign, update_campaign_settings

DASHBOARD = "scoring:dashboard"


def _organiser(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not organises_any_campaign(user):
        raise Http404("No such page.")
    return user


@never_cache
@login_required
def create(request: HttpRequest) -> HttpResponse:
    """GET: the form with PRODUCT.md's defaults. POST: preview the guidelines, or create."""
    owner = _organiser(request)
    form = CampaignForm(request.POST or None)
    previewing = "preview" in request.POST
    if request.method == "POST" and not previewing and form.is_valid():
        try:
            campaign = create_campaign(owner=owner, **form.cleaned_data)
        except InvalidCampaignSettings as refusal:
            form.show_refusal(refusal)
        else:
            messages.success(
                request, f"Campaign “{campaign.title}” created. Next: import its items."
            )
            return redirect(DASHBOARD, slug=campaign.slug)
    return _form_page(request, form, previewing=previewing, campaign=None)


@never_cache
@login_required
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the current settings. POST: preview the guidelines, or save what changed."""
    user = cast(User, request.user)  # login_required: never anonymous here
    campaign = get_organised_campaign_for_user(slug=slug, user=user)
    current = {name: getattr(campaign, name) for name in CampaignForm(editing=True).fields}
    form = CampaignForm(request.POST or None, initial=current, editing=True)
    previewing = "preview" in request.POST
    if request.method == "POST" and not previewing and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            update_campaign_settings(campaign=campaign, changes=changes)
        except InvalidCampaignSettings as refusal:
            form.show_refusal(refusal)
        else:
            messages.success(request, "Settings saved." if changes else "Nothing changed.")
            return redirect(DASHBOARD, slug=campaign.slug)
    return _form_page(request, form, previewing=previewing, campaign=campaign)


@login_required
@require_POST
def guidelines_preview(request: HttpRequest) -> HttpResponse:
    """The guidelines as participants will see them: a fragment for organise.js to swap in."""
    _organiser(request)
    text = request.POST.get("guidelines", "")
    return render(request, "campaign/organise/_guidelines_preview.html", {"guidelines": text})


def _form_page(
    request: HttpRequest, form: CampaignForm, *, previewing: bool, campaign: object
) -> HttpResponse:
    guidelines = form.data.get("guidelines") if form.is_bound else form["guidelines"].value()
    context = {
        "form": form,
        "campaign": campaign,
        "guidelines": guidelines or "",
        "previewing": previewing,
        "show_errors": not previewing,  # a preview is not a submission: no errors yet
    }
    refused = form.is_bound and not previewing
    return render(
        request, "campaign/organise/settings.html", context, status=422 if refused else 200
    )
