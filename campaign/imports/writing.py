"""How planned rows reach the database: COPY on PostgreSQL, bulk INSERT elsewhere.

COPY does the per-row server work (constraint checks, index entries) with no per-row statement
overhead. Each checked batch's rows are rendered as COPY data in memory and written by a
thread while the next batch is checked (campaign.imports.copy_behind); their ids are drawn
from the sequences beforehand (gaps are harmless), which lets later rows refer to earlier
ones. SQLite has no COPY: there an import inserts in bulk, batch by batch.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from typing import Any

import psycopg
from django.db import connection, models


def draw_ids(model: type[models.Model], count: int, *, using: Any = None) -> list[int]:
    """Reserve ``count`` primary keys from the table's sequence (PostgreSQL), on Django's
    connection or ``using`` (a psycopg connection)."""
    if not count:
        return []
    with (using or connection).cursor() as cursor:
        # The MATERIALIZED CTE looks the sequence up once; inlined, pg_get_serial_sequence ran
        # per row and made an id cost 5 µs instead of 0.6 µs. One array, not a row per id:
        # a block of 65,536 rows cost the import ~30 ms of Python to fetch, the array ~5 ms.
        cursor.execute(
            "WITH seq AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS s) "
            "SELECT array_agg(nextval(s)) FROM seq, generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        (pks,) = cursor.fetchone()
        return pks


class IdBlocks:
    """Primary keys drawn from the sequences a block at a time, handed out one by one.

    One query per block instead of one per row; blocks start small (a few votes draw few ids)
    and double up to ``MAX_BLOCK``, so an import leaves at most half its ids, and never more
    than a block, unused behind it (gaps are harmless).

    The draws go through a connection of their own (``close`` it): nextval is not
    transactional, so ids drawn there are as good, and the import's connection is busy with
    COPY statements (campaign.imports.copy_behind) that would hold each draw until they end.
    """

    FIRST_BLOCK = 1_024
    MAX_BLOCK = 16_384

    def __init__(self) -> None:
        self._ids: dict[type[models.Model], Iterator[int]] = {}
        self._connection = psycopg.connect(**connection.get_connection_params(), autocommit=True)

    def of(self, model: type[models.Model]) -> Iterator[int]:
        """The model's ids, handed out by ``next`` (one C-level call an id), drawn a block at a
        time as needed."""
        ids = self._ids.get(model)
        if ids is None:
            ids = self._ids[model] = itertools.chain.from_iterable(self._blocks(model))
        return ids

    def _blocks(self, model: type[models.Model]) -> Iterator[list[int]]:
        block = self.FIRST_BLOCK
        while True:
            yield self.draw(model, block)
            block = min(2 * block, self.MAX_BLOCK)

    def draw(self, model: type[models.Model], count: int) -> list[int]:
        """``count`` ids at once, none of them handed out by ``of``."""
        return draw_ids(model, count, using=self._connection)

    def close(self) -> None:
        self._connection.close()


def set_keys_checked(tables: Iterable[type[models.Model]], *, immediate: bool) -> None:
    """Have the deferred foreign keys of these tables checked per statement (``immediate``),
    or again at the commit, for the rest of the transaction (PostgreSQL's SET CONSTRAINTS)."""
    names = [model._meta.db_table for model in tables]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND condeferred "
            "AND conrelid = ANY(%s::regclass[]) ORDER BY conname",
            [names],
        )
        keys = [connection.ops.quote_name(name) for (name,) in cursor.fetchall()]
        if keys:
            mode = "IMMEDIATE" if immediate else "DEFERRED"
            cursor.execute(f"SET CONSTRAINTS {', '.join(keys)} {mode}")


def copy_text(value: str) -> str:
    """A text cell in COPY text format: backslash, tab, newline and carriage return escaped."""
    # The membership tests are ~4x cheaper than always replacing, and almost no text needs it.
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


def copy_value(model_field: models.Field, value: Any) -> str:
    """Any cell of ``model_field`` in COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(model_field, models.JSONField):
        return copy_text(json.dumps(value, cls=model_field.encoder))
    if isinstance(value, bool):
        return "t" if value else "f"
    return copy_text(str(value))


class CopyTable:
    """One table's planned rows in COPY text format, a batch at a time, in memory.

    The import names the columns it fills (``given``, written by the caller); every other
    column gets its model default, so columns added later with a default keep working. With
    ``with_id`` false the id column is left to the database (nothing refers to those rows).
    """

    def __init__(
        self,
        model: type[models.Model],
        given: tuple[str, ...],
        *,
        with_id: bool = True,
    ) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
        rest = [f for attname, f in fields.items() if attname not in given]
        constant = [f for f in rest if not (f.has_default() and callable(f.default))]
        per_row = [f for f in rest if f not in constant]
        # Same order as the lines: given columns, then per-row defaults, then constant ones.
        ordered = [fields[attname] for attname in given] + [*per_row, *constant]
        columns = ["id"] if with_id else []
        columns += [f.column for f in ordered if f.column is not None]
        quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
        self.statement = f"COPY {model._meta.db_table} ({quoted}) FROM STDIN"
        # Constant defaults are rendered once; only callable ones (a random key) per row.
        self.suffix = "".join("\t" + copy_value(f, f.get_default()) for f in constant) + "\n"
        # Callable defaults are drawn per row; a column that costs much that way (the
        # comparisons' random shuffle key) is better given, drawn for the batch at once.
        self.per_row = [(f, f.default) for f in per_row]

    def encode(self, heads: Iterable[str]) -> bytes:
        """Rows given as the text of their given columns (``id\tvalue\t...``), as COPY
        data (one batch)."""
        # One join and one encode for the batch: a text-layer write per row cost as much.
        return "".join(self._lines(heads)).encode()

    def _lines(self, heads: Iterable[str]) -> Iterable[str]:
        suffix = self.suffix
        if not self.per_row:
            return [head + suffix for head in heads]
        per_row = self.per_row
        return (
            head + "".join(["\t" + copy_value(f, default()) for f, default in per_row]) + suffix
            for head in heads
        )


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows given by attribute name, one multi-row INSERT; their new primary keys."""
    if not rows:
        return []
    created = model._default_manager.bulk_create([model(**row) for row in rows])
    return [instance.pk for instance in created]


def ids_by_load(added: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    """Comparison ids grouped by the load (judgments) each gains, from (id, load) pairs: one
    ``load = load + n`` UPDATE per group instead of one per comparison."""
    groups: dict[int, list[int]] = {}
    for comparison_id, load in added:
        groups.setdefault(load, []).append(comparison_id)
    return groups
