"""Import throughput and memory: multi-response prompts (3 responses each) into PostgreSQL.

    .venv/bin/python bench/import_items.py [--sizes 10000 100000] [--database-url URL]

Each size runs in a fresh child process (so its peak RSS is its own) against a freshly
migrated database, through the same service `manage.py import_items` uses. Prints lines per
second, prompts per second and peak RSS; the target (issue 14) is ≥ 10,000 prompts/s on
100,000 lines with memory that does not grow with the file.
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

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/crowdeval_bench"
MODELS = ("model-alpha", "model-beta", "model-gamma")
WIDTHS = (8, 8, 8, 8, 10, 9, 13)


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


def reset_database(url: str) -> None:
    server, name = url.rsplit("/", 1)
    env = os.environ | {"DATABASE_URL": url}
    fresh_database(name, env, server=server)
    subprocess.run(
        [sys.executable, "manage.py", "create_campaign", "bench", "--title", "Bench"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


CHILD = """
import json, resource, sys, time
from pathlib import Path
import django
django.setup()
from campaign.imports.items import import_items
from campaign.models import Campaign
campaign = Campaign.objects.get(slug="bench")
start = time.perf_counter()
report = import_items(campaign, Path(sys.argv[1]))
seconds = time.perf_counter() - start
assert report.ok and report.written, report.errors[:3]
peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "prompts": report.prompts_created,
                  "responses": report.responses_created,
                  "comparisons": report.comparisons_created, "peak_mib": peak_mib}))
"""


def run_size(lines: int, url: str, workdir: Path) -> dict[str, float]:
    path = workdir / f"items-{lines}.jsonl"
    write_file(path, lines)
    reset_database(url)
    env = os.environ | {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["lines"] = lines
    figures["megabytes"] = path.stat().st_size / 1e6
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    print(f"import_items into PostgreSQL ({args.database_url}), 3 responses per prompt")
    # The machine is often shared: the load average says how much to trust the timings.
    print(f"load average before: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    header = ("lines", "file MB", "seconds", "lines/s", "prompts/s", "rows/s", "peak RSS MiB")
    print(" ".join(f"{title:>{width}}" for title, width in zip(header, WIDTHS, strict=True)))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        for lines in args.sizes:
            f = run_size(lines, args.database_url, Path(workdir))
            rows = f["prompts"] + f["responses"] + f["comparisons"]
            cells = (
                f"{lines}",
                f"{f['megabytes']:.1f}",
                f"{f['seconds']:.2f}",
                f"{lines / f['seconds']:.0f}",
                f"{f['prompts'] / f['seconds']:.0f}",
                f"{rows / f['seconds']:.0f}",
                f"{f['peak_mib']:.1f}",
            )
            print(" ".join(f"{cell:>{width}}" for cell, width in zip(cells, WIDTHS, strict=True)))
    print(f"load average after: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    elapsed = time.perf_counter() - started
    print(f"target: >= 10000 prompts/s at 100,000 lines; total bench time {elapsed:.0f} s")


if __name__ == "__main__":
    main()
