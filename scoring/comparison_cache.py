"""A campaign's regular comparisons for a scoring run, kept between runs (`ComparisonCache`).

Every run needs each regular comparison's contenders, prompt category and both responses'
style counts (the extras: category boards, coverage, pair priorities, the style view).
Reading them from the tables costs a pass over the comparisons, their prompts, responses and
style rows on every run (5.3 s and 5.7 s at 10,000,000 judgments, docs/incremental_scoring.md)
although they change only when items are imported. So a run keeps them, packed, in one row
per campaign and reads from the tables only the comparisons added since the row was written
(ids above its largest); the row is rewritten only when comparisons were added or it was
rebuilt.

The stored arrays describe the comparisons a run sees exactly, or are not used:

- ``key`` digests what else they depend on: the contenders in the run's order (the arrays hold
  their indices), the campaign's item edits (Campaign.items_edited: an edit of a prompt's
  category or of a comparison after its import) and CACHE_VERSION;
- the count, largest id and id sum of all the campaign's comparisons (gold too) are stored
  with them: the added ones must make up the whole difference, or something was deleted or
  committed late below the largest id, and everything is read again;
- added comparisons whose prompt has a category the stored list lacks, or more of them than
  ADDED_BY_ID (an import since the last run), are read with everything else instead.

The style counts are stored apart (ComparisonCache.style) and read only when the style view
is fitted (`with_style`), or when comparisons were added (the row is rewritten whole).

Responses without a stored style row (scoring.models.ResponseStyle) have their text read and
counted in the read, once in the campaign's life; their rows are stored with the snapshot.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection
from numpy.typing import NDArray

from campaign.ledger import totals
from campaign.models import Campaign
from scoring.campaign_data import (
    RegularComparisons,
    category_code,
    comparisons_and_responses,
    contender_indexer,
)
from scoring.models import ComparisonCache
from scoring.numerics.style import STYLE_FEATURES
from scoring.packed_rows import fetch_columns
from scoring.packing import encode_sorted, npz, packed, unpacked_npz
from scoring.response_styles import (
    SIDES,
    nothing_counted,
    stacked,
    store_counts,
    stored_style,
    with_counted,
)
from scoring.shared_reads import Reads

CACHE_VERSION = 4  # bump when the stored arrays' meaning changes (4: style apart)
ADDED_BY_ID = 5000  # more comparisons added since the last run: read them all again
# Both responses' stored style counts, -1 where a response has no row yet (joined as sa, sb).
_STYLE_SQL = ", ".join(
    f"CAST(COALESCE(s{side}.{name}, -1) AS BIGINT)" for side in SIDES for name in STYLE_FEATURES
)
_STYLE_COLUMNS = [(f"{side}_{name}", "bigint") for side in SIDES for name in STYLE_FEATURES]


@dataclass(frozen=True)
class ComparisonFacts:
    """What identifies a campaign's comparisons (all of them, gold too) cheaply: any insert
    or delete changes it."""

    count: int
    max_id: int
    id_sum: int
    # Campaign.items_edited: edits change no count.
    edits: int


@dataclass(frozen=True)
class RunComparisons:
    """The run's regular comparisons (with their style counts), and what the run stores
    about them when it stores its snapshot (`store`)."""

    comparisons: RegularComparisons
    facts: ComparisonFacts
    key: str
    # How they were read: "kept", "added N" or "read all: <why>" (the snapshot's stats).
    read: str
    # Responses whose style counts this read counted: their ResponseStyle rows to store.
    counted_ids: NDArray[np.int64]
    counted: NDArray[np.int64]

    @property
    def changed(self) -> bool:
        return self.read != "kept"


def comparison_facts(campaign: Campaign) -> ComparisonFacts:
    """From campaign.ledger (no scan on PostgreSQL) and the campaign's item edits."""
    edits = Campaign.objects.filter(pk=campaign.pk).values_list("items_edited", flat=True).get()
    return ComparisonFacts(*totals(campaign.pk, "comparisons"), int(edits))


def cache_key(contender_ids: Sequence[int], facts: ComparisonFacts) -> str:
    parts = [CACHE_VERSION, list(contender_ids), facts.edits]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def run_comparisons(
    campaign: Campaign,
    contender_ids: Sequence[int],
    facts: ComparisonFacts,
    *,
    full: bool,
    reads: Reads | None = None,
) -> RunComparisons:
    """The regular comparisons with their style counts (``facts``: `comparison_facts` of
    the same read); call inside the run's consistent read. From the stored arrays plus the
    comparisons added since, when those describe the comparisons exactly (the module
    docstring), else (and when ``full``: a full run rebuilds everything) read in full."""
    key = cache_key(contender_ids, facts)
    stored = ComparisonCache.objects.filter(campaign=campaign).defer("arrays", "style")
    row = None if full else stored.first()
    if full:
        why = "a full run"
    elif row is None:
        why = "nothing stored"
    elif row.key != key:
        why = "contenders or items edited"
    elif (row.count, row.max_id, row.id_sum) == (facts.count, facts.max_id, facts.id_sum):
        # Without the style counts: `with_style` reads them if the style view is fitted.
        (arrays,) = _stored(campaign, "arrays")
        comparisons = _loaded(row, arrays, None)
        return RunComparisons(comparisons, facts, key, "kept", *nothing_counted())
    else:
        why = _why_not_added(campaign, row, facts)
        if not why:
            added = _read_added(campaign, contender_ids, row)
            if added is not None:
                comparisons, counted_ids, counted = added
                arrays, style = _stored(campaign, "arrays", "style")
                merged = _merged(_loaded(row, arrays, style), comparisons)
                read = f"added {comparisons.ids.size}"
                return RunComparisons(merged, facts, key, read, counted_ids, counted)
            why = "an added comparison's category is new"
    comparisons, counted_ids, counted = _read_all(campaign, contender_ids, reads or Reads.serial())
    return RunComparisons(comparisons, facts, key, f"read all: {why}", counted_ids, counted)


def with_style(campaign: Campaign, run: RunComparisons) -> RunComparisons:
    """``run`` with its comparisons' style counts, read from the stored row if the run left
    them there (call inside the run's consistent read: the row is the one it read)."""
    if run.comparisons.style_a is not None:
        return run
    (style,) = _stored(campaign, "style")
    comparisons = _with_style_arrays(run.comparisons, style)
    return dataclasses.replace(run, comparisons=comparisons)


def store_comparisons(campaign: Campaign, run: RunComparisons) -> None:
    """Store what the read found (call inside the snapshot's transaction): the style rows it
    counted, and the arrays when they changed."""
    if run.counted_ids.size:
        store_counts(run.counted_ids, run.counted)
    if not run.changed:
        return
    comparisons = run.comparisons
    arrays = {
        "a": comparisons.a,
        "b": comparisons.b,
        "category": comparisons.category,
    }
    # One array per side and count: the lengths need 16 or 32 bits, the other counts 8.
    style = {}
    for side, counts in (("a", comparisons.style_a), ("b", comparisons.style_b)):
        for k, name in enumerate(STYLE_FEATURES):
            style[f"style_{side}_{name}"] = np.asarray(counts)[:, k]
    small = {name: packed(np.asarray(array, np.int64)) for name, array in arrays.items()}
    # Ids as the first and the steps: one campaign's are nearly consecutive, so they pack small.
    small.update(encode_sorted("ids", comparisons.ids))
    row = {
        "key": run.key,
        "count": run.facts.count,
        "max_id": run.facts.max_id,
        "id_sum": run.facts.id_sum,
        "categories": comparisons.categories,
        "arrays": npz(small),
        "style": npz({name: packed(np.asarray(a, np.int64)) for name, a in style.items()}),
    }
    if not ComparisonCache.objects.filter(campaign=campaign).update(**row):
        ComparisonCache.objects.create(campaign=campaign, **row)


def _stored(campaign: Campaign, *columns: str) -> tuple[bytes, ...]:
    """The stored row's ``arrays`` and/or ``style`` (``columns``, constants), in one read. On
    PostgreSQL in binary: Django reads a bytea as text, twice its size in hex, which the
    server encodes and the client decodes (the arrays at 10M: 12 MB, 0.07-0.12 s against
    0.02-0.05 s)."""
    if connection.vendor != "postgresql":
        stored = ComparisonCache.objects.filter(campaign=campaign).values_list(*columns)
        return tuple(bytes(blob) for blob in stored.get())
    with connection.cursor() as cursor:
        raw = cursor.cursor
        table = ComparisonCache._meta.db_table
        raw.execute(
            f"SELECT {', '.join(columns)} FROM {table} WHERE campaign_id = %s",  # noqa: S608
            [campaign.pk],
            binary=True,
        )
        return tuple(bytes(blob) for blob in raw.fetchone())


def _loaded(row: ComparisonCache, stored: bytes, style: bytes | None) -> RegularComparisons:
    """The stored comparisons (``stored``: the row's arrays), with their style counts when
    ``style`` (the row's) is given."""
    arrays = unpacked_npz(stored)
    comparisons = RegularComparisons(
        ids=arrays["ids"],
        # Already int64 (= intp here) once unpacked: no second copy of 3M rows each at 10M.
        a=arrays["a"].astype(np.intp, copy=False),
        b=arrays["b"].astype(np.intp, copy=False),
        category=arrays["category"].astype(np.intp, copy=False),
        categories=[str(name) for name in row.categories],
    )
    return comparisons if style is None else _with_style_arrays(comparisons, style)


def _with_style_arrays(comparisons: RegularComparisons, style: bytes) -> RegularComparisons:
    arrays = unpacked_npz(style)
    return dataclasses.replace(
        comparisons,
        style_a=stacked([arrays[f"style_a_{name}"] for name in STYLE_FEATURES]),
        style_b=stacked([arrays[f"style_b_{name}"] for name in STYLE_FEATURES]),
    )


def _why_not_added(campaign: Campaign, row: ComparisonCache, facts: ComparisonFacts) -> str:
    """Why the stored arrays plus the comparisons above their largest id would not be the
    campaign's comparisons ("" when they would)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), coalesce(sum(id), 0) FROM campaign_comparison "
            "WHERE campaign_id = %s AND id > %s",
            [campaign.pk, row.max_id],
        )
        count, id_sum = (int(value) for value in cursor.fetchone())
    if (row.count + count, row.id_sum + id_sum) != (facts.count, facts.id_sum):
        return "comparisons deleted, or committed late"
    if count > ADDED_BY_ID:
        return f"{count} comparisons added"
    return ""


def _read_added(
    campaign: Campaign, contender_ids: Sequence[int], row: ComparisonCache
) -> tuple[RegularComparisons, NDArray[np.int64], NDArray[np.int64]] | None:
    """The regular comparisons above the stored largest id, with the stored list's category
    codes; None if one has a category the list lacks."""
    categories = [str(name) for name in row.categories]
    code = category_code(categories)
    columns = fetch_columns(
        f"""SELECT CAST(c.id AS BIGINT), CAST(ra.contender_id AS BIGINT),
                   CAST(rb.contender_id AS BIGINT), CAST({code} AS BIGINT),
                   CAST(c.response_a_id AS BIGINT), CAST(c.response_b_id AS BIGINT),
                   {_STYLE_SQL}
            FROM campaign_comparison c
            JOIN campaign_prompt p ON p.id = c.prompt_id
            JOIN campaign_response ra ON ra.id = c.response_a_id
            JOIN campaign_response rb ON rb.id = c.response_b_id
            LEFT JOIN scoring_responsestyle sa ON sa.response_id = c.response_a_id
            LEFT JOIN scoring_responsestyle sb ON sb.response_id = c.response_b_id
            WHERE c.campaign_id = %s AND c.gold_side = '' AND c.id > %s
            ORDER BY c.id""",  # noqa: S608 (no input in it)
        [*categories, campaign.pk, row.max_id],
        [
            ("id", "bigint"),
            ("contender_a", "bigint"),
            ("contender_b", "bigint"),
            ("category", "bigint"),
            ("response_a", "bigint"),
            ("response_b", "bigint"),
            *_STYLE_COLUMNS,
        ],
    )
    if columns["category"].size and columns["category"].min() < 0:
        return None
    index = contender_indexer(contender_ids)
    style_a, style_b, counted_ids, counted = with_counted(campaign, columns)
    comparisons = RegularComparisons(
        ids=columns["id"],
        a=index(columns["contender_a"]),
        b=index(columns["contender_b"]),
        category=columns["category"].astype(np.intp),
        categories=categories,
        style_a=style_a,
        style_b=style_b,
    )
    return comparisons, counted_ids, counted


def _read_all(
    campaign: Campaign, contender_ids: Sequence[int], reads: Reads
) -> tuple[RegularComparisons, NDArray[np.int64], NDArray[np.int64]]:
    comparisons, response_a, response_b = comparisons_and_responses(campaign, contender_ids, reads)
    columns: dict[str, np.ndarray] = {"response_a": response_a, "response_b": response_b}
    columns.update(stored_style(response_a, response_b, reads))
    style_a, style_b, counted_ids, counted = with_counted(campaign, columns)
    full = dataclasses.replace(comparisons, style_a=style_a, style_b=style_b)
    return full, counted_ids, counted


def _merged(stored: RegularComparisons, added: RegularComparisons) -> RegularComparisons:
    """The stored comparisons followed by the added ones (all with larger ids)."""

    arrays = {
        field.name: np.concatenate([getattr(stored, field.name), getattr(added, field.name)])
        for field in dataclasses.fields(RegularComparisons)
        if field.name != "categories"
    }
    return RegularComparisons(**arrays, categories=stored.categories)
