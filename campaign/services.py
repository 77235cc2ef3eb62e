"""State changes to campaigns: each a typed, transactional function used by every adapter."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

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
    "allocation",
    "min_judgments_per_comparison",
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
    _refuse_nulls(settings)
    campaign = Campaign(slug=slug, title=title, owner=owner, **settings)
    try:
        campaign.full_clean()
    except ValidationError as error:
        raise InvalidCampaignSettings(_describe(error), fields=_fields(error)) from None
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError:
        raise InvalidCampaignSettings(f"A campaign with slug {slug!r} already exists.") from None
    return campaign


# What a change of settings may touch: the status moves only through campaign.organise.status
# (open, close, reopen), whose rules a plain edit would skip.
CHANGEABLE_SETTINGS = ("title", *(name for name in CAMPAIGN_SETTINGS if name != "status"))


@transaction.atomic
def update_campaign_settings(*, campaign: Campaign, changes: dict[str, Any]) -> Campaign:
    """Apply ``changes`` (setting name → value) after the same checks as ``create_campaign``."""
    unknown = sorted(set(changes) - set(CHANGEABLE_SETTINGS))
    if unknown:
        raise InvalidCampaignSettings(f"Settings that cannot be changed: {', '.join(unknown)}.")
    _refuse_nulls(changes)
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    for name, value in changes.items():
        setattr(locked, name, value)
    try:
        locked.full_clean()
    except ValidationError as error:
        raise InvalidCampaignSettings(_describe(error), fields=_fields(error)) from None
    if changes:
        locked.save(update_fields=list(changes))
    return locked


def note_items_edited(campaign_id: int) -> None:
    """An item (prompt, response or comparison) was changed after its import: what was derived
    from the items and kept must be derived again (Campaign.items_edited)."""
    Campaign.objects.filter(pk=campaign_id).update(items_edited=F("items_edited") + 1)


def lock_campaign_for_import(campaign: Campaign) -> None:
    """Hold ``campaign`` until the surrounding transaction ends; call inside ``atomic``.

    NO KEY UPDATE serialises imports into one campaign without blocking the inserts
    (assignments, judgments) that only need the campaign row to exist.
    """
    Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk).first()


def _refuse_nulls(settings: dict[str, Any]) -> None:
    """``full_clean`` lets None through a field that may be blank (a text) even when the
    column is NOT NULL; the insert would then fail. Refuse it here, naming the setting."""
    nulls = [
        name
        for name, value in settings.items()
        if value is None and not Campaign._meta.get_field(name).null
    ]
    if nulls:
        fields = {name: ["This setting cannot be null."] for name in nulls}
        raise InvalidCampaignSettings(_describe_fields(fields), fields=fields)


def _fields(error: ValidationError) -> dict[str, list[str]]:
    return {
        "campaign" if name == "__all__" else name: list(messages)
        for name, messages in error.message_dict.items()
    }


def _describe(error: ValidationError) -> str:
    return _describe_fields(_fields(error))


def _describe_fields(fields: dict[str, list[str]]) -> str:
    return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in fields.items())
