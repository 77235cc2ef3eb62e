"""Organiser pages that import items and votes from the browser: upload, dry run, confirm.

Upload (``upload``) → the dry run's report, line by line (``review``) → Confirm (``confirm``)
→ the import's report on the same page. The file stays on the server between the steps
(campaign.organise.uploads), bound to the organiser and the campaign: the confirm names the
upload by its random key, never by a path. While a run is queued or running the page shows
its progress: organise.js polls ``progress``; without JavaScript the page reloads itself.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from campaign.exceptions import CampaignError
from campaign.models import Campaign, ImportUpload
from campaign.organise.access import get_organised_campaign_for_user
from campaign.organise.forms import ImportFileForm
from campaign.organise.uploads import confirm_upload, progress_of, report_of, stage_upload

KINDS = {kind.value: kind for kind in ImportUpload.Kind}


@never_cache
@login_required
def upload(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    """GET: the upload form. POST: keep the file, run its dry run, show its report."""
    user = cast(User, request.user)  # login_required: never anonymous here
    campaign = get_organised_campaign_for_user(slug=slug, user=user)
    if kind not in KINDS:
        raise Http404("No such import.")
    posted = request.method == "POST"
    form = ImportFileForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            staged = stage_upload(
                campaign=campaign,
                user=user,
                kind=kind,
                file=form.cleaned_data["file"],
                file_format=form.cleaned_data["file_format"],
            )
        except CampaignError as refusal:
            form.add_error("file", str(refusal))
        else:
            return redirect("campaign:import_review", slug=campaign.slug, key=staged.key)
    context = {"campaign": campaign, "form": form, "kind": KINDS[kind]}
    status = 422 if form.is_bound else 200
    return render(request, "campaign/organise/import_upload.html", context, status=status)


@never_cache
@login_required
@require_GET
def review(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """The upload's state: its progress, the dry run's report and Confirm, or the result."""
    campaign, staged = _get_upload(request, slug, key)
    context = {
        "campaign": campaign,
        "upload": staged,
        "kind": ImportUpload.Kind(staged.kind),
        "check": report_of(staged, "check"),
        "result": report_of(staged, "import"),
        "progress": progress_of(staged),
        "running": staged.state in (ImportUpload.State.CHECKING, ImportUpload.State.IMPORTING),
    }
    return render(request, "campaign/organise/import_review.html", context)


@login_required
@require_POST
def confirm(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    campaign, staged = _get_upload(request, slug, key)
    try:
        confirm_upload(upload=staged)
    except CampaignError as refusal:
        messages.error(request, str(refusal))
    return redirect("campaign:import_review", slug=campaign.slug, key=staged.key)


@never_cache
@login_required
@require_GET
def progress(request: HttpRequest, slug: str, key: str) -> JsonResponse:
    """How far the run has got, for organise.js: the page reloads once it is no longer running."""
    _, staged = _get_upload(request, slug, key)
    now = progress_of(staged)
    return JsonResponse(
        {
            "state": now.state,
            "phase": now.phase,
            "done": now.done,
            "total": now.total,
            "percent": now.percent,
        }
    )


def _get_upload(request: HttpRequest, slug: str, key: str) -> tuple[Campaign, ImportUpload]:
    """The upload if this organiser made it, for this campaign; 404 for anyone else."""
    user = cast(User, request.user)  # login_required: never anonymous here
    campaign = get_organised_campaign_for_user(slug=slug, user=user)
    staged = get_object_or_404(ImportUpload, key=key, campaign=campaign, uploaded_by=user)
    return campaign, staged
