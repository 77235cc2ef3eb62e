"""State changes to campaigns: each a typed, transactional function used by every adapter."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from campaign.exceptions import (
    CampaignNotFound,
    CampaignStatusChangeRefused,
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


@transaction.atomic
def open_campaign(*, campaign: Campaign, reopen: bool = False) -> Campaign:
    """Draft → open. A closed campaign opens again only with ``reopen``: closing it named a
    winner, so taking more judgments afterwards must be a deliberate choice."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.status == Campaign.Status.OPEN:
        raise CampaignStatusChangeRefused("This campaign is already open.")
    if locked.status == Campaign.Status.CLOSED and not reopen:
        raise CampaignStatusChangeRefused(
            "This campaign is closed. Reopen it explicitly to collect more judgments."
        )
    return _set_status(locked, Campaign.Status.OPEN, original=campaign)


@transaction.atomic
def close_campaign(*, campaign: Campaign) -> Campaign:
    """Open → closed: no more judgments; a hidden leaderboard becomes public."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.status != Campaign.Status.OPEN:
        status = locked.get_status_display().lower()
        raise CampaignStatusChangeRefused(
            f"Only an open campaign can be closed; this one is {status}."
        )
    return _set_status(locked, Campaign.Status.CLOSED, original=campaign)


def _set_status(locked: Campaign, status: str, *, original: Campaign) -> Campaign:
    locked.status = status
    locked.save(update_fields=["status"])
    original.status = status
    return locked


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
