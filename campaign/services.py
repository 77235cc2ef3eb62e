"""State changes to campaigns: each a typed, transactional function used by every adapter."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from campaign.exceptions import (
    CampaignNotFound,
    InvalidCampaignSettings,
)
from campaign.models import Campaign

CAMPAIGN_SETTINGS = (
    "description",
    "guidelines",
    "scale",
    "judgments_per_comparison",
    "gold_rate",
    "qualification_gold",
    "min_gold_seen",
    "min_gold_accuracy",
    "block_untrusted",
    "exclude_gold_spotters",
    "lease_minutes",
    "require_rationale",
    "allow_signup",
    "pairs_per_prompt",
    "leaderboard",
    "status",
    "starts_at",
    "ends_at",
)


def get_campaign(slug: str) -> Campaign:
    try:
        return Campaign.objects.get(slug=slug)
    except Campaign.DoesNotExist:
        raise CampaignNotFound(f"No campaign with slug {slug!r}.") from None


@transaction.atomic
def create_campaign(
    *, slug: str, title: str, owner: User | None = None, **settings: Any
) -> Campaign:
    """A new campaign with PRODUCT.md's defaults for every setting not given."""
    unknown = sorted(set(settings) - set(CAMPAIGN_SETTINGS))
    if unknown:
        raise InvalidCampaignSettings(f"Unknown campaign settings: {', '.join(unknown)}.")
    campaign = Campaign(slug=slug, title=title, owner=owner, **settings)
    try:
        campaign.full_clean()
    except ValidationError as error:
        raise InvalidCampaignSettings(_describe(error)) from None
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError:
        raise InvalidCampaignSettings(f"A campaign with slug {slug!r} already exists.") from None
    return campaign


def lock_campaign_for_import(campaign: Campaign) -> None:
    """Hold ``campaign`` until the surrounding transaction ends; call inside ``atomic``.

    NO KEY UPDATE serialises imports into one campaign without blocking the inserts
    (assignments, judgments) that only need the campaign row to exist.
    """
    Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk).first()


def _describe(error: ValidationError) -> str:
    parts = []
    for name, messages in error.message_dict.items():
        label = "campaign" if name == "__all__" else name
        parts.append(f"{label}: {' '.join(messages)}")
    return "; ".join(parts)
