"""Who someone is to a campaign: organiser, participant or anonymous viewer.

Organisers are decided here from the user and the campaign's owner alone. Whether someone is a
participant needs the campaign's enrolments, so `campaign.participants.enrolment.role_in_campaign`
completes the picture; `accounts` never imports `campaign` (dependencies point one way).
"""

from __future__ import annotations

import enum
from typing import Any, Protocol


class OwnedCampaign(Protocol):
    owner_id: Any


class Role(enum.StrEnum):
    ORGANISER = "organiser"
    PARTICIPANT = "participant"
    VIEWER = "viewer"


def is_organiser(user: Any, campaign: OwnedCampaign) -> bool:
    """Staff organise every campaign; an owner organises their own."""
    if not (user.is_authenticated and user.is_active):
        return False
    return bool(user.is_staff or (campaign.owner_id is not None and campaign.owner_id == user.pk))
