"""Who may use the organiser API, and the permission-checked campaign getter its views use.

The answers follow the organiser pages: a campaign the caller does not organise is a 404 (a
stranger learns nothing, not even that it exists); someone who organises nothing at all (a
participant) is refused with 403 on every endpoint.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja.errors import AuthorizationError

from accounts.models import User
from accounts.roles import is_organiser
from campaign.models import Campaign
from campaign.organise.access import campaigns_organised_by, organises_any_campaign


def caller(request: HttpRequest) -> User:
    """Who authenticated the request (``api.auth``'s answer, which ninja stores on it)."""
    user: User = request.auth  # type: ignore[attr-defined]
    return user


def require_api_organiser(user: Any) -> None:
    if not organises_any_campaign(user):
        raise AuthorizationError(message="Only organisers may use the API.")


def organised_campaigns(user: Any) -> QuerySet[Campaign]:
    """The campaigns ``user`` organises (staff: all), newest first."""
    require_api_organiser(user)
    return campaigns_organised_by(user)


def get_api_campaign(user: Any, slug: str) -> Campaign:
    """The campaign if ``user`` organises it: 403 for a non-organiser, 404 for a stranger."""
    require_api_organiser(user)
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None or not is_organiser(user, campaign):
        raise Http404("No such campaign.")
    return campaign
