"""Domain errors of the scoring app, turned into messages or JSON errors at the edge."""

from __future__ import annotations

from campaign.exceptions import CampaignError


class NotScoredYet(CampaignError):
    """The campaign has no snapshot, and the request needs the trust a scoring run decides."""
