"""Streamed exports of a campaign's votes: every judgment, and the preference pairs (TRL).

The files are the commands' own (scoring.exports), sent chunk by chunk as they are made, so a
million judgments cost the server no more memory than a hundred. Judgments carry gold and
correctness, which is why only the campaign's organisers reach them (PRODUCT.md: gold stays
secret while a campaign is open).
"""

# No `from __future__ import annotations`: ninja reads the signatures at import time.

from typing import Literal

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Path, Query

from api.access import caller, get_api_campaign
from api.responses import answers
from api.schemas import Error, Slug
from api.work import router as work_router
from scoring.exports.formats import CONTENT_TYPES, Format, download
from scoring.exports.judgments import judgment_file
from scoring.exports.preferences import preference_file

# On the work router: POST .../judgments (the vote import) lives there, and Django routes a
# path to one router only, so the GET of the same path must join it.
router = work_router
# A streamed file in the schema: its bytes under the content type of each format it comes in.
FILE = {200: bytes}


def _file_content(formats: tuple[Format, ...]) -> dict[str, object]:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {"responses": {200: {"content": {CONTENT_TYPES[fmt]: binary for fmt in formats}}}}


@router.get(
    "/{slug}/judgments",
    summary="Export judgments",
    response=answers(FILE),
    openapi_extra=_file_content(("jsonl", "csv", "parquet")),
)
def judgments(
    request: HttpRequest,
    slug: Path[Slug],
    format: Query[Literal["jsonl", "csv", "parquet"]] = "jsonl",
) -> StreamingHttpResponse:
    """One row per judgment with PRODUCT.md's columns, as JSON Lines, CSV or Parquet."""
    campaign = get_api_campaign(caller(request), slug)
    chunks = judgment_file(campaign, fmt=format)
    return download(chunks, slug=campaign.slug, export="judgments", fmt=format)


@router.get(
    "/{slug}/preferences",
    summary="Export preference pairs",
    response=answers({**FILE, 409: Error}),
    openapi_extra=_file_content(("jsonl", "parquet")),
)
def preferences(
    request: HttpRequest,
    slug: Path[Slug],
    format: Query[Literal["jsonl", "parquet"]] = "jsonl",
) -> StreamingHttpResponse:
    """`{prompt, chosen, rejected}` and more per regular comparison the counted votes decide
    (409 before the campaign's first scoring run: trust is not known yet)."""
    campaign = get_api_campaign(caller(request), slug)
    chunks = preference_file(campaign, fmt=format)  # raises NotScoredYet before any byte
    return download(chunks, slug=campaign.slug, export="preferences", fmt=format)
