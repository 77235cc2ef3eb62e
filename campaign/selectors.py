"""Reads that pages and the API need, written once and query-bounded."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from accounts.roles import is_organiser
from campaign.models import Campaign

__all__ = ["get_visible_campaign", "is_organiser", "open_campaigns"]


def open_campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.filter(status=Campaign.Status.OPEN).order_by("-created_at")


def get_visible_campaign(slug: str, user: User) -> Campaign:
    """The campaign if this user may see its page; drafts are for organisers only (else 404)."""
    try:
        campaign = Campaign.objects.get(slug=slug)
    except Campaign.DoesNotExist:
        raise Http404("No such campaign.") from None
    if campaign.status == Campaign.Status.DRAFT and not is_organiser(user, campaign):
        raise Http404("No such campaign.")
    return campaign
