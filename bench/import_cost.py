"""What an import bench measures besides the wall clock: CPU on both sides, and PostgreSQL's floor.

The machine is shared, so wall-clock figures swing with the load; the CPU time of the importing
process and of its PostgreSQL backend (read from /proc: the server is local) do not, or much
less. ``copy_floor`` measures what PostgreSQL alone needs for the rows an import wrote: the
same rows, dumped, deleted and COPYed back into the same tables (same indexes, constraints and
foreign keys) in one transaction, with no Python in the way. An import cannot be faster.
"""

from __future__ import annotations

import argparse
import io
import os
import time
from pathlib import Path

import psycopg

# The tables an import fills, in the order their foreign keys need.
TABLES = (
    "campaign_contender",
    "campaign_prompt",
    "campaign_response",
    "campaign_comparison",
    "campaign_judgment",
)


def backend_cpu(backend_pid: int) -> float | None:
    """CPU seconds (user + system) a local PostgreSQL backend has used, or None if unreadable."""
    try:
        with open(f"/proc/{backend_pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def copy_floor(url: str) -> dict[str, float | None]:
    """Seconds and backend CPU seconds to COPY the rows the import wrote back, commit included."""
    dumps: dict[str, bytes] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for table in TABLES:
            buffer = io.BytesIO()
            with conn.cursor().copy(f"COPY {table} TO STDOUT") as copy:
                for chunk in copy:
                    buffer.write(chunk)
            dumps[table] = buffer.getvalue()
        # Only the rows the import made: what refers to them goes too (assignments, snapshots).
        conn.execute(f"TRUNCATE {', '.join(TABLES[1:])} CASCADE")
    with psycopg.connect(url) as conn:
        pid = conn.info.backend_pid
        cpu_before, started = backend_cpu(pid), time.perf_counter()
        with conn.cursor() as cursor:
            for table in TABLES[1:]:
                with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(dumps[table])
        conn.commit()  # the deferred foreign keys are checked here
        seconds, cpu_after = time.perf_counter() - started, backend_cpu(pid)
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return {"seconds": seconds, "db_cpu": cpu}


# Part of a bench's child script (which may run another checkout's code, so it imports nothing
# of this one): ``cpu()`` is the process's CPU seconds, ``db_cpu()`` its backend's.
CHILD_MEASURES = """
import os, time
from django.db import connection
connection.ensure_connection()
_backend = connection.connection.info.backend_pid
def cpu():
    return time.process_time()
def db_cpu():
    try:
        with open(f"/proc/{_backend}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
"""


def row(cells: tuple[str, ...], widths: tuple[int, ...]) -> str:
    """One line of a bench's table, each cell right-aligned in its width."""
    return " ".join(f"{cell:>{width}}" for cell, width in zip(cells, widths, strict=True))


def add_checkout_options(parser: argparse.ArgumentParser, root: Path) -> None:
    """``--code`` (the checkouts to run, interleaved) and ``--floor``, shared by both benches."""
    parser.add_argument(
        "--code",
        type=Path,
        nargs="+",
        default=[root],
        help="the checkouts whose import runs, one after the other for each size (and mode)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="after each write, COPY the rows it wrote back alone (PostgreSQL's own cost)",
    )


def print_checkouts(codes: list[Path]) -> None:
    """Which checkout each number in the table stands for, and the load they ran under."""
    for number, code in enumerate(codes):
        print(f"code {number}: {code}")
    # The machine is often shared: the load average says how much to trust the timings.
    print(f"load average before: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
