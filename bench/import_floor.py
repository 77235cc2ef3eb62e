"""What PostgreSQL's floor for an import is made of: the same COPY with one piece removed at a time.

    .venv/bin/python bench/import_floor.py items [--size 100000] [--database-url URL]
    .venv/bin/python bench/import_floor.py votes [--size 200000] [--repeat 3]

The import bench's floor (bench/import_cost.py) is the rows an import wrote, COPYed back alone.
This script fills a scratch database with one import (this checkout's schema, the bench's file),
dumps the rows, then COPYs them back once per variant: as they are, then without each foreign
key, each index and constraint, the ``html`` columns, with lz4 instead of pglz for the texts,
and with every key and index gone (bare tables, logged and unlogged: WAL's share). Each
variant runs in one transaction that changes the schema, truncates, COPYs, fires the deferred
checks (SET CONSTRAINTS ALL IMMEDIATE) and rolls back, so the database ends as it began.

Prints the backend CPU seconds of each table's COPY, of the deferred checks and in total (the
least of ``--repeat`` runs: the machine is shared, CPU time is disturbed less than the wall
clock), the WAL written, and the saving against the schema as it is. Asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import import_items, import_votes  # noqa: E402
from bench.import_cost import TABLES, backend_cpu, row  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/crowdeval_floor"
TEXT_TABLES = ("campaign_prompt", "campaign_response")


@dataclass
class Variant:
    """One change to the schema, made inside the measuring transaction."""

    label: str
    statements: list[str] = field(default_factory=list)
    without_html: bool = False  # COPY the dump that has no html column
    bare: str = ""  # "logged" or "unlogged": COPY into copies of the tables with no index


@dataclass
class Dump:
    columns: list[str]
    data: bytes


def fill(kind: str, size: int, url: str) -> None:
    """Import the bench's file of ``size`` lines into a fresh database (this checkout)."""
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / f"{kind}.jsonl"
        if kind == "items":
            import_items.write_file(path, size)
            import_items.run_size(path, url, ROOT)
        else:
            import_votes.write_file(
                path, size, contenders=40, prompts=2_000, annotators=300, texts=True
            )
            import_votes.run(path, url, "write", ROOT)


def dump(conn: psycopg.Connection, table: str, columns: list[str]) -> Dump:
    buffer = io.BytesIO()
    listed = ", ".join(columns)
    statement = f"COPY (SELECT {listed} FROM {table}) TO STDOUT"  # noqa: S608 - our names
    with conn.cursor().copy(statement) as copy:
        for chunk in copy:
            buffer.write(chunk)
    return Dump(columns, buffer.getvalue())


def table_columns(conn: psycopg.Connection, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum",
        [table],
    ).fetchall()
    return [name for (name,) in rows]


def variants(conn: psycopg.Connection, tables: list[str]) -> list[Variant]:
    """Every piece of the schema that costs an inserted row something, one variant each."""
    found: list[Variant] = [Variant("as is")]
    foreign, others = [], []
    # Constraints: foreign keys (a trigger per row), unique ones (an index), checks.
    for table, name, kind, deferred in conn.execute(
        "SELECT conrelid::regclass::text, conname, contype, condeferred FROM pg_constraint "
        "WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u', 'c') "
        "ORDER BY conrelid, contype, conname",
        [tables],
    ).fetchall():
        # CASCADE: a unique constraint may be the target of a foreign key, which goes with it.
        drop = f"ALTER TABLE {table} DROP CONSTRAINT {name} CASCADE"
        what = {"f": "FK", "u": "unique", "c": "check"}[kind]
        if kind == "f":
            what += " (deferred)" if deferred else " (immediate)"
            foreign.append(drop)
        elif kind == "u":
            others.append(drop)
        found.append(Variant(f"- {what} {name}", [drop]))
    # Indexes that no constraint owns (plain and partial ones, unique expression indexes).
    for table, name in conn.execute(
        "SELECT indrelid::regclass::text, indexrelid::regclass::text FROM pg_index "
        "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary AND indexrelid NOT IN "
        "(SELECT conindid FROM pg_constraint) ORDER BY indrelid, indexrelid::regclass::text",
        [tables],
    ).fetchall():
        drop = f"DROP INDEX {name}"
        others.append(drop)
        found.append(Variant(f"- index {name} ({table.removeprefix('campaign_')})", [drop]))
    # Our own triggers that fire on insert (migration 0014's per-statement key checks; 4 is
    # the INSERT bit of tgtype), disabled one by one.
    for table, name in conn.execute(
        "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgrelid = "
        "ANY(%s::regclass[]) AND NOT tgisinternal AND tgtype & 4 <> 0 ORDER BY tgrelid, tgname",
        [tables],
    ).fetchall():
        disable = f"ALTER TABLE {table} DISABLE TRIGGER {name}"
        foreign.append(disable)
        found.append(Variant(f"- trigger {name}", [disable]))
    html = [f"ALTER TABLE {table} DROP COLUMN html" for table in TEXT_TABLES if table in tables]
    found.append(Variant("- html columns", html, without_html=True))
    lz4 = [f"ALTER TABLE {table} ALTER COLUMN text SET COMPRESSION lz4" for table in TEXT_TABLES]
    found.append(Variant("texts compressed with lz4", lz4))
    found.append(Variant("- every foreign key and key trigger", foreign))
    found.append(Variant("- every key and index but the pkey", foreign + others))
    found.append(Variant("bare tables (columns and defaults only)", bare="logged"))
    found.append(Variant("bare tables, unlogged (no WAL)", bare="unlogged"))
    return found


def measure(
    url: str, tables: list[str], dumps: dict[str, Dump], bare: dict[str, Dump], v: Variant
) -> dict[str, float]:
    """Backend CPU seconds per table and for the deferred checks, wall seconds, WAL MB."""
    figures: dict[str, float] = {}
    with psycopg.connect(url) as conn:
        pid = conn.info.backend_pid
        conn.execute("SET LOCAL synchronous_commit = off")
        targets = {table: table for table in tables}
        if v.bare:
            # Bare copies: the columns and defaults only, no index, key or check.
            kind = "UNLOGGED" if v.bare == "unlogged" else ""
            for table in tables:
                conn.execute(f"CREATE {kind} TABLE bare_{table} (LIKE {table} INCLUDING DEFAULTS)")
                targets[table] = f"bare_{table}"
        else:
            for statement in v.statements:
                conn.execute(statement)
            conn.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        source = bare if v.without_html else dumps
        started, cpu = time.perf_counter(), backend_cpu(pid) or 0.0
        (lsn,) = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone() or (None,)
        with conn.cursor() as cursor:
            for table in tables:
                before = backend_cpu(pid) or 0.0
                columns = ", ".join(source[table].columns)
                with cursor.copy(f"COPY {targets[table]} ({columns}) FROM STDIN") as copy:
                    for chunk in _chunks(source[table].data):
                        copy.write(chunk)
                figures[table] = (backend_cpu(pid) or 0.0) - before
            before = backend_cpu(pid) or 0.0
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign keys
            figures["deferred"] = (backend_cpu(pid) or 0.0) - before
            cursor.execute("SELECT pg_current_wal_insert_lsn() - %s::pg_lsn", [lsn])
            (wal,) = cursor.fetchone() or (0,)
        figures["cpu"] = (backend_cpu(pid) or 0.0) - cpu
        figures["seconds"] = time.perf_counter() - started
        figures["wal_mb"] = float(wal) / 1e6
        conn.rollback()
    return figures


def _chunks(data: bytes, size: int = 1 << 20) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["items", "votes"])
    parser.add_argument("--size", type=int, help="lines (default: the bench's large size)")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--repeat", type=int, default=2, help="runs per variant; least CPU kept")
    parser.add_argument("--reuse", action="store_true", help="the database is filled already")
    parser.add_argument("--only", nargs="*", help="variants whose label contains one of these")
    args = parser.parse_args()
    size = args.size or (100_000 if args.kind == "items" else 200_000)
    if not args.reuse:
        fill(args.kind, size, args.database_url)
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        counts = {table: _count(conn, table) for table in TABLES[1:]}
        tables = [table for table, count in counts.items() if count]
        dumps, bare = {}, {}
        for table in tables:
            columns = table_columns(conn, table)
            dumps[table] = dump(conn, table, columns)
            bare[table] = (
                dump(conn, table, [c for c in columns if c != "html"])
                if "html" in columns
                else dumps[table]
            )
        found = variants(conn, tables)
    if args.only:
        found = [v for v in found if v.label == "as is" or any(s in v.label for s in args.only)]
    print(f"{args.kind}, {size} lines: " + ", ".join(f"{counts[t]} {_short(t)}" for t in tables))
    widths = (46, *(8 for _ in tables), 8, 8, 8, 7, 8)
    heads = (*(_short(t) for t in tables), "defer'd", "DB CPU", "wall s", "WAL MB", "saves")
    print(row(("variant", *heads), widths))
    base = None
    for variant in found:
        runs = [
            measure(args.database_url, tables, dumps, bare, variant) for _ in range(args.repeat)
        ]
        best = min(runs, key=lambda figures: figures["cpu"])
        base = best["cpu"] if base is None else base
        cells = [f"{best[t]:.2f}" for t in tables]
        cells += [f"{best['deferred']:.2f}", f"{best['cpu']:.2f}", f"{best['seconds']:.2f}"]
        cells += [f"{best['wal_mb']:.0f}", f"{base - best['cpu']:+.2f}"]
        print(row((variant.label[:46], *cells), widths), flush=True)
    print("CPU: the COPY's PostgreSQL backend, seconds (least of the runs); saves: against 'as is'")


def _count(conn: psycopg.Connection, table: str) -> int:
    (count,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone() or (0,)  # noqa: S608
    return int(count)


def _short(table: str) -> str:
    return table.removeprefix("campaign_")


if __name__ == "__main__":
    main()
