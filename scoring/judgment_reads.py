"""A campaign's judgments for a scoring run, as numpy columns in vote order.

A full run reads every judgment; at 10,000,000 the server's packing of the rows is most of
the run's reading (scoring.packed_rows). So the read is cut into slices of the campaign's
time span, which shared readers (scoring.shared_reads) pack side by side, each slice in
chunks of at most `JUDGMENT_CHUNK` rows (keyset on (created_at, id), which the index
(campaign, created_at, id) serves); the slices in time order, each in vote order, are the
judgments in vote order. Call inside consistent_reads (scoring.campaign_data).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from campaign.models import Campaign
from scoring.campaign_data import JudgmentColumns, fingerprint_facts, gold_comparisons
from scoring.numerics.votes import sorted_positions
from scoring.packed_rows import no_rows
from scoring.shared_reads import Reader, Reads, shared_reads

NO_SECONDS = -1.0  # seconds is NULL → -1 in SQL (times are never negative) → NaN in numpy

# Rows per query. One packed value of every judgment cost three copies of it at once on the
# client (libpq's input buffer, its result, the bytes): 1.2 GB at 10M, and a buffer the
# connection keeps.
JUDGMENT_CHUNK = 1_000_000
# Slices of the time span when readers share the read: more than readers, so that one
# crowded stretch of time does not leave the other reader idle.
SHARED_SLICES = 8
# The server's packing costs per value: the comparison, verdict and side travel as one
# (comparison id x 16 + (verdict + 2) x 2 + a on the left; an id of 2^59 or more would be
# refused as out of range, not read wrong).
_FIELDS = [
    ("annotator", "bigint"),
    ("code", "bigint"),
    ("seconds", "double"),
    ("id", "bigint"),
]
_Columns = dict[str, np.ndarray]


def judgment_columns(campaign: Campaign, reads: Reads | None = None) -> JudgmentColumns:
    """Every judgment's columns the annotator scores need, in vote order (``reads``: where to
    read; by default a `shared_reads` of its own).

    Imported votes have no recorded placement (left_side empty); they get a / b on the left by
    the parity of their id, so position bias cannot be read into missing data.
    """
    if reads is None:
        with shared_reads(fingerprint_facts(campaign).count) as own:
            return judgment_columns(campaign, own)
    return start_judgment_columns(campaign, reads)()


def start_judgment_columns(campaign: Campaign, reads: Reads) -> Callable[[], JudgmentColumns]:
    """`judgment_columns` begun on ``reads``' readers: call the result for the columns (the
    run goes on with other reads meanwhile)."""
    start, end = _time_span(campaign, reads)
    if start is None or end is None:
        return lambda: _labelled(campaign, _joined([]), keep_ids=False)
    slices = SHARED_SLICES if reads.shared else 1
    bounds = [start + (end - start) * k // slices for k in range(1, slices)]
    edges = [None, *bounds], [*bounds, None]
    pending = [
        reads.submit(_slice_reader(campaign, after_id=None, since=since, before=before))
        for since, before in zip(*edges, strict=True)
    ]

    def columns() -> JudgmentColumns:
        parts = [part for future in pending for part in future.result()]
        # The futures hold the parts too: without them, the fold frees each column after
        # its last use (peak RSS).
        pending.clear()
        return _labelled(campaign, _joined(parts), keep_ids=False)

    return columns


def new_judgment_columns(
    campaign: Campaign, after_id: int
) -> tuple[NDArray[np.int64], JudgmentColumns]:
    """The judgments with an id above ``after_id`` (an incremental run's new ones): their ids
    and their columns, in vote order, read on the run's connection."""
    parts = Reads.serial().submit(_slice_reader(campaign, after_id, None, None)).result()
    columns = _joined(parts)
    ids = columns["id"]
    return ids, _labelled(campaign, columns, keep_ids=True)


def _time_span(
    campaign: Campaign, reads: Reads
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """The campaign's first and last judgments' times (the index's two ends)."""
    sql = "SELECT {} FROM campaign_judgment WHERE campaign_id = %s"

    def span(reader: Reader) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        first = reader.value(sql.format("min(created_at)"), [campaign.pk])
        return first, reader.value(sql.format("max(created_at)"), [campaign.pk])

    return reads.submit(span, first=True).result()


def _slice_reader(
    campaign: Campaign,
    after_id: int | None,
    since: datetime.datetime | None,
    before: datetime.datetime | None,
) -> Callable[[Reader], list[_Columns]]:
    """A task reading the judgments created in [since, before) (either end open when None),
    above ``after_id`` if given, in vote order, `JUDGMENT_CHUNK` rows a query."""
    where = ["j.campaign_id = %s"]
    params: list[object] = [campaign.pk]
    for condition, value in (
        ("j.id > %s", after_id),
        ("j.created_at >= %s", since),
        ("j.created_at < %s", before),
    ):
        if value is not None:
            where.append(condition)
            params.append(value)

    def read(reader: Reader) -> list[_Columns]:
        parts: list[_Columns] = []
        keyset: list[str] = []
        after: list[object] = []
        while True:
            part = reader.columns(
                f"""SELECT CAST(j.annotator_id AS BIGINT),
                          CAST(j.comparison_id AS BIGINT) * 16 + (j.verdict + 2) * 2
                          + CASE j.left_side WHEN 'a' THEN 1 WHEN 'b' THEN 0 ELSE j.id %% 2 END,
                          CAST(COALESCE(j.seconds, -1) AS DOUBLE PRECISION),
                          CAST(j.id AS BIGINT)
                   FROM campaign_judgment j WHERE {" AND ".join(where + keyset)}
                   ORDER BY j.created_at, j.id LIMIT %s""",  # noqa: S608 (no input in it)
                [*params, *after, JUDGMENT_CHUNK],
                _FIELDS,
            )
            parts.append(part)
            if part["id"].size < JUDGMENT_CHUNK:
                return parts
            last = int(part["id"][-1])
            # The time as a value, not a subquery: the planner then sees how few rows are
            # left and scans the index from there (a subquery's unknown made it scan all).
            created = reader.value("SELECT created_at FROM campaign_judgment WHERE id = %s", [last])
            keyset = ["(j.created_at, j.id) > (%s, %s)"]
            after = [created, last]

    return read


def _joined(parts: list[_Columns]) -> _Columns:
    """The parts' columns end to end, one column's parts freed before the next's joined."""
    if not parts:
        return no_rows(_FIELDS)
    if len(parts) == 1:
        return parts[0]
    return {name: np.concatenate([part.pop(name) for part in parts]) for name, _kind in _FIELDS}


def _labelled(campaign: Campaign, columns: _Columns, *, keep_ids: bool) -> JudgmentColumns:
    if not keep_ids:
        del columns["id"]  # only an incremental run needs the ids (80 MB at 10M)
    code = columns.pop("code")
    columns["comparison"] = code >> 4
    columns["verdict"] = ((code >> 1) & 7).astype(np.int32) - 2
    columns["a_on_left"] = (code & 1).astype(bool)
    del code
    seconds = columns["seconds"]
    seconds[seconds == NO_SECONDS] = np.nan
    gold = _gold_sides(campaign, columns["comparison"])
    return JudgmentColumns(
        annotator_id=columns["annotator"],
        comparison_id=columns["comparison"],
        verdict=columns["verdict"],
        a_on_left=columns["a_on_left"],
        seconds=seconds,
        gold=gold,
    )


def _gold_sides(campaign: Campaign, comparison: NDArray[np.int64]) -> NDArray[np.int8]:
    """Each judgment's gold answer (-1 a, +1 b, 0 not gold), a byte each (40 MB less than
    a word at 10M). The gold pool is small (hundreds of rows): mapped here, it spares the
    big query a join. Through a byte per comparison id of the range when the range is no
    wider than the judgments (one campaign's): 10M binary searches cost 0.5-1 s."""
    gold_ids, gold_sides = gold_comparisons(campaign)
    if gold_ids.size == 0 or comparison.size == 0:
        return np.zeros(comparison.size, dtype=np.int8)
    low = min(int(gold_ids[0]), int(comparison.min()))
    span = max(int(gold_ids[-1]), int(comparison.max())) - low + 1
    if span <= comparison.size:
        side = np.zeros(span, dtype=np.int8)
        side[gold_ids - low] = gold_sides
        return side[comparison - low]
    gold = np.zeros(comparison.size, dtype=np.int8)
    place, hit = sorted_positions(gold_ids, comparison)
    gold[hit] = gold_sides[place[hit]]
    return gold
