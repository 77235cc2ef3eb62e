"""Drop the copies in mutants/ that no longer match the checkout, before `mutmut run`.

Run by `make mutants`. mutmut 3.8 copies the checkout into mutants/ only where a copy is
missing, so an edited test or helper would keep running in its old form, and its
covered-lines pass (mutate_only_covered_lines) would measure an edited rule file through its
old mutated copy, whose line numbers no longer match: after editing bt_newton.py it produced
6 mutants of `solve` instead of hundreds. A removed copy is copied again; a rule file whose
copy is removed gets fresh mutants, and its results (the .meta) are dropped with it.
"""

from __future__ import annotations

import filecmp
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
OWN_FILES = (".meta", ".spans")  # mutmut's bookkeeping next to each mutated file


def stale_copies() -> list[Path]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    mutated = {MUTANTS / path for path in config["only_mutate"]}
    stale = []
    for copy in MUTANTS.rglob("*"):
        relative = copy.relative_to(MUTANTS)
        if (
            not copy.is_file()
            or copy.suffix in OWN_FILES
            or copy.name.startswith("mutmut-")
            or any(part.startswith(".") or part == "__pycache__" for part in relative.parts)
        ):
            continue  # mutmut's own files, caches
        source = ROOT / relative
        if copy in mutated:
            # A mutated copy never equals its source; it is stale once the source is newer.
            if not source.exists() or source.stat().st_mtime > copy.stat().st_mtime:
                own = [copy.with_name(copy.name + suffix) for suffix in OWN_FILES]
                stale += [copy, *(path for path in own if path.exists())]
        elif not source.exists() or not filecmp.cmp(source, copy, shallow=False):
            stale.append(copy)
    return stale


def main() -> int:
    if not MUTANTS.is_dir():
        return 0
    stale = stale_copies()
    for path in stale:
        path.unlink()
    if stale:
        print(f"mutants/: {len(stale)} stale copies removed, mutmut copies them again")
    return 0


if __name__ == "__main__":
    sys.exit(main())
