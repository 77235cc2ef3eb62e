"""The suite's time: the same test files run from two checkouts, interleaved (issue 16).

    .venv/bin/python bench/suite_time.py --base /work/main --rounds 2 \\
        --base-db postgres://postgres@127.0.0.1:5432/crowdeval_speed_base \\
        --db postgres://postgres@127.0.0.1:5432/crowdeval_speed \\
        tests/config/test_settings.py tests/campaign/test_demo.py ...

The two sides can also be one checkout run two ways, e.g. the whole suite in one process
against `make test`'s two xdist workers (each side its own database; ``--create-db`` times the
migrations too, as `make test` pays them):

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/suite_time.py --base . \\
        --base-db postgres://postgres@127.0.0.1:5432/crowdeval_serial --base-args "-n 0" \\
        --db postgres://postgres@127.0.0.1:5432/crowdeval_xd --args "-n 2 --dist loadfile" \\
        --create-db --rounds 1 tests

Runs ``pytest --durations=0 --reuse-db`` on the files from the base checkout, then from this
one, ``--rounds`` times (base, branch, base, branch: a busy machine's load drifts, so neither
side gets all the quiet minutes). Prints, per run: wall time, the CPU time of pytest and the
processes it waited for (user + sys: its workers, subprocesses and Chromium; not the
PostgreSQL server's), the sum of the reported test durations (setup + call + teardown), and
the sums per file. Each checkout uses its own test database, created (migrated) before the
first round by an untimed run of one small file. A file missing from one checkout is run
from the other only.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
SLOWEST = 25  # files listed when the arguments name directories
DURATION = re.compile(r"^\s*([\d.]+)s (setup|call|teardown)\s+(\S+?)(?:::|\s|$)")


def run(
    checkout: Path, database: str, files: list[str], extra: list[str], create: bool = False
) -> dict[str, object]:
    present = [name for name in files if (checkout / name).exists()]
    env = dict(os.environ, DATABASE_URL=database, CROWDEVAL_REQUIRE_POSTGRES="1")
    command = [str(checkout / ".venv/bin/python"), "-m", "pytest", *present, "-q", *extra]
    command += ["--durations=0", "-p", "no:randomly", "--create-db" if create else "--reuse-db"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    per_file: dict[str, float] = defaultdict(float)
    for line in done.stdout.splitlines():
        match = DURATION.match(line)
        if match:
            per_file[match.group(3)] += float(match.group(1))
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-500:]
    return {"wall": wall, "cpu": cpu, "per_file": dict(per_file), "summary": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", type=Path, required=True)
    parser.add_argument("--base-db", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--base-args", default="", help="pytest options for the base side")
    parser.add_argument("--args", default="", help="pytest options for this checkout's side")
    parser.add_argument(
        "--create-db", action="store_true", help="every timed run creates its test databases"
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    sides = {
        "base": (args.base.resolve(), args.base_db, args.base_args.split()),
        "branch": (HERE, args.db, args.args.split()),
    }
    results: dict[str, list[dict[str, object]]] = {"base": [], "branch": []}
    if not args.create_db:
        for checkout, database, extra in sides.values():
            run(checkout, database, ["tests/config/test_mail.py"], extra, create=True)
    for number in range(args.rounds):
        for side, (checkout, database, extra) in sides.items():
            found = run(checkout, database, args.files, extra, create=args.create_db)
            results[side].append(found)
            durations = sum(found["per_file"].values())  # type: ignore[attr-defined]
            print(
                f"round {number + 1} {side:6}: wall {found['wall']:7.1f} s  "
                f"cpu {found['cpu']:6.1f} s  durations {durations:7.1f} s  {found['summary']}",
                flush=True,
            )
    # Directories name no file: show the slowest files found under them instead.
    named = [name for name in args.files if name.endswith(".py")]
    if len(named) < len(args.files):
        totals: dict[str, float] = defaultdict(float)
        for runs in results.values():
            for found in runs:
                for name, seconds in found["per_file"].items():  # type: ignore[attr-defined]
                    totals[name] += seconds
        named = sorted(totals, key=totals.__getitem__, reverse=True)[:SLOWEST]
    print("\nper file, durations summed (s), round by round:")
    for name in named:
        cells = [
            f"{side} " + " / ".join(f"{r['per_file'].get(name, 0.0):6.1f}" for r in runs)  # type: ignore[attr-defined]
            for side, runs in results.items()
        ]
        print(f"  {name:50} " + "   ".join(cells))
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    sys.exit(0)


if __name__ == "__main__":
    main()
