"""Reads that pages and the API need, written once and query-bounded."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from campaign.models import Campaign


def open_campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.filter(status=Campaign.Status.OPEN).order_by("-created_at")


def is_organiser(user: User, campaign: Campaign) -> bool:
    """Staff organise every campaign; an owner organises their own."""
    return bool(user.is_authenticated and (user.is_staff or campaign.owner_id == user.pk))


def get_visible_campaign(slug: str, user: User) -> Campaign:
    """The campaign if this user may see its page; drafts are for organisers only (else 404)."""
    try:
        campaign = Campaign.objects.get(slug=slug)
    except Campaign.DoesNotExist:
        raise Http404("No such campaign.") from None
    if campaign.status == Campaign.Status.DRAFT and not is_organiser(user, campaign):
        raise Http404("No such campaign.")
    return campaign
