"""Celery tasks of the campaign app: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from campaign.annotate.assignment import reclaim_expired_leases
from campaign.models import Campaign
from campaign.organise.uploads import UPLOAD_TASK, run_upload
from campaign.rendered_texts import RENDER_TASK, fill_rendered_html, render_pending_texts


@shared_task(name="campaign.reclaim_leases", ignore_result=True)
def reclaim_leases(campaign_id: int | None = None) -> int:
    """Expire stale leases (of one campaign, or of all) so their comparisons are served again."""
    campaign = Campaign.objects.get(pk=campaign_id) if campaign_id is not None else None
    return reclaim_expired_leases(campaign=campaign)


@shared_task(name=UPLOAD_TASK, ignore_result=True)
def run_import_upload(key: str) -> str:
    """The dry run or the confirmed import of a file uploaded from the organiser pages."""
    return run_upload(key).state


@shared_task(name=RENDER_TASK, ignore_result=True)
def render_texts(campaign_id: int) -> int:
    """Store the HTML of the campaign's prompts and responses that have none yet."""
    return fill_rendered_html(campaign_id)


@shared_task(name="campaign.render_pending_texts", ignore_result=True)
def render_pending() -> int:
    """Beat: store the HTML an import's own render task left missing (no broker at the time)."""
    return render_pending_texts()
