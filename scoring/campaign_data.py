"""A campaign's judgments for one scoring run, read straight into numpy arrays.

No model instances and no Python object per judgment where it can be avoided: on PostgreSQL a
query runs as ``COPY (query) TO STDOUT (FORMAT BINARY)`` and its rows, all fixed-width and
never NULL, are read in one go through a structured numpy dtype. Elsewhere (the SQLite demo)
the same SELECT is fetched the ordinary way. The model ratings' votes are counted by the
database (GROUP BY contender pair), not in Python.

Every read of a run happens inside ``consistent_reads()``: on PostgreSQL one REPEATABLE READ,
READ ONLY transaction, so the fingerprint, the per-judgment columns and the aggregation all
see the same committed judgments while annotation goes on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from numpy.typing import NDArray

from campaign.models import Campaign, Comparison
from scoring.numerics.votes import PairCounts

# SQL type of a column → (big-endian wire dtype of COPY BINARY, numpy dtype we keep).
_WIRE = {"bigint": (">i8", np.int64), "integer": (">i4", np.int32), "double": (">f8", np.float64)}
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
NO_SECONDS = -1.0  # seconds is NULL → -1 in SQL (times are never negative) → NaN in numpy


@dataclass(frozen=True)
class FingerprintFacts:
    """What identifies the judgments of a campaign cheaply: any insert or delete changes it."""

    count: int
    max_id: int
    id_sum: int


@dataclass(frozen=True)
class JudgmentColumns:
    """Every judgment of the campaign in vote order (created_at, id), one array per column."""

    annotator_id: NDArray[np.int64]
    comparison_id: NDArray[np.int64]
    verdict: NDArray[np.int32]
    a_on_left: NDArray[np.bool_]
    seconds: NDArray[np.float64]  # NaN when unknown
    gold: NDArray[np.int32]  # -1 gold answer a, +1 gold answer b, 0 not gold

    @property
    def size(self) -> int:
        return int(self.annotator_id.size)


@contextlib.contextmanager
def consistent_reads() -> Iterator[None]:
    """One snapshot of the database for all reads inside (read only on PostgreSQL).

    Inside an outer transaction (tests) the reads simply join it: the isolation level can
    only be set by a transaction's first statement.
    """
    outer = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def fingerprint_facts(campaign: Campaign) -> FingerprintFacts:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), coalesce(max(id), 0), coalesce(sum(id), 0) "
            "FROM campaign_judgment WHERE campaign_id = %s",
            [campaign.pk],
        )
        count, max_id, id_sum = cursor.fetchone()
    return FingerprintFacts(int(count), int(max_id), int(id_sum))


def judgment_columns(campaign: Campaign) -> JudgmentColumns:
    """The columns the annotator scores need, in vote order.

    Imported votes have no recorded placement (left_side empty); they get a / b on the left by
    the parity of their id, so position bias cannot be read into missing data.
    """
    columns = fetch_columns(
        """SELECT CAST(j.annotator_id AS BIGINT), CAST(j.comparison_id AS BIGINT),
                  CAST(j.verdict AS INTEGER),
                  CAST(CASE j.left_side WHEN 'a' THEN 1 WHEN 'b' THEN 0 ELSE j.id %% 2 END
                       AS INTEGER),
                  CAST(COALESCE(j.seconds, -1) AS DOUBLE PRECISION)
           FROM campaign_judgment j WHERE j.campaign_id = %s ORDER BY j.created_at, j.id""",
        [campaign.pk],
        [
            ("annotator", "bigint"),
            ("comparison", "bigint"),
            ("verdict", "integer"),
            ("a_on_left", "integer"),
            ("seconds", "double"),
        ],
    )
    seconds = columns["seconds"]
    seconds[seconds == NO_SECONDS] = np.nan
    # The gold pool is small (hundreds of rows); mapping it here spares the big query a join.
    gold_ids, gold_sides = _gold_comparisons(campaign)
    place = np.searchsorted(gold_ids, columns["comparison"])
    hit = place < gold_ids.size
    hit[hit] = gold_ids[place[hit]] == columns["comparison"][hit]
    gold = np.zeros(columns["comparison"].size, dtype=np.int32)
    gold[hit] = gold_sides[place[hit]]
    return JudgmentColumns(
        annotator_id=columns["annotator"],
        comparison_id=columns["comparison"],
        verdict=columns["verdict"],
        a_on_left=columns["a_on_left"].astype(bool),
        seconds=seconds,
        gold=gold,
    )


def rated_pair_counts(
    campaign: Campaign, trusted_annotator_ids: Sequence[int], contender_ids: Sequence[int]
) -> PairCounts:
    """Non-gold judgments by trusted annotators, counted per (contender a, contender b).

    ``contender_ids[k]`` is contender index k. A verdict below zero is a win for the
    comparison's a, zero a tie, above zero a win for b.
    """
    trusted = [int(pk) for pk in trusted_annotator_ids]
    if not trusted or len(contender_ids) < 2:
        return _no_counts(len(contender_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT ra.contender_id, rb.contender_id,
                       SUM(CASE WHEN j.verdict < 0 THEN 1 ELSE 0 END),
                       SUM(CASE WHEN j.verdict = 0 THEN 1 ELSE 0 END),
                       SUM(CASE WHEN j.verdict > 0 THEN 1 ELSE 0 END)
                FROM campaign_judgment j
                JOIN campaign_comparison c ON c.id = j.comparison_id
                JOIN campaign_response ra ON ra.id = c.response_a_id
                JOIN campaign_response rb ON rb.id = c.response_b_id
                WHERE j.campaign_id = %s AND c.gold_side = ''
                  AND j.annotator_id IN ({_trusted_set(trusted)})
                GROUP BY ra.contender_id, rb.contender_id""",  # noqa: S608 (placeholders only)
            [campaign.pk, *_trusted_params(trusted)],
        )
        rows = cursor.fetchall()
    if not rows:
        return _no_counts(len(contender_ids))
    a, b, a_wins, ties, b_wins = (
        np.array(column, dtype=np.int64) for column in zip(*rows, strict=True)
    )
    index = _indexer(contender_ids)
    return PairCounts(index(a), index(b), a_wins, ties, b_wins, n_contenders=len(contender_ids))


def comparison_contenders(
    campaign: Campaign, contender_ids: Sequence[int]
) -> tuple[NDArray[np.int64], NDArray[np.intp], NDArray[np.intp]]:
    """Regular comparisons' ids (sorted) and their a and b contender indices.

    With the vote-ordered judgment columns this gives online Elo its ordered votes for the
    cost of one pass over the comparisons, instead of a second pass over the judgments.
    """
    columns = fetch_columns(
        """SELECT CAST(c.id AS BIGINT), CAST(ra.contender_id AS BIGINT),
                  CAST(rb.contender_id AS BIGINT)
           FROM campaign_comparison c
           JOIN campaign_response ra ON ra.id = c.response_a_id
           JOIN campaign_response rb ON rb.id = c.response_b_id
           WHERE c.campaign_id = %s AND c.gold_side = '' ORDER BY c.id""",
        [campaign.pk],
        [("id", "bigint"), ("a", "bigint"), ("b", "bigint")],
    )
    index = _indexer(contender_ids)
    return columns["id"], index(columns["a"]), index(columns["b"])


def fetch_columns(
    sql: str, params: Sequence[object], columns: Sequence[tuple[str, str]]
) -> dict[str, np.ndarray]:
    """Run a SELECT whose columns are never NULL; each column as a numpy array.

    ``columns`` names each and gives its SQL type (bigint, integer, double), which the SELECT
    must produce exactly (CAST), since the binary COPY's field widths are read from it.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _copy_binary(cursor.cursor, sql, params, columns)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return {name: np.empty(0, dtype=_WIRE[kind][1]) for name, kind in columns}
    return {
        name: np.array(values, dtype=_WIRE[kind][1])
        for (name, kind), values in zip(columns, zip(*rows, strict=True), strict=True)
    }


def _copy_binary(
    raw_cursor: object, sql: str, params: Sequence[object], columns: Sequence[tuple[str, str]]
) -> dict[str, np.ndarray]:
    """COPY ... (FORMAT BINARY) into numpy: a header, fixed-width rows, a 2-byte trailer."""
    data = bytearray()
    # Django's placeholders are psycopg's; the `%%` of a modulo becomes `%` as in execute().
    with raw_cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)", params) as copy:  # type: ignore[attr-defined]
        for chunk in copy:
            data += chunk
    if not data.startswith(_COPY_SIGNATURE):  # pragma: no cover - PostgreSQL's wire format
        raise RuntimeError("unexpected COPY BINARY header")
    start = 19 + int.from_bytes(data[15:19], "big")  # signature, flags, extension length
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for name, kind in columns:
        fields += [(f"{name}.size", ">i4"), (name, _WIRE[kind][0])]
    dtype = np.dtype(fields)
    rows = np.frombuffer(memoryview(data)[start : len(data) - 2], dtype=dtype)
    mismatched = rows.size and (
        np.any(rows["count"] != len(columns))
        or any(np.any(rows[f"{name}.size"] != dtype[name].itemsize) for name, _kind in columns)
    )
    if mismatched:  # pragma: no cover - a NULL (size -1) or another type: a bug in the query
        raise RuntimeError("COPY BINARY rows do not match the declared column types")
    return {name: rows[name].astype(_WIRE[kind][1]) for name, kind in columns}


def _gold_comparisons(campaign: Campaign) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
    rows = (
        Comparison.objects.filter(campaign=campaign, gold_side__in=["a", "b"])
        .order_by("pk")
        .values_list("pk", "gold_side")
    )
    ids = np.array([pk for pk, _side in rows], dtype=np.int64)
    sides = np.array([-1 if side == "a" else 1 for _pk, side in rows], dtype=np.int32)
    return ids, sides


def _trusted_set(trusted: list[int]) -> str:
    # PostgreSQL: one array parameter, hashed by the planner; elsewhere one placeholder each.
    return (
        "SELECT unnest(%s::bigint[])"
        if connection.vendor == "postgresql"
        else (", ".join(["%s"] * len(trusted)))
    )


def _trusted_params(trusted: list[int]) -> list[object]:
    return [trusted] if connection.vendor == "postgresql" else list(trusted)


def _indexer(contender_ids: Sequence[int]) -> Callable[[np.ndarray], NDArray[np.intp]]:
    """Contender primary keys → contender indices (positions in ``contender_ids``)."""
    ids = np.asarray(contender_ids, dtype=np.int64)
    order = np.argsort(ids)

    def index(pks: np.ndarray) -> NDArray[np.intp]:
        return order[np.searchsorted(ids[order], pks)].astype(np.intp)

    return index


def _no_counts(n_contenders: int) -> PairCounts:
    empty = np.empty(0, dtype=np.int64)
    return PairCounts(empty, empty, empty, empty, empty, n_contenders=n_contenders)
