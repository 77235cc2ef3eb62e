"""Who may organise a campaign: the permission-checked getter every organiser page starts with."""

from __future__ import annotations

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
