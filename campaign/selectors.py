"""Reads that pages need, written once and query-bounded."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from django.utils.safestring import SafeString

from accounts.models import User
from accounts.roles import is_organiser
from campaign.models import Campaign, Comparison, Prompt, Response
from campaign.rendered_texts import item_html

__all__ = [
    "can_view_leaderboard",
    "closed_campaigns",
    "comparison_html",
    "get_visible_campaign",
    "is_organiser",
    "open_campaigns",
]


def open_campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.filter(status=Campaign.Status.OPEN).order_by("-created_at")


def closed_campaigns(limit: int = 10) -> QuerySet[Campaign]:
    """The most recently created closed campaigns, whose results may be worth a look."""
    return Campaign.objects.filter(status=Campaign.Status.CLOSED).order_by("-created_at")[:limit]


def can_view_leaderboard(user: User, campaign: Campaign) -> bool:
    """Organisers always; everyone else when it is public (live) or the campaign has closed.

    Drafts are already out of sight for non-organisers (``get_visible_campaign``).
    """
    if is_organiser(user, campaign):
        return True
    if campaign.status == Campaign.Status.DRAFT:
        return False
    return (
        campaign.leaderboard == Campaign.Leaderboard.PUBLIC
        or campaign.status == Campaign.Status.CLOSED
    )


def get_visible_campaign(slug: str, user: User) -> Campaign:
    """The campaign if this user may see its page; drafts are for organisers only (else 404)."""
    try:
        campaign = Campaign.objects.get(slug=slug)
    except Campaign.DoesNotExist:
        raise Http404("No such campaign.") from None
    if campaign.status == Campaign.Status.DRAFT and not is_organiser(user, campaign):
        raise Http404("No such campaign.")
    return campaign


def comparison_html(comparison_id: int) -> tuple[SafeString, SafeString, SafeString]:
    """The prompt's and both responses' HTML of one comparison, for the annotate page.

    Written out because it runs on every annotate request and the ORM's two joins cost more
    CPU to build than to run. The HTML is the stored one (campaign.rendered_texts); a row not
    rendered yet is rendered here, from its text.
    """
    comparison, prompt, response = (
        model._meta.db_table for model in (Comparison, Prompt, Response)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.html, p.text, ra.html, ra.text, rb.html, rb.text FROM {comparison} c"  # noqa: S608 - names only
            f" JOIN {prompt} p ON p.id = c.prompt_id"
            f" JOIN {response} ra ON ra.id = c.response_a_id"
            f" JOIN {response} rb ON rb.id = c.response_b_id WHERE c.id = %s",
            [comparison_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Comparison.DoesNotExist(comparison_id)
    prompt_html, prompt_text, a_html, a_text, b_html, b_text = row
    return (
        item_html(prompt_html, prompt_text),
        item_html(a_html, a_text),
        item_html(b_html, b_text),
    )
