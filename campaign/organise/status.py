"""A campaign's life: open, close (then its final scores), reopen; one service per change."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from campaign.events import ScoringRequest, request_scoring
from campaign.exceptions import CampaignStatusChangeRefused
from campaign.models import Campaign


@dataclass(frozen=True)
class CampaignClosed:
    campaign: Campaign
    final_scoring: ScoringRequest | None  # what became of the request for the final scores


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


def close_campaign(*, campaign: Campaign) -> CampaignClosed:
    """Open → closed: no more judgments; a hidden leaderboard becomes public; then score.

    Closing names the winner, so the final scores are requested at once rather than after the
    debounce delay, once the change has committed (call it outside a transaction, as the views
    and commands do): the run then reads the closed campaign and its last judgment.
    """
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status != Campaign.Status.OPEN:
            status = locked.get_status_display().lower()
            raise CampaignStatusChangeRefused(
                f"Only an open campaign can be closed; this one is {status}."
            )
        closed = _set_status(locked, Campaign.Status.CLOSED, original=campaign)
    return CampaignClosed(campaign=closed, final_scoring=request_scoring(closed))


def _set_status(locked: Campaign, status: str, *, original: Campaign) -> Campaign:
    locked.status = status
    locked.save(update_fields=["status"])
    original.status = status
    return locked
