"""Run one bench script on two commits, interleaved, so their figures share the same noise.

The machine is shared and noisy: a figure measured an hour ago says little about one measured
now. This checks out ``--base`` (default: the commit before HEAD) in a temporary git worktree,
then runs the same bench script with the same arguments from that worktree and from this
checkout, alternating, ``--runs`` times each, and prints every labelled output beside the
other. Lines that hold figures are repeated at the end, one column per run, so "before" and
"after" read side by side.

    .venv/bin/python bench/compare.py --base 49b62d5 bench/judge_cost.py --requests 1000
    .venv/bin/python bench/compare.py --runs 3 bench/score_campaign.py --quick --reuse

The script runs with this checkout's virtualenv in both places; a bench that builds its own
database (judge_cost, score_campaign) rebuilds or reuses it exactly as it would alone.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURE = re.compile(r"\d+\.\d+")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="HEAD~1", help="the commit to compare against")
    parser.add_argument("--runs", type=int, default=2, help="runs of each commit")
    parser.add_argument("script", help="the bench script, relative to the repository root")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the script's own arguments")
    return parser.parse_args()


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def run(checkout: Path, script: str, args: list[str]) -> list[str]:
    completed = subprocess.run(
        [sys.executable, str(checkout / script), *args],
        cwd=checkout,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        sys.exit(f"{script} failed in {checkout}:\n{completed.stderr[-2000:]}")
    return completed.stdout.splitlines()


def main() -> None:
    options = parse_args()
    base = git("rev-parse", "--short", options.base)
    head = git("rev-parse", "--short", "HEAD")
    if git("status", "--porcelain"):
        head += "+changes"
    workdir = Path(tempfile.mkdtemp(prefix="crowdeval-compare-"))
    base_checkout = workdir / "base"
    git("worktree", "add", "--detach", str(base_checkout), base)
    try:
        outputs: dict[str, list[list[str]]] = {base: [], head: []}
        for number in range(1, options.runs + 1):
            for label, checkout in ((base, base_checkout), (head, ROOT)):
                lines = run(checkout, options.script, options.args)
                outputs[label].append(lines)
                print(f"--- {label}, run {number}")
                print("\n".join(lines), flush=True)
        print_side_by_side(outputs)
    finally:
        git("worktree", "remove", "--force", str(base_checkout))
        shutil.rmtree(workdir, ignore_errors=True)


def print_side_by_side(outputs: dict[str, list[list[str]]]) -> None:
    """Each line with figures, once, followed by every run's figures on it. Lines are
    matched by their text before the figures, so a step one commit has and the other has
    not shows "-" on that side instead of shifting the lines below it."""
    labels = list(outputs)
    runs = " | ".join(f"{label} x{len(outputs[label])}" for label in labels)
    print(f"\n=== side by side: {runs}")
    titles: dict[str, None] = {}  # every figure line's title, in order of first appearance
    for label in labels:
        for lines in outputs[label]:
            titles.update((_title(line), None) for line in lines if FIGURE.search(line))
    for title in titles:
        columns = []
        for label in labels:
            figures = []
            for lines in outputs[label]:
                found = [line for line in lines if FIGURE.search(line) and _title(line) == title]
                figures.append(" ".join(FIGURE.findall(found[0])[:2]) if found else "-")
            columns.append(", ".join(figures))
        print(f"{title[:56]:<56} " + " | ".join(columns))


def _title(line: str) -> str:
    return FIGURE.split(line)[0].strip()


if __name__ == "__main__":
    main()
