"""Responses' style counts for a scoring run: read from their stored rows
(scoring.models.ResponseStyle), counted from the texts of responses without one (once in a
campaign's life), and the new rows stored with the snapshot (scoring.comparison_cache)."""

from __future__ import annotations

import numpy as np
from django.db import connection, transaction
from numpy.typing import NDArray

from campaign.models import Campaign, Response
from scoring.models import ResponseStyle
from scoring.numerics.style import STYLE_FEATURES, style_counts
from scoring.numerics.votes import sorted_positions
from scoring.packed_rows import by_id
from scoring.shared_reads import Reads

TEXTS_BY_ID = 5000  # more responses without style counts: read their texts with a join
SIDES = ("a", "b")
_WRITE_BATCH = 5000
_STORED_STYLE_SQL = ", ".join(f"CAST(s.{name} AS INTEGER)" for name in STYLE_FEATURES)


def stored_style(
    response_a: NDArray[np.int64], response_b: NDArray[np.int64], reads: Reads
) -> dict[str, NDArray[np.int32]]:
    """Both sides' stored style counts (columns "a_length", ...), -1 where a response has no
    row: the rows of the responses' id range (other campaigns' in it are read and not
    matched; at most the whole table, which the server's join read), joined here by id. That
    join hashed every style row once per side, in 64 batches spilled to disk, and sorted the
    wide result (12-13 s of the read's 25 at 10M judgments)."""
    ids = np.concatenate([response_a, response_b])
    low, high = (int(ids.min()), int(ids.max())) if ids.size else (0, -1)
    # In halves of the range, which shared readers read side by side (scoring.shared_reads).
    middle = (low + high) // 2
    halves = [
        reads.columns(
            f"""SELECT CAST(s.response_id AS BIGINT), {_STORED_STYLE_SQL}
                FROM scoring_responsestyle s WHERE s.response_id BETWEEN %s AND %s""",  # noqa: S608
            bounds,
            [("id", "bigint"), *((name, "integer") for name in STYLE_FEATURES)],
            first=True,
        )
        for bounds in ([low, middle], [middle + 1, high])
    ]
    parts = [half.result() for half in halves]
    style = by_id({name: np.concatenate([part[name] for part in parts]) for name in parts[0]})
    columns = {}
    for side, responses in zip(SIDES, (response_a, response_b), strict=True):
        at, found = sorted_positions(style["id"], responses)
        for name in STYLE_FEATURES:
            values = np.full(responses.size, -1, dtype=np.int32)
            values[found] = style[name][at[found]]
            columns[f"{side}_{name}"] = values
    return columns


def with_counted(
    campaign: Campaign, columns: dict[str, np.ndarray]
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int64], NDArray[np.int64]]:
    """Both sides' style counts with the responses that had none counted from their texts,
    and those responses' ids and counts (rows to store)."""
    sides = [stacked([columns[f"{side}_{name}"] for name in STYLE_FEATURES]) for side in SIDES]
    missing = np.union1d(
        columns["response_a"][sides[0][:, 0] < 0], columns["response_b"][sides[1][:, 0] < 0]
    )
    if missing.size == 0:
        return sides[0], sides[1], *nothing_counted()
    texts = response_texts(campaign, missing)
    ids = np.array(sorted(texts), dtype=np.int64)
    counted = style_counts([texts[pk] for pk in ids.tolist()]).astype(np.int64)
    for side, counts in zip(SIDES, sides, strict=True):
        unknown = counts[:, 0] < 0
        counts[unknown] = counted[np.searchsorted(ids, columns[f"response_{side}"][unknown])]
    return sides[0], sides[1], ids, counted


def stacked(counts: list[np.ndarray]) -> NDArray[np.int32]:
    """One side's style counts as the run keeps them (RegularComparisons.style_a)."""
    return np.stack(counts, axis=1, dtype=np.int32)


def response_texts(campaign: Campaign, missing: NDArray[np.int64]) -> dict[int, str]:
    """The texts of the responses ``missing`` names: by id when they are a few (new
    responses since the last run), else every response of the campaign without a style row
    (the first run), in one query either way."""
    if missing.size <= TEXTS_BY_ID:
        rows = Response.objects.filter(pk__in=missing.tolist()).values_list("pk", "text")
        return {int(pk): str(text) for pk, text in rows}
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT r.id, r.text FROM campaign_response r
               LEFT JOIN scoring_responsestyle s ON s.response_id = r.id
               WHERE r.campaign_id = %s AND s.response_id IS NULL""",
            [campaign.pk],
        )
        return {int(pk): str(text) for pk, text in cursor.fetchall()}


def nothing_counted() -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    return np.empty(0, dtype=np.int64), np.empty((0, len(STYLE_FEATURES)), dtype=np.int64)


def store_counts(ids: NDArray[np.int64], counts: NDArray[np.int64]) -> None:
    """ResponseStyle rows for ``ids``; rows already there (a run that raced this one stored
    the same counts) are kept. On PostgreSQL through COPY into a temporary table, since a
    campaign's first run may store a row per response, hundreds of thousands."""
    values = np.column_stack([ids, counts]).astype(np.int64).tolist()
    if connection.vendor != "postgresql":
        ResponseStyle.objects.bulk_create(
            [ResponseStyle(*row) for row in values], batch_size=_WRITE_BATCH, ignore_conflicts=True
        )
        return
    fields = "response_id, length, headers, lists, bold"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE new_response_style "
            "(LIKE scoring_responsestyle INCLUDING DEFAULTS)"
        )
        with cursor.cursor.copy(f"COPY new_response_style ({fields}) FROM STDIN") as copy:
            for values_row in values:
                copy.write_row(values_row)
        cursor.execute(
            f"INSERT INTO scoring_responsestyle ({fields}) SELECT {fields} "  # noqa: S608
            "FROM new_response_style ON CONFLICT (response_id) DO NOTHING"
        )
        # Dropped here, not ON COMMIT: inside an outer transaction (load_demo, tests) the
        # commit may be far away and the next campaign's run would find the table there.
        cursor.execute("DROP TABLE new_response_style")
