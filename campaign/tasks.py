"""Celery tasks of the campaign app: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from campaign.annotate.assignment import reclaim_expired_leases
from campaign.models import Campaign


@shared_task(name="campaign.reclaim_leases", ignore_result=True)
def reclaim_leases(campaign_id: int | None = None) -> int:
    """Expire stale leases (of one campaign, or of all) so their comparisons are served again."""
    campaign = Campaign.objects.get(pk=campaign_id) if campaign_id is not None else None
    return reclaim_expired_leases(campaign=campaign)
