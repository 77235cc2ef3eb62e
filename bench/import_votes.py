"""Vote import throughput and memory: an arena-style file of votes into an empty campaign.

    .venv/bin/python bench/import_votes.py [--sizes 20000 200000] [--database-url URL]
    .venv/bin/python bench/import_votes.py --code /tmp/base . --floor   # before, after, floor

Issue 14: ``import_judgments`` creates the prompts, responses and comparisons the votes name,
and the imported annotators. The file has 40 contenders, 2,000 prompts and 300 annotators
(each line a random pair of contenders on a random prompt, no annotator judging one
comparison twice), every line with the prompt's and both responses' texts unless
``--no-texts``. Each size runs in a fresh child process (its own peak RSS) against a freshly
migrated database, through the service the command uses; a dry run of the same file is
measured too (validation alone). Prints votes per second and peak RSS; the target is
≥ 20,000 votes/s at 200,000 with memory that does not grow with the file. Asserts nothing.

``--code DIR [DIR ...]`` runs the import of each checkout (a ``git worktree`` of an older
commit may predate this script) on the same files, interleaved size by size and mode by mode,
so before and after share the same load: ``code 0`` is the first. Besides the wall clock it
prints the CPU seconds of the import process and of its PostgreSQL backend, which the load
of a shared machine disturbs less. ``--floor`` times PostgreSQL alone writing the same rows
(bench/import_cost.py): how close the import gets to what the database itself needs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_cost import (  # noqa: E402
    CHILD_MEASURES,
    add_checkout_options,
    copy_floor,
    print_checkouts,
    row,
)
from bench.import_items import reset_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/crowdeval_votebench"


def write_file(
    path: Path, votes: int, *, contenders: int, prompts: int, annotators: int, texts: bool
) -> None:
    rng = random.Random(7)
    models = [f"model-{index:02d}" for index in range(contenders)]
    seen: set[tuple[int, int, int, int]] = set()
    with path.open("w", encoding="utf-8") as out:
        while len(seen) < votes:
            annotator, prompt = rng.randrange(annotators), rng.randrange(prompts)
            a, b = rng.sample(range(contenders), 2)
            key = (annotator, prompt, min(a, b), max(a, b))
            if key in seen:
                continue
            seen.add(key)
            row = {
                "annotator": f"rater-{annotator}",
                "prompt": f"q{prompt}",
                "model_a": models[a],
                "model_b": models[b],
                "winner": rng.choice(("a", "b", "tie")),
            }
            if texts:
                row["prompt_text"] = f"Question {prompt}: explain it to a curious student."
                row["response_a"] = f"{models[a]} answers question {prompt} at some length. " * 3
                row["response_b"] = f"{models[b]} answers question {prompt} at some length. " * 3
            out.write(json.dumps(row) + "\n")


CHILD = (
    """
import json, resource, sys, time
from pathlib import Path
import django
django.setup()
from campaign.imports.votes import import_judgments
from campaign.models import Campaign
"""
    + CHILD_MEASURES
    + """
campaign = Campaign.objects.get(slug="bench")
start, cpu_start, db_start = time.perf_counter(), cpu(), db_cpu()
report = import_judgments(campaign, Path(sys.argv[1]), dry_run=sys.argv[2] == "dry")
seconds = time.perf_counter() - start
cpu_seconds, db_seconds = cpu() - cpu_start, db_cpu() - db_start
assert report.ok, report.errors[:3]
peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "votes": report.judgments_created, "cpu": cpu_seconds,
                  "db_cpu": db_seconds, "written": report.written, "peak_mib": peak_mib}))
"""
)


def run(path: Path, url: str, mode: str, code: Path) -> dict[str, float]:
    reset_database(url, code)
    env = os.environ | {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("REDIS_URL", None)  # the import schedules scoring after commit: eager, no broker
    env["PYTHONPATH"] = str(code)
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), mode],
        cwd=code,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--contenders", type=int, default=40)
    parser.add_argument("--prompts", type=int, default=2_000)
    parser.add_argument("--annotators", type=int, default=300)
    parser.add_argument("--no-texts", action="store_true", help="votes without texts")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--modes", nargs="+", default=["dry", "write"], choices=["dry", "write"])
    add_checkout_options(parser, ROOT)
    args = parser.parse_args()
    print(
        f"import_judgments into PostgreSQL ({args.database_url}): {args.contenders} contenders, "
        f"{args.prompts} prompts, {args.annotators} annotators, "
        f"{'no texts' if args.no_texts else 'texts on every line'}"
    )
    codes = [code.resolve() for code in args.code]
    print_checkouts(codes)
    print(row(HEADER, WIDTHS))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        for votes in args.sizes:
            path = Path(workdir) / f"votes-{votes}.jsonl"
            write_file(
                path,
                votes,
                contenders=args.contenders,
                prompts=args.prompts,
                annotators=args.annotators,
                texts=not args.no_texts,
            )
            for mode in args.modes:
                for number, code in enumerate(codes):
                    f = run(path, args.database_url, mode, code)
                    print(row(_cells(votes, path, f"{mode}:{number}", f), WIDTHS), flush=True)
                    if args.floor and mode == "write":
                        floor = copy_floor(args.database_url)
                        print(row(_cells(votes, path, "COPY", floor | {"votes": votes}), WIDTHS))
    print(f"load average after: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    elapsed = time.perf_counter() - started
    print(
        "COPY: the same rows COPYed back alone (no Python), the import's floor; "
        "CPU: the import process, DB CPU: its PostgreSQL backend"
    )
    print(f"target: >= 20000 votes/s at 200,000 votes; total bench time {elapsed:.0f} s")


HEADER = ("votes", "file MB", "mode", "seconds", "votes/s", "CPU s", "DB CPU s", "peak RSS MiB")
WIDTHS = (8, 8, 8, 8, 9, 7, 9, 13)


def _cells(votes: int, path: Path, mode: str, f: dict) -> tuple[str, ...]:
    def seconds(key: str) -> str:
        value = f.get(key)
        return "-" if value is None else f"{value:.2f}"

    return (
        f"{votes}",
        f"{path.stat().st_size / 1e6:.1f}",
        mode,
        f"{f['seconds']:.2f}",
        f"{f['votes'] / f['seconds']:.0f}",
        seconds("cpu"),
        seconds("db_cpu"),
        seconds("peak_mib") if "peak_mib" in f else "-",
    )


if __name__ == "__main__":
    main()
