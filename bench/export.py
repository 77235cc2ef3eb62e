"""Judgment and preference exports at 100,000 and 1,000,000 judgments: is memory flat?

Issue 11 (Exports): every export streams, so its peak memory must not grow with the campaign
(target: peak RSS within 50 MiB between the two sizes) and JSONL must run at 100,000 rows/s
or more. For each size it builds a campaign with bench/score_campaign.py's COPY builder in its
own database (default ``crowdeval_exportbench``, dropped and recreated), scores it once (few
bootstrap rounds: the exports only need its trust), then measures, each in a fresh process so
the peak RSS is that export's alone:

- ``command``: ``manage.py export_judgments --format F --out FILE`` (and export_preferences);
- ``generator``: ``judgment_file`` / ``preference_file``, bytes thrown away, as the API streams.

    .venv/bin/python bench/export.py                       # 100,000 and 1,000,000 judgments
    .venv/bin/python bench/export.py --sizes 100000 300000 # on a slow machine

Only the local PostgreSQL at 127.0.0.1 is contacted; Redis is not needed. Prints figures,
asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import score_campaign  # noqa: E402
from bench.database import fresh_database  # noqa: E402

MiB = 1024 * 1024
EXPORTS = (
    ("judgments", "jsonl"),
    ("judgments", "csv"),
    ("judgments", "parquet"),
    ("preferences", "jsonl"),
    ("preferences", "parquet"),
)
MODES = ("command", "generator")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--db", default="crowdeval_exportbench")
    parser.add_argument("--contenders", type=int, default=50)
    parser.add_argument("--annotators", type=int, default=500)
    parser.add_argument(
        "--only", nargs="+", metavar="EXPORT:FORMAT", help="e.g. judgments:jsonl (default: all)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database if it holds the size already"
    )
    # One measurement, in a child process: what the parent runs for each export and mode.
    parser.add_argument("--measure", nargs=3, metavar=("EXPORT", "FORMAT", "MODE"))
    return parser.parse_args()


def build(args: argparse.Namespace, judgments: int) -> None:
    """A fresh database holding score_campaign's synthetic campaign of ``judgments``, scored."""
    env = score_campaign.django_env(args.db)
    fresh_database(args.db, env)
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from campaign.models import Campaign
    from scoring.jobs import run_scoring_job

    build_args = argparse.Namespace(
        judgments=judgments, contenders=args.contenders, annotators=args.annotators, db=args.db
    )
    score_campaign.build_campaign(build_args)
    start = time.perf_counter()
    campaign = Campaign.objects.get(slug=score_campaign.SLUG)
    run_scoring_job(campaign.pk, rounds=10)
    print(f"scored in {time.perf_counter() - start:.1f} s (10 bootstrap rounds)")
    from django.db import connections

    connections.close_all()


def measure(export: str, fmt: str, mode: str) -> dict[str, float]:
    """Run one export in this process; its rows, seconds and peak RSS."""
    import django

    django.setup()
    from django.core.management import call_command

    from campaign.models import Campaign
    from scoring.exports.judgments import judgment_file
    from scoring.exports.preferences import preference_file

    campaign = Campaign.objects.get(slug=score_campaign.SLUG)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    first = -1.0  # seconds to the first bytes, for the generator (what an HTTP client waits)
    if mode == "command":
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / f"{export}.{fmt}"
            command = [f"export_{export}", campaign.slug, "--out", str(out), "--no-progress"]
            if export == "judgments":
                command += ["--format", fmt]
            call_command(*command, stdout=open(os.devnull, "w"))  # noqa: SIM115
            size = out.stat().st_size
        rows = -1.0  # counted by the parent from the generator run
    else:
        done: list[int] = []
        if export == "judgments":
            chunks = judgment_file(campaign, fmt=fmt, progress=done.append)  # type: ignore[arg-type]
        else:
            chunks = preference_file(campaign, fmt=fmt, progress=done.append)  # type: ignore[arg-type]
        size = 0
        for chunk in chunks:
            if not size:
                first = time.perf_counter() - start
            size += len(chunk)
        rows = float(sum(done))
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    return {
        "rows": rows,
        "seconds": seconds,
        "peak": usage.ru_maxrss * 1024,
        "bytes": size,
        "cpu": cpu,
        "first": first,
    }


def child(args: argparse.Namespace, export: str, fmt: str, mode: str) -> dict[str, float]:
    env = score_campaign.django_env(args.db)
    output = subprocess.run(
        [sys.executable, __file__, "--db", args.db, "--measure", export, fmt, mode],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    args = parse_args()
    if args.measure:
        os.environ.update(score_campaign.django_env(args.db))
        print(json.dumps(measure(*args.measure)))
        return
    results: dict[tuple[int, str, str, str], dict[str, float]] = {}
    exports = [
        (export, fmt) for export, fmt in EXPORTS if not args.only or f"{export}:{fmt}" in args.only
    ]
    for size in args.sizes:
        if args.reuse and score_campaign.built_judgments(args.db) == size:
            print(f"reusing {args.db}: {size:,} judgments already built")
        else:
            build_command = [sys.executable, "-c", _BUILD, args.db, str(size)]
            build_command += [str(args.contenders), str(args.annotators)]
            subprocess.run(build_command, cwd=ROOT, check=True)
        for export, fmt in exports:
            rows = 0.0
            for mode in ("generator", "command"):
                result = child(args, export, fmt, mode)
                rows = result["rows"] if result["rows"] >= 0 else rows
                result["rows"] = rows
                results[size, export, fmt, mode] = result
                print(
                    f"{size:>9,} judgments  {export:<11} {fmt:<7} {mode:<9} "
                    f"{rows:>11,.0f} rows {result['seconds']:7.2f} s "
                    f"{rows / result['seconds']:>10,.0f} rows/s "
                    f"peak RSS {result['peak'] / MiB:7.1f} MiB  "
                    f"own CPU {1e6 * result['cpu'] / max(rows, 1):5.1f} µs/row  "
                    f"file {result['bytes'] / MiB:6.1f} MiB"
                    + (f"  first bytes {result['first']:5.2f} s" if result["first"] >= 0 else ""),
                    flush=True,
                )
    report(args, exports, results)


def report(
    args: argparse.Namespace,
    exports: list[tuple[str, str]],
    results: dict[tuple[int, str, str, str], dict[str, float]],
) -> None:
    small, large = min(args.sizes), max(args.sizes)
    print(
        f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)\n"
        f"{'export':<24} {'mode':<9} {'peak RSS growth ' + f'{small:,} -> {large:,}':>32}"
    )
    worst = 0.0
    for export, fmt in exports:
        for mode in MODES:
            growth = (
                results[large, export, fmt, mode]["peak"]
                - results[small, export, fmt, mode]["peak"]
            )
            worst = max(worst, growth)
            print(f"{export + ' ' + fmt:<24} {mode:<9} {growth / MiB:>29.1f} MiB")
    jsonl = min(
        results[size, "judgments", "jsonl", mode]["rows"]
        / results[size, "judgments", "jsonl", mode]["seconds"]
        for size in args.sizes
        for mode in MODES
    )
    print(f"\ntarget: peak RSS flat within 50 MiB: {'met' if worst <= 50 * MiB else 'NOT met'}")
    print(
        f"target: judgments JSONL >= 100,000 rows/s (slowest run {jsonl:,.0f}): "
        f"{'met' if jsonl >= 100_000 else 'NOT met'}"
    )


# The build runs in a process of its own, so Django is set up against the fresh database.
_BUILD = """
import argparse, sys
sys.path.insert(0, '.')
from bench.export import build
db, size, contenders, annotators = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
build(argparse.Namespace(db=db, contenders=contenders, annotators=annotators), size)
"""


if __name__ == "__main__":
    main()
