"""Leaderboard pages and downloads: thin adapters over the snapshot a visitor may read.

A request never computes ratings (PRODUCT.md "Scoring"); it reads a stored snapshot, or
says that there is none yet. Who may see a leaderboard is campaign.selectors'
``can_view_leaderboard``: public ones live, hidden ones once the campaign has closed, and
organisers always. How much of it they see is scoring.publication's ``leaderboard_view``:
while a campaign is open, non-organisers get its published steps without gold-derived
participant figures. Which board of it they see (the default, a method such as style
control, a category) is the ``view`` query parameter (scoring.board_views); a name that
names nothing shows the default board with a notice on the page and is a 404 for downloads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from campaign.exceptions import NotEnrolled
from campaign.models import Campaign
from campaign.participants.enrolment import get_participation
from campaign.participants.progress import progress_of
from campaign.participants.trust import STANDING_STEP, shown_standing
from campaign.selectors import can_view_leaderboard, get_visible_campaign, is_organiser
from campaign.spreadsheet import SafeWriter
from scoring.board_views import UnknownView
from scoring.exports.leaderboard import leaderboard_csv_rows, leaderboard_document
from scoring.leaderboard import build_leaderboard
from scoring.models import Snapshot
from scoring.publication import PUBLIC_STEP, leaderboard_view

HIDDEN_MESSAGE = "This leaderboard is hidden until the campaign closes."
NOT_SCORED_MESSAGE = "This campaign has not been scored yet."
MAX_VIEW_CHARS = 200
# The participant ranking is as long as the crowd: the page shows it a page at a time so its
# cost does not grow with the campaign (leaderboard.json and .csv carry every row).
PARTICIPANTS_PER_PAGE = 100


@login_required
@require_GET
def my_progress(request: HttpRequest, slug: str) -> HttpResponse:
    """A participant's own counts (live) and standing (as of their last step of judgments)."""
    try:
        enrollment = get_participation(slug=slug, user=request.user)
    except NotEnrolled:
        campaign = get_visible_campaign(slug, request.user)
        return render(request, "campaign/not_enrolled.html", {"campaign": campaign}, status=403)
    context = {
        "campaign": enrollment.campaign,
        "progress": progress_of(enrollment),
        "standing": shown_standing(enrollment),
        "standing_step": STANDING_STEP,
    }
    return render(request, "campaign/progress.html", context)


@require_GET
def leaderboard(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_visible_campaign(slug, request.user)
    if not can_view_leaderboard(request.user, campaign):
        return render(
            request, "scoring/leaderboard_hidden.html", {"campaign": campaign}, status=403
        )
    view = leaderboard_view(campaign, user=request.user)
    board = (
        None
        if view.snapshot is None
        else build_leaderboard(view.snapshot, full=view.full, view=_view_name(request))
    )
    people: list[Any] = [] if board is None else board.participants or board.public_participants
    page = Paginator(people, PARTICIPANTS_PER_PAGE).get_page(request.GET.get("participants"))
    context = {
        "campaign": campaign,
        "board": board,
        "participant_page": page,
        "participant_pages": _page_links(request, page),
        "is_organiser": is_organiser(request.user, campaign),
        "public_step": PUBLIC_STEP,
    }
    return render(request, "scoring/leaderboard.html", context)


def _page_links(request: HttpRequest, page: Page) -> dict[str, str]:
    """Query strings of the neighbouring pages of participants, keeping the board shown."""
    links = {}
    for name, number in (
        ("previous", page.previous_page_number() if page.has_previous() else None),
        ("next", page.next_page_number() if page.has_next() else None),
    ):
        if number is not None:
            query = request.GET.copy()
            query["participants"] = str(number)
            links[name] = query.urlencode()
    return links


@require_GET
def leaderboard_json(request: HttpRequest, slug: str) -> HttpResponseBase:
    try:
        campaign, snapshot, full = _downloadable(request, slug)
    except _Unavailable as refusal:
        return JsonResponse({"error": str(refusal)}, status=refusal.status)
    try:
        document = leaderboard_document(snapshot, full=full, view=_view_name(request))
    except UnknownView as refusal:
        return JsonResponse({"error": str(refusal)}, status=404)
    response = JsonResponse(document, json_dumps_params={"indent": 2})
    return _attachment(response, f"{campaign.slug}-leaderboard.json")


@require_GET
def leaderboard_csv(request: HttpRequest, slug: str) -> HttpResponseBase:
    try:
        campaign, snapshot, _full = _downloadable(request, slug)
    except _Unavailable as refusal:
        return HttpResponse(str(refusal), status=refusal.status, content_type="text/plain")
    try:
        rows = leaderboard_csv_rows(snapshot, view=_view_name(request))
    except UnknownView as refusal:
        return HttpResponse(str(refusal), status=404, content_type="text/plain")
    lines = _csv_lines(rows)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    return _attachment(response, f"{campaign.slug}-leaderboard.csv")


def _view_name(request: HttpRequest) -> str | None:
    """The board asked for (scoring.board_views), cut to a sane length."""
    return request.GET.get("view", "")[:MAX_VIEW_CHARS] or None


class _Unavailable(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _downloadable(request: HttpRequest, slug: str) -> tuple[Campaign, Snapshot, bool]:
    """The campaign, the snapshot this visitor may download and whether in full."""
    campaign = get_visible_campaign(slug, request.user)
    if not can_view_leaderboard(request.user, campaign):
        raise _Unavailable(403, HIDDEN_MESSAGE)
    view = leaderboard_view(campaign, user=request.user)
    if view.snapshot is None:
        raise _Unavailable(404, NOT_SCORED_MESSAGE)
    return campaign, view.snapshot, view.full


class _Line:
    """A file-like object whose write returns the line, for csv.writer over a stream."""

    def write(self, line: str) -> str:
        return line


def _csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    writer = SafeWriter(_Line())
    for row in rows:
        yield writer.writerow(row)


def _attachment(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
