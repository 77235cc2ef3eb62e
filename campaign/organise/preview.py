"""The organiser's preview of the annotate page: what participants see, recording nothing.

It shows a random regular comparison (never gold: a preview is no way round gold secrecy for
whoever else may look over the organiser's shoulder) through the participants' own item
template, with the sides placed at random as an assignment would. Its forms post back here,
and a post only moves on to another item: no lease, no judgment, no skip, no counter.
"""

from __future__ import annotations

import secrets
import uuid
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from accounts.models import User
from campaign.annotate.views import ItemDisplay, form_chrome
from campaign.models import SHUFFLE_KEY_LIMIT, Campaign, regular_pool
from campaign.organise.access import get_organised_campaign_for_user
from campaign.selectors import comparison_html

NOTHING_RECORDED = "Preview: nothing was recorded. Here is another item."


def preview_item(campaign: Campaign) -> ItemDisplay | None:
    """A random regular comparison of the campaign, sides placed at random (two queries)."""
    regular = regular_pool(campaign).order_by("shuffle")
    start = secrets.randbelow(SHUFFLE_KEY_LIMIT)
    comparison_id = (
        regular.filter(shuffle__gte=start).values_list("pk", flat=True).first()
        or regular.values_list("pk", flat=True).first()
    )
    if comparison_id is None:
        return None
    prompt_html, a_html, b_html = comparison_html(comparison_id)
    left, right = (a_html, b_html) if secrets.randbelow(2) else (b_html, a_html)
    return ItemDisplay(key=uuid.uuid4(), prompt_html=prompt_html, left_html=left, right_html=right)


@never_cache
@login_required
def preview(request: HttpRequest, slug: str) -> HttpResponse:
    user = cast(User, request.user)  # login_required: never anonymous here
    campaign = get_organised_campaign_for_user(slug=slug, user=user)
    if request.method == "POST":
        messages.info(request, NOTHING_RECORDED)
        return redirect("campaign:preview", slug=campaign.slug)
    preview_url = reverse("campaign:preview", args=[campaign.slug])
    context = {
        "campaign": campaign,
        "preview": True,
        "item": preview_item(campaign),
        "halted": None,
        "notice": None,
        "skip_form": None,
        # A preview's forms post back to the preview, which records nothing.
        "judge_url": preview_url,
        "skip_url": preview_url,
        **form_chrome(campaign, form=None, skip_form=None),
        "progress": None,
        "goal": None,
        "goal_percent": 0,
    }
    return render(request, "campaign/preview.html", context)
