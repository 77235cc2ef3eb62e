"""Reads that pages need, written once and query-bounded."""

from __future__ import annotations

from collections.abc import Sequence

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


ComparisonHtml = tuple[SafeString, SafeString, SafeString]  # prompt, response a, response b

# A comparison's texts as the annotate page shows them, read beside ``c``, the comparison row:
# stored HTML, and the text for a row not rendered yet (text_html renders it).
TEXT_COLUMNS = "p.html, p.text, ra.html, ra.text, rb.html, rb.text"


def text_joins(join: str = "JOIN") -> str:
    """The joins from ``c`` that TEXT_COLUMNS read (``LEFT JOIN`` when ``c`` may be missing)."""
    prompt, response = Prompt._meta.db_table, Response._meta.db_table
    return (
        f" {join} {prompt} p ON p.id = c.prompt_id"
        f" {join} {response} ra ON ra.id = c.response_a_id"
        f" {join} {response} rb ON rb.id = c.response_b_id"
    )


def text_html(columns: Sequence[str | None]) -> ComparisonHtml:
    """TEXT_COLUMNS' values as the prompt's and both responses' HTML."""
    prompt_html, prompt_text, a_html, a_text, b_html, b_text = columns
    return (
        item_html(prompt_html, prompt_text or ""),
        item_html(a_html, a_text or ""),
        item_html(b_html, b_text or ""),
    )


def comparison_html(comparison_id: int) -> ComparisonHtml:
    """The prompt's and both responses' HTML of one comparison, for the annotate page.

    Written out because it runs on every annotate request and the ORM's two joins cost more
    CPU to build than to run. The HTML is the stored one (campaign.rendered_texts); a row not
    rendered yet is rendered here, from its text. A new lease's texts come with the statement
    that leases it instead (campaign.annotate.pick).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {TEXT_COLUMNS} FROM {Comparison._meta.db_table} c"  # noqa: S608 - names only
            f"{text_joins()} WHERE c.id = %s",
            [comparison_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Comparison.DoesNotExist(comparison_id)
    return text_html(row)
