"""Print line and branch coverage per app from a coverage data file (README, "Development").

    .venv/bin/python scripts/coverage_by_app.py [.coverage] [app ...]

Apps default to accounts, api, campaign and scoring. Run after a pytest-cov run (and, for the
SQLite pass, `coverage combine`).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

APPS = ("accounts", "api", "campaign", "scoring")


def main(argv: list[str]) -> int:
    data = argv[0] if argv else ".coverage"
    apps = tuple(argv[1:]) or APPS
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "coverage.json"
        subprocess.run(  # noqa: S603 - our own coverage, fixed arguments
            [sys.executable, "-m", "coverage", "json", f"--data-file={data}", "-q", "-o", report],
            check=True,
        )
        files = json.loads(report.read_text())["files"]
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for name, entry in files.items():
        app = Path(name).parts[0]
        if app in apps:
            summary = entry["summary"]
            totals[app][0] += summary["covered_lines"]
            totals[app][1] += summary["num_statements"]
            totals[app][2] += summary.get("covered_branches", 0)
            totals[app][3] += summary.get("num_branches", 0)
    print(f"{'app':10} {'lines':>16} {'branches':>16}")
    for app in apps:
        lines, statements, branches, all_branches = totals[app]
        print(
            f"{app:10} {100 * lines / max(statements, 1):6.1f}% {lines:4}/{statements:<4}"
            f" {100 * branches / max(all_branches, 1):6.1f}% {branches:4}/{all_branches:<4}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
