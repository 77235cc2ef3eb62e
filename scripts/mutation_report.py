"""Print the share of mutants killed per file and the survivors, from mutmut's results.

Run by `make mutants` after `mutmut run`, from the checkout (it reads mutants/**/*.meta).
A survivor listed in MUTANTS.md (a line `- <mutant name>: <reason>`) is counted as justified;
any other survivor makes the exit status non-zero.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    justified = set(
        re.findall(r"^- `?([\w.]+__mutmut_\d+)`?:", (ROOT / "MUTANTS.md").read_text(), re.M)
    )
    totals: Counter[str] = Counter()
    survivors: list[str] = []
    caught: set[str] = set()  # killed or timed out
    known: set[str] = set()
    for meta in sorted((ROOT / "mutants").glob("**/*.py.meta")):
        results = json.loads(meta.read_text())["exit_code_by_key"]
        counts = Counter(status_by_exit_code[code] for code in results.values())
        checked = sum(counts.values()) - counts["not checked"]
        if not checked:
            continue
        killed = counts["killed"] + counts["timeout"]
        name = meta.relative_to(ROOT / "mutants").as_posix().removesuffix(".meta")
        print(f"{name:40} {killed:4}/{checked:<4} killed ({100 * killed / checked:5.1f}%)")
        totals.update(counts)
        known.update(results)
        caught.update(
            k for k, code in results.items() if status_by_exit_code[code] in ("killed", "timeout")
        )
        survivors += [
            key
            for key, code in results.items()
            if status_by_exit_code[code] in ("survived", "no tests", "suspicious")
        ]
    checked = sum(totals.values()) - totals["not checked"]
    killed = totals["killed"] + totals["timeout"]
    if not checked:
        print("No mutant checked yet: run `make mutants` first.")
        return 1
    unexplained = sorted(set(survivors) - justified)
    print(
        f"{'all':40} {killed:4}/{checked:<4} killed ({100 * killed / checked:5.1f}%),"
        f" {len(survivors) - len(unexplained)} survivors justified in MUTANTS.md"
    )
    for name in unexplained:
        print(f"  survived: {name}   (mutmut show {name})")
    # A justified line whose mutant is now killed, or is no longer made (its number moved with
    # an edit), explains nothing: remove it, or give the mutant's new number.
    for name in sorted(justified & caught):
        print(f"  justified but killed: {name}")
    for name in sorted(justified - known):
        print(f"  justified but not a mutant any more: {name}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
