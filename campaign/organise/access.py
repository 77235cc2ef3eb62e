"""Who may organise: the permission-checked getter every organiser page starts with, and the
rule for pages that belong to no campaign yet (creating one, the API tokens page)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from accounts.roles import is_organiser
from campaign.models import Campaign
from campaign.selectors import get_visible_campaign


def get_organised_campaign_for_user(*, slug: str, user: User) -> Campaign:
    """The campaign if ``user`` organises it; 404 otherwise, so strangers learn nothing."""
    campaign = get_visible_campaign(slug, user)
    if not is_organiser(user, campaign):
        raise Http404("No such campaign.")
    return campaign


def organises_any_campaign(user: Any) -> bool:
    """Staff, or the active owner of at least one campaign (PRODUCT.md: organisers).

    The one rule for who may create a campaign, hold an API token and use the API.
    """
    if not (user.is_authenticated and user.is_active):
        return False
    return bool(user.is_staff or Campaign.objects.filter(owner=user).exists())


def campaigns_organised_by(user: Any) -> QuerySet[Campaign]:
    """The campaigns ``user`` organises (staff: all), newest first, drafts included."""
    if not organises_any_campaign(user):
        return Campaign.objects.none()
    campaigns = Campaign.objects.order_by("-created_at", "-pk")
    return campaigns if user.is_staff else campaigns.filter(owner=user)
