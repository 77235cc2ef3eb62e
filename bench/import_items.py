"""Import throughput and memory: multi-response prompts (3 responses each) into PostgreSQL.

    .venv/bin/python bench/import_items.py [--sizes 10000 100000] [--database-url URL]
    .venv/bin/python bench/import_items.py --code /tmp/base . --floor   # before, after, floor

Each size runs in a fresh child process (so its peak RSS is its own) against a freshly
migrated database, through the same service `manage.py import_items` uses. Prints lines per
second, prompts per second and peak RSS; the target (issue 14) is ≥ 10,000 prompts/s on
100,000 lines with memory that does not grow with the file. ``--code`` and ``--floor`` as in
bench/import_votes.py: several checkouts interleaved, and PostgreSQL alone writing the rows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import fresh_database  # noqa: E402
from bench.import_cost import (  # noqa: E402
    CHILD_MEASURES,
    add_checkout_options,
    copy_floor,
    print_checkouts,
    row,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/crowdeval_bench"
MODELS = ("model-alpha", "model-beta", "model-gamma")


def write_file(path: Path, lines: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for index in range(lines):
            item = {
                "id": f"p{index}",
                "prompt": f"Explain topic number {index} to a curious twelve-year-old.",
                "category": ("science", "coding", "writing")[index % 3],
                "responses": {
                    model: f"{model} says: here is a clear answer about topic {index}. " * 4
                    for model in MODELS
                },
            }
            out.write(json.dumps(item) + "\n")


def reset_database(url: str, code: Path = ROOT) -> None:
    """A fresh database migrated by `code` (each checkout measures its own schema)."""
    server, name = url.rsplit("/", 1)
    env = os.environ | {"DATABASE_URL": url, "PYTHONPATH": str(code)}
    fresh_database(name, env, server=server, code=code)
    subprocess.run(
        [sys.executable, "manage.py", "create_campaign", "bench", "--title", "Bench"],
        cwd=code,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


CHILD = (
    """
import json, resource, sys, time
from pathlib import Path
import django
django.setup()
from campaign.imports.items import import_items
from campaign.models import Campaign
"""
    + CHILD_MEASURES
    + """
campaign = Campaign.objects.get(slug="bench")
start, cpu_start, db_start = time.perf_counter(), cpu(), db_cpu()
report = import_items(campaign, Path(sys.argv[1]))
seconds = time.perf_counter() - start
cpu_seconds, db_seconds = cpu() - cpu_start, db_cpu() - db_start
assert report.ok and report.written, report.errors[:3]
peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "prompts": report.prompts_created,
                  "responses": report.responses_created, "cpu": cpu_seconds,
                  "db_cpu": db_seconds, "comparisons": report.comparisons_created,
                  "peak_mib": peak_mib}))
"""
)


def run_size(path: Path, url: str, code: Path) -> dict[str, float]:
    reset_database(url, code)
    env = os.environ | {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env["PYTHONPATH"] = str(code)
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        cwd=code,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


HEADER = ("lines", "file MB", "code", "seconds", "prompts/s", "rows/s", "CPU s", "DB CPU s")
WIDTHS = (8, 8, 5, 8, 10, 9, 7, 9, 13)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    add_checkout_options(parser, ROOT)
    args = parser.parse_args()
    print(f"import_items into PostgreSQL ({args.database_url}), 3 responses per prompt")
    codes = [code.resolve() for code in args.code]
    print_checkouts(codes)
    print(row((*HEADER, "peak RSS MiB"), WIDTHS))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        for lines in args.sizes:
            path = Path(workdir) / f"items-{lines}.jsonl"
            write_file(path, lines)
            megabytes = path.stat().st_size / 1e6
            for number, code in enumerate(codes):
                f = run_size(path, args.database_url, code)
                print(row(_cells(lines, megabytes, str(number), f), WIDTHS), flush=True)
                if args.floor:
                    floor = copy_floor(args.database_url) | {k: f[k] for k in ROWS}
                    print(row(_cells(lines, megabytes, "COPY", floor), WIDTHS), flush=True)
    print(f"load average after: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    elapsed = time.perf_counter() - started
    print(
        "COPY: the same rows COPYed back alone (no Python), the import's floor; "
        "CPU: the import process, DB CPU: its PostgreSQL backend"
    )
    print(f"target: >= 10000 prompts/s at 100,000 lines; total bench time {elapsed:.0f} s")


ROWS = ("prompts", "responses", "comparisons")


def _cells(lines: int, megabytes: float, code: str, f: dict) -> tuple[str, ...]:
    def seconds(key: str) -> str:
        value = f.get(key)
        return "-" if value is None else f"{value:.2f}"

    rows = sum(f[key] for key in ROWS)
    return (
        f"{lines}",
        f"{megabytes:.1f}",
        code,
        f"{f['seconds']:.2f}",
        f"{f['prompts'] / f['seconds']:.0f}",
        f"{rows / f['seconds']:.0f}",
        seconds("cpu"),
        seconds("db_cpu"),
        seconds("peak_mib") if "peak_mib" in f else "-",
    )


if __name__ == "__main__":
    main()
