"""A SELECT's rows as numpy columns, packed by the server into one value on PostgreSQL.

No Python object per row: the server packs the rows, all fixed-width and never NULL, into one
bytea, read in one go through a structured numpy dtype. Elsewhere (the SQLite demo) the same
SELECT is fetched the ordinary way. Every read of a scoring run goes through here
(scoring.campaign_data, scoring.comparison_cache, scoring.allocation).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from django.db import connection

# SQL type of a column → (big-endian dtype of its binary send form, numpy dtype we keep).
_WIRE = {"bigint": (">i8", np.int64), "integer": (">i4", np.int32), "double": (">f8", np.float64)}
_SEND = {"bigint": "int8send", "integer": "int4send", "double": "float8send"}
_SQL = {"bigint": "BIGINT", "integer": "INTEGER", "double": "DOUBLE PRECISION"}


def fetch_columns(
    sql: str, params: Sequence[Any], columns: Sequence[tuple[str, str]]
) -> dict[str, np.ndarray]:
    """Run a SELECT whose columns are never NULL; each column as a numpy array.

    ``columns`` names each and gives its SQL type (bigint, integer, double), which the SELECT
    must produce (CAST), since the packed rows' field widths are read from it.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return aggregated_binary(cursor.cursor, sql, params, columns)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return no_rows(columns)
    return {
        name: np.array(values, dtype=_WIRE[kind][1])
        for (name, kind), values in zip(columns, zip(*rows, strict=True), strict=True)
    }


def no_rows(columns: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
    """``columns`` without a row, each of the type `fetch_columns` gives it."""
    return {name: np.empty(0, dtype=_WIRE[kind][1]) for name, kind in columns}


def aggregated_binary(
    raw_cursor: object, sql: str, params: Sequence[Any], columns: Sequence[tuple[str, str]]
) -> dict[str, np.ndarray]:
    """The SELECT's rows packed by the server into one bytea (each row its columns' binary
    send forms, back to back), read with one structured numpy dtype.

    One value instead of one COPY message per row: a million rows cost the client a few
    milliseconds instead of half a second of Python per message. The rows keep the SELECT's
    ORDER BY: a plain aggregate over a sorted subquery reads it in order (PostgreSQL's
    documented way of feeding an aggregate sorted input). A bytea holds at most 1 GB, some 30
    million rows of the widest query here.
    """
    aliases = [f"c{k}" for k in range(len(columns))]
    packed = " || ".join(
        f"{_SEND[kind]}(CAST(q.{alias} AS {_SQL[kind]}))"
        for alias, (_name, kind) in zip(aliases, columns, strict=True)
    )
    # Django's placeholders are psycopg's; the `%%` of a modulo becomes `%` as in execute().
    raw_cursor.execute(  # type: ignore[attr-defined]
        f"SELECT count(*), string_agg({packed}, ''::bytea) "  # noqa: S608 (no input in it)
        f"FROM ({sql}) AS q({', '.join(aliases)})",
        params,
        binary=True,
    )
    count, data = raw_cursor.fetchone()  # type: ignore[attr-defined]
    # The bytes above are a copy of the result's value: free libpq's (as large: 400 MB of
    # judgments at 10M) now rather than when the cursor closes, after the columns' copies.
    raw_cursor.pgresult.clear()  # type: ignore[attr-defined]
    dtype = np.dtype([(name, _WIRE[kind][0]) for name, kind in columns])
    data = b"" if data is None else data
    if len(data) != count * dtype.itemsize:
        # string_agg skips a NULL row: a bug in the query, which must never yield NULL.
        raise RuntimeError("the packed rows do not match the declared columns (a NULL?)")
    rows = np.frombuffer(data, dtype=dtype)
    return {name: rows[name].astype(_WIRE[kind][1]) for name, kind in columns}


def by_id(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``columns`` with their rows in the order of their column "id" (unique values)."""
    ids = columns["id"]
    if ids.size < 2 or bool((ids[1:] > ids[:-1]).all()):
        return columns
    order = np.argsort(ids, kind="stable")
    return {name: values[order] for name, values in columns.items()}


@contextlib.contextmanager
def serial_reads() -> Iterator[None]:
    """No parallel workers for the reads inside (PostgreSQL; inside the run's transaction).

    A parallel scan hands out its rows in the workers' order, which `by_id` then sorts (1.8 s
    and 6 s of reordering at 10M); the server's packing of the rows, the bulk of a read, runs
    in one process anyway (scoring.packed_rows).
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_parallel_workers_per_gather'), "
            "set_config('max_parallel_workers_per_gather', '0', true)"
        )
        (before, _now) = cursor.fetchone()
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('max_parallel_workers_per_gather', %s, true)", [before]
            )
