"""Every judgment of a campaign, one row each: PRODUCT.md "Exports", judgments.

The rows carry gold and correctness, so they tell which comparisons were gold and what the
gold answer was: an organiser-only export while the campaign is open (PRODUCT.md "Gold stays
secret while a campaign is open"). Adapters check that before they call ``judgment_rows``.

Rows stream from a server-side cursor (scoring.exports.cursor) in the order the judgments were
recorded (by id: an index scan that streams, where ordering by time would make PostgreSQL sort
the whole campaign before the first row), so memory stays flat whatever the campaign's size;
contender names, few per campaign, are looked up in a dictionary rather than joined twice.

``judgment_file`` is what the commands and the API stream. On PostgreSQL its JSONL lines come
from scoring.exports.judgment_lines (no per-row join, the judgment's own fields written as JSON
by PostgreSQL); CSV and Parquet, and JSONL on SQLite, encode the typed rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import NamedTuple

from django.db import connection

from campaign.models import Campaign, Judgment
from scoring.exports.cursor import stream
from scoring.exports.formats import Column, Format, Progress, encode
from scoring.exports.judgment_lines import judgment_lines
from scoring.selectors import annotator_trust, latest_snapshot

# Judgments fetched from the cursor per round trip.
CHUNK_ROWS = 5_000

JUDGMENT_COLUMNS: tuple[Column, ...] = (
    Column("campaign", "string"),
    Column("comparison_id", "int"),
    Column("prompt_id", "string"),  # the id given in the import file
    Column("category", "string"),
    Column("model_a", "string"),
    Column("model_b", "string"),
    Column("verdict", "int"),  # -2 a much better ... +2 b much better, whatever the screen side
    Column("left_side", "string"),  # "a" or "b" shown on the left; null for imported votes
    Column("annotator", "string"),  # the annotator's public handle
    Column("seconds", "float"),
    Column("rationale", "string"),
    Column("created_at", "timestamp"),
    Column("gold", "bool"),
    Column("gold_side", "string"),  # the gold answer, null for regular comparisons
    Column("correct", "bool"),  # null for regular comparisons
    Column("trusted", "bool"),  # per the latest snapshot; null when not scored yet
)


class JudgmentRow(NamedTuple):
    """One judgment, in the order of JUDGMENT_COLUMNS."""

    campaign: str
    comparison_id: int
    prompt_id: str
    category: str
    model_a: str
    model_b: str
    verdict: int
    left_side: str | None
    annotator: str
    seconds: float | None
    rationale: str
    created_at: datetime.datetime
    gold: bool
    gold_side: str | None
    correct: bool | None
    trusted: bool | None


def _ignore(rows: int) -> None:
    pass


def judgment_file(
    campaign: Campaign, *, fmt: Format, progress: Progress | None = None
) -> Iterator[bytes]:
    """The campaign's judgments as a ``fmt`` file, chunk by chunk (organisers only)."""
    if fmt == "jsonl" and connection.vendor == "postgresql":
        return judgment_lines(campaign, progress or _ignore)
    return encode(judgment_rows(campaign), JUDGMENT_COLUMNS, fmt=fmt, progress=progress)


def judgment_rows(campaign: Campaign, *, chunk_size: int = CHUNK_ROWS) -> Iterator[JudgmentRow]:
    """The campaign's judgments in the order recorded, with trust from its latest snapshot."""
    trust = annotator_trust(latest_snapshot(campaign))
    names = dict(campaign.contenders.values_list("pk", "name"))
    slug = campaign.slug
    judgments = (
        Judgment.objects.filter(campaign=campaign)
        .order_by("pk")
        .values_list(
            "comparison_id",
            "comparison__prompt__external_id",
            "comparison__prompt__category",
            "comparison__response_a__contender_id",
            "comparison__response_b__contender_id",
            "verdict",
            "left_side",
            "annotator__handle",
            "seconds",
            "rationale",
            "created_at",
            "is_gold",
            "comparison__gold_side",
            "correct",
            "annotator_id",
        )
    )
    for (
        comparison_id,
        prompt_id,
        category,
        contender_a,
        contender_b,
        verdict,
        left_side,
        handle,
        seconds,
        rationale,
        created_at,
        is_gold,
        gold_side,
        correct,
        annotator_id,
    ) in stream(judgments, chunk_size=chunk_size):
        yield JudgmentRow(
            slug,
            comparison_id,
            prompt_id,
            category,
            names[contender_a],
            names[contender_b],
            verdict,
            left_side or None,
            handle,
            seconds,
            rationale,
            created_at,
            is_gold,
            gold_side or None,
            correct,
            trust.get(annotator_id),
        )
