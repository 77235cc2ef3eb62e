"""Campaigns: list, create, read, change settings, open and close."""

# No `from __future__ import annotations`: ninja reads the signatures at import time.

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Path, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from api.access import caller, get_api_campaign, organised_campaigns, require_api_organiser
from api.responses import ANY, answers
from api.schemas import CampaignCreate, CampaignOut, CampaignSettings, Error, Slug
from campaign.models import Campaign
from campaign.organise.status import close_campaign, open_campaign
from campaign.services import create_campaign, update_campaign_settings

router = Router(tags=["campaigns"])


@router.get(
    "", summary="List your campaigns", response=answers({200: list[CampaignOut]}, errors=ANY)
)
@paginate(LimitOffsetPagination)
def list_campaigns(request: HttpRequest) -> QuerySet[Campaign]:
    """The campaigns the caller organises (staff: all), newest first."""
    return organised_campaigns(caller(request)).select_related("owner")


@router.post("", summary="Create a campaign", response=answers({201: CampaignOut}, errors=ANY))
def create(request: HttpRequest, payload: CampaignCreate) -> Status[Campaign]:
    """A new campaign owned by the caller; settings not given take PRODUCT.md's defaults."""
    require_api_organiser(caller(request))
    settings = payload.model_dump(exclude_unset=True, exclude={"slug", "title"})
    campaign = create_campaign(
        slug=payload.slug, title=payload.title, owner=caller(request), **settings
    )
    return Status(201, campaign)


@router.get("/{slug}", summary="Read a campaign", response=answers({200: CampaignOut}))
def read(request: HttpRequest, slug: Path[Slug]) -> Campaign:
    return get_api_campaign(caller(request), slug)


@router.patch("/{slug}", summary="Change settings", response=answers({200: CampaignOut}))
def change(request: HttpRequest, slug: Path[Slug], payload: CampaignSettings) -> Campaign:
    """Change any settings given (the status changes only through open and close)."""
    campaign = get_api_campaign(caller(request), slug)
    changes = payload.model_dump(exclude_unset=True)
    return update_campaign_settings(campaign=campaign, changes=changes)


@router.post(
    "/{slug}/open", summary="Open (or reopen)", response=answers({200: CampaignOut, 409: Error})
)
def open_(request: HttpRequest, slug: Path[Slug], reopen: bool = False) -> Campaign:
    """Draft → open; a closed campaign opens again only with ``reopen=true``."""
    campaign = get_api_campaign(caller(request), slug)
    return open_campaign(campaign=campaign, reopen=reopen)


@router.post("/{slug}/close", summary="Close", response=answers({200: CampaignOut, 409: Error}))
def close(request: HttpRequest, slug: Path[Slug]) -> Campaign:
    """Open → closed: no more judgments; the final scores are requested at once."""
    campaign = get_api_campaign(caller(request), slug)
    return close_campaign(campaign=campaign).campaign
