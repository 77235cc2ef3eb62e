"""Issue 16's hand-made mutants, re-applied one at a time to a copy of the source and tested.

Issue 16 ran 52 hand-made mutants: 12 survived. Each is written here as exact text
replacements on today's code: the original text must occur exactly once (else the script
stops before touching anything, so it fails loudly when the code moves). The mutants are
written into a scratch copy of the checkout's files (git's tracked and untracked, not ignored
ones), never into the checkout, so a run stopped at any point leaves the source as it was; each
file is restored in the copy after its mutant, and the mutant's focused test files run there
with ``pytest -x -q -p no:randomly``.
A mutant is killed when pytest reports a failing test (exit code 1); any other outcome
(collection error, ...) is reported as an error, not a kill. The first failure is printed
under each killed row, so one can see it fails for the right reason.

The issue names 11 behaviours for its 12 survivors; the 12th is taken to be the trust guard
``max(min_gold_seen, 1)`` in its second place (the tests' commit, df8be82, pins it "per request
and progress state"): then the per-request check (is_untrusted) and the progress state
(trust_status). Both now go through campaign/participants/trust.py ``trust_state`` (11a). The
guard appears twice more today, ``assess_trust``'s ``trusted`` (11b) and scoring's vectorised
``trusted_mask`` (11c), so all three run: 13 mutants. 11b changes only ``assess_trust``'s
``votes_count`` (the standing uses its ``state``), which test_trust.py pins at
``min_gold_seen`` 0.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crowdeval_handmade \\
    REDIS_URL=redis://127.0.0.1:6379/5 CROWDEVAL_REQUIRE_POSTGRES=1 \\
        nice -n 19 .venv/bin/python bench/mutants/issue16_handmade.py --create-db

``--create-db`` (the first run) is passed to the first pytest run; every run has
``--reuse-db``. ``--baseline`` runs every selected test file once, unmodified, instead.
Positional arguments select mutants by name (default: all).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = "campaign/annotate/assignment.py"
JUDGING = "campaign/annotate/judging.py"
RATINGS = "scoring/numerics/ratings.py"
TRUST = "campaign/participants/trust.py"
RULES_TESTS = ("tests/campaign/annotate/test_rules.py",)
RATING_TESTS = ("tests/scoring/numerics/test_rating_rules.py",)
AGREEMENT = "tests/scoring/numerics/test_trust_rule.py"  # hypothesis: trust.py vs scoring
TRUST_TESTS = (
    "tests/campaign/participants/test_trust.py",
    "tests/campaign/participants/test_trust_rules.py",
    "tests/web/test_progress_trust.py",
    AGREEMENT,
)
SCORING_TRUST_TESTS = (
    "tests/scoring/numerics/test_annotators.py",
    "tests/scoring/test_trust_semantics.py",
    AGREEMENT,
)


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    edits: tuple[tuple[str, str], ...]  # (original text, mutated text), each found once
    tests: tuple[str, ...]


MUTANTS = (
    # 1. Gold due but none unseen left: the regular lease is served without load + 1.
    Mutant("01-exhausted-gold-no-load", ENGINE, (("SET load = load + 1 WHERE id = ({regular})",
            "SET load = load + (NOT %(gold_due)s)::int WHERE id = ({regular})"),), RULES_TESTS),
    # 2. The reclaim sweep stops after one full batch.
    Mutant("02-reclaim-one-batch", ENGINE, (("if reclaimed < RECLAIM_BATCH_SIZE:",
            "if reclaimed <= RECLAIM_BATCH_SIZE:"),), RULES_TESTS),
    # 3. A tie is correct on a gold `a` item.
    Mutant("03-tie-correct-for-a", "campaign/models/work.py", (("return verdict < 0 if",
            "return verdict <= 0 if"),), RULES_TESTS),
    # 4. A late gold judgment needs room like a regular one (takes it, or is refused).
    Mutant("04-late-gold-needs-room", JUDGING, (
        ('        gold_side="",\n        load__lt=', "        load__lt="),
        ("if not (taken or assignment.is_gold):", "if not taken:"),
    ), RULES_TESTS),
    # 5-10. The ratings.
    Mutant("05-rounds-0-accepted", RATINGS, (("if rounds < 1:", "if rounds < 0:"),),
           RATING_TESTS),
    Mutant("06-touching-separate", RATINGS, (("(lower[None, :] > upper[:, None])",
            "(lower[None, :] >= upper[:, None])"),), RATING_TESTS),
    Mutant("07-interval-not-widened", RATINGS, (
        ("    lower, upper = np.minimum(lower, rating), np.maximum(upper, rating)\n", ""),
    ), RATING_TESTS),
    Mutant("08-unvoted-at-base", RATINGS, (("out[...] = elo.mean(axis=-1, keepdims=True)",
            "out[...] = base"),), RATING_TESTS),
    Mutant("09-prior-strength", "scoring/numerics/bt_newton.py", (("PRIOR_TIES = 1.0",
            "PRIOR_TIES = 2.0"),), RATING_TESTS),
    Mutant("10-rounded-sort", RATINGS, (("key=lambda row: (-row.rating, row.name)",
            "key=lambda row: (-round(row.rating, 2), row.name)"),), RATING_TESTS),
    # 11. The trust guard: nobody untrusted (or trusted) before a first gold judgment.
    Mutant("11a-guard-trust-state", TRUST, (("if seen < max(min_gold_seen, 1):",
            "if seen < min_gold_seen:"),), TRUST_TESTS),
    Mutant("11b-guard-assess-trust", TRUST, (("seen >= max(thresholds.min_gold_seen, 1)",
            "seen >= thresholds.min_gold_seen"),), TRUST_TESTS),
    Mutant("11c-guard-trusted-mask", "scoring/numerics/annotators.py", ((
        "(seen >= max(gold.min_gold_seen, 1))", "(seen >= gold.min_gold_seen)"),),
        SCORING_TRUST_TESTS),
)  # fmt: skip


def mutated(mutant: Mutant, original: str) -> str:
    text = original
    for old, new in mutant.edits:
        found = original.count(old)
        if found != 1:
            sys.exit(f"{mutant.name}: {old!r} occurs {found} times in {mutant.path}, not once")
        text = text.replace(old, new)
    return text


def scratch_copy(into: Path) -> Path:
    """The checkout's files (tracked, and untracked but not ignored) copied under ``into``."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        source, target = ROOT / name, into / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return into


def pytest(root: Path, files: tuple[str, ...], *, create_db: bool) -> tuple[int, float, str]:
    """pytest's exit code, its seconds, and its first FAILED/ERROR line (or its last line)."""
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly", "--reuse-db"]
    command += ["--create-db"] if create_db else []
    with tempfile.TemporaryDirectory() as hypothesis_dir:
        env = {k: v for k, v in os.environ.items() if k != "MUTANT_UNDER_TEST"}
        # No mutant's bytecode or hypothesis examples are kept for a later run.
        env.update(PYTHONDONTWRITEBYTECODE="1", HYPOTHESIS_STORAGE_DIRECTORY=hypothesis_dir)
        started = time.monotonic()
        done = subprocess.run([*command, *files], cwd=root, env=env, capture_output=True, text=True)
        seconds = time.monotonic() - started
    lines = done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or [""]
    failed = [line for line in lines if line.startswith(("FAILED ", "ERROR "))]
    return done.returncode, seconds, (failed or lines)[0 if failed else -1]


def run_mutant(root: Path, mutant: Mutant, *, create_db: bool) -> tuple[str, float, str]:
    path = root / mutant.path
    original = path.read_text()
    path.write_text(mutated(mutant, original))
    try:
        code, seconds, line = pytest(root, mutant.tests, create_db=create_db)
    finally:
        path.write_text(original)  # the copy serves the next mutant
    verdict = {0: "survived", 1: "killed"}.get(code, f"error ({code})")
    return verdict, seconds, line


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("names", nargs="*", help="mutants to run (default: all)")
    parser.add_argument("--create-db", action="store_true", help="passed to the first pytest")
    parser.add_argument("--baseline", action="store_true", help="the test files, unmutated")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see the module docstring).")
    chosen = [m for m in MUTANTS if not args.names or m.name in args.names]
    if unknown := set(args.names) - {m.name for m in MUTANTS}:
        sys.exit(f"Unknown mutants: {', '.join(sorted(unknown))}")
    for mutant in chosen:  # every mutant applies before any runs
        mutated(mutant, (ROOT / mutant.path).read_text())
    with tempfile.TemporaryDirectory(prefix="issue16-handmade-") as scratch:
        root = scratch_copy(Path(scratch))
        if args.baseline:
            files = tuple(dict.fromkeys(f for m in chosen for f in m.tests))
            code, seconds, line = pytest(root, files, create_db=args.create_db)
            print(
                f"baseline ({len(files)} files, no mutant): exit {code} in {seconds:.1f} s: {line}"
            )
            sys.exit(code)
        run_all(root, chosen, create_db=args.create_db)


def run_all(root: Path, chosen: list[Mutant], *, create_db: bool) -> None:
    print(f"{'mutant':<27} {'file':<33} {'result':<10} {'seconds':>7}")
    killed = 0
    for index, mutant in enumerate(chosen):
        verdict, seconds, line = run_mutant(root, mutant, create_db=create_db and index == 0)
        killed += verdict == "killed"
        print(f"{mutant.name:<27} {mutant.path:<33} {verdict:<10} {seconds:7.1f}", flush=True)
        if verdict != "survived":
            print(f"    {line}", flush=True)
    print(f"killed {killed} of {len(chosen)}")


if __name__ == "__main__":
    main()
