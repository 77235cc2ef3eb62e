"""A full scoring run beside an incremental one after NEW new judgments (issue 14, item 1).

Run through ``bench/score_campaign.py --incremental`` (same database, same build). Each
repeat: a full run (``full=True``: every judgment folded into fresh tallies), then NEW
judgments appended by COPY (created after every existing one; 10% gold, answered right by
the annotators the full run trusted and wrong by the others; regular ones by random
annotators who have not judged that comparison, a trusted one voting by the build's hidden
strengths and the others at random, as in the build), then an ordinary run, which folds only
those and, as a worker's run does when they are not due (scoring.extras_schedule), carries
the extra views forward, then a run that refits those extras (``extras=True``, nothing new
to fold): what a run costs when they are due. The runs' wall and CPU seconds and their step
breakdowns are printed side by side, with whether the second run really folded
incrementally (the snapshot's ``full_reason``) and why each refitted the extras or not.
The appended judgments are deleted at the end so ``--reuse`` finds the campaign as built.
The campaign's ``exclude_gold_spotters`` is turned off (and left off): with it on, each batch
of new votes moves a few borderline annotators of the synthetic crowd across the spotter bar,
which rightly forces a full run, and the second run would measure nothing new. Prints
figures, asserts no timings.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

from bench.score_campaign import (
    JUDGMENT_COLUMNS,
    SLUG,
    TIE_SHARE,
    copy_rows,
    cpu_timed,
    database_url,
)


def append_judgments(db: str, campaign_id: int, trusted: set[int], count: int, seed: int) -> None:
    """``count`` new judgments after every existing one (see the module docstring)."""
    rng = np.random.default_rng(seed)
    with psycopg.connect(database_url(db)) as conn:
        last = conn.execute(
            "SELECT max(created_at) FROM campaign_judgment WHERE campaign_id = %s", [campaign_id]
        ).fetchone()[0]
        annotators = np.array(
            [
                row[0]
                for row in conn.execute(
                    "SELECT DISTINCT annotator_id FROM campaign_judgment WHERE campaign_id = %s",
                    [campaign_id],
                )
            ]
        )
        gold = conn.execute(
            "SELECT id, gold_side FROM campaign_comparison WHERE campaign_id = %s "
            "AND gold_side <> ''",
            [campaign_id],
        ).fetchall()
        regular = conn.execute(
            "SELECT c.id, ca.name, cb.name FROM campaign_comparison c "
            "JOIN campaign_response ra ON ra.id = c.response_a_id "
            "JOIN campaign_contender ca ON ca.id = ra.contender_id "
            "JOIN campaign_response rb ON rb.id = c.response_b_id "
            "JOIN campaign_contender cb ON cb.id = rb.contender_id "
            "WHERE c.campaign_id = %s AND c.gold_side = '' ORDER BY random() LIMIT %s",
            [campaign_id, count * 2],
        ).fetchall()
        items = [(pk, "") for pk, _a, _b in regular]
        # The build's hidden strengths (the first draw of its generator; contenders are named
        # model-00, model-01...): trusted annotators vote by them as in the build, so the
        # new judgments do not change whose votes count (which would force a full run).
        contenders = conn.execute(
            "SELECT count(*) FROM campaign_contender WHERE campaign_id = %s", [campaign_id]
        ).fetchone()[0]
        strength = np.random.default_rng(0).normal(0.0, 1.0, contenders)
        p_a = {
            pk: 1.0 / (1.0 + np.exp(strength[int(b[6:])] - strength[int(a[6:])]))
            for pk, a, b in regular
        }
        picks = [items[k % len(items)] for k in range(count)]
        for k in range(count // 10):  # a tenth gold, as in the build
            picks[k * 10] = gold[int(rng.integers(len(gold)))]
        existing = set(
            conn.execute(
                "SELECT comparison_id, annotator_id FROM campaign_judgment "
                "WHERE comparison_id = ANY(%s)",
                [[pk for pk, _side in picks]],
            ).fetchall()
        )
        lines = []
        for k, (pk, side) in enumerate(picks):
            annotator = int(annotators[int(rng.integers(annotators.size))])
            while (pk, annotator) in existing:
                annotator = int(annotators[int(rng.integers(annotators.size))])
            existing.add((pk, annotator))
            sign = int(rng.integers(-1, 2))
            if side:
                # Right if trusted, wrong if not: nobody's trust changes, which would force a
                # full run (this bench measures the fold; the fallback costs a full run).
                sign = (-1 if side == "a" else 1) * (1 if annotator in trusted else -1)
            elif annotator in trusted:
                sign = 0 if rng.random() < TIE_SHARE else (-1 if rng.random() < p_a[pk] else 1)
            verdict = sign * int(rng.integers(1, 3))
            correct = "\\N" if not side else ("t" if sign == (-1 if side == "a" else 1) else "f")
            moment = last + datetime.timedelta(milliseconds=100 * (k + 1))
            seconds = round(float(rng.lognormal(np.log(25.0), 0.5)), 3)
            lines.append(
                f"{campaign_id}\t{pk}\t{annotator}\t{verdict}\t{'ab'[k % 2]}\t{seconds}\t\t"
                f"{'t' if side else 'f'}\t{correct}\t{moment.isoformat()}\n"
            )
        copy_rows(conn, "campaign_judgment", JUDGMENT_COLUMNS, lines)


def run_incremental(args: argparse.Namespace) -> None:
    from campaign.models import Campaign, Judgment
    from scoring.jobs import run_scoring_job
    from scoring.models import Snapshot

    campaign = Campaign.objects.get(slug=SLUG)
    # The synthetic crowd's agreement is low and even: every batch of new votes moves a few
    # honest annotators across the gold-spotter bar, and whether their votes count changing
    # forces a full run (scoring.incremental). With spotters' votes kept, the second run folds.
    Campaign.objects.filter(pk=campaign.pk).update(exclude_gold_spotters=False)
    campaign.refresh_from_db()
    built_max = Judgment.objects.filter(campaign=campaign).order_by("-pk").values("pk")[0]["pk"]
    pairs: list[tuple[Any, ...]] = []
    try:
        for repeat in range(args.repeat):
            Snapshot.objects.filter(campaign=campaign).delete()
            full = with_server(
                lambda: cpu_timed(
                    lambda: run_scoring_job(campaign.pk, rounds=args.rounds, full=True)
                )
            )
            trusted = {row["user_id"] for row in full[2].snapshot.annotators if row["trusted"]}
            append_judgments(args.db, campaign.pk, trusted, args.new, seed=repeat)
            folded = with_server(
                lambda: cpu_timed(
                    lambda: profiled(
                        args.profile,
                        # As a worker's run after 1% more judgments within ten minutes: the
                        # extras are not due. (Without REDIS_URL, as here, they always are:
                        # no worker would come back for them.)
                        lambda: run_scoring_job(campaign.pk, rounds=args.rounds, extras=False),
                    )
                )
            )
            # The extras' refit that the incremental run left for later (when due: growth or
            # age, scoring.extras_schedule), asked for now, with nothing new to fold.
            refit = with_server(
                lambda: cpu_timed(
                    lambda: run_scoring_job(campaign.pk, rounds=args.rounds, extras=True)
                )
            )
            pairs.append((full, folded, refit))
    finally:
        Judgment.objects.filter(campaign=campaign, pk__gt=built_max).delete()
    print_pairs(args, pairs)


def profiled(path: str | None, run: Callable[[], Any]) -> Any:
    """``run()``, under cProfile with a CPU clock when ``path`` names where to dump its
    stats (then the heaviest 30 functions by cumulative CPU are printed too)."""
    if not path:
        return run()
    import cProfile
    import pstats
    import time

    profile = cProfile.Profile(time.process_time)
    result = profile.runcall(run)
    profile.dump_stats(path)
    pstats.Stats(path).sort_stats("cumulative").print_stats(30)
    return result


def server_cpu() -> float:
    """CPU seconds the PostgreSQL server has spent so far: every live process of it, and
    those it has reaped (its postmaster's children's time). That takes in the run's own
    backend and its shared readers (scoring.shared_reads), which open and end within the
    run; also whatever else the server does meanwhile (measure on a quiet machine). Read
    from /proc: the bench's database is on this machine."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended meanwhile: its time is in its parent's now
            continue
        if text[text.index("(") + 1 : text.rindex(")")] != "postgres":
            continue
        fields = text.rsplit(")", 1)[1].split()
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / os.sysconf("SC_CLK_TCK")


def with_server(run: Callable[[], tuple[float, float, Any]]) -> tuple[float, float, Any, float]:
    """``run``'s (wall, CPU, result) and the CPU seconds the database server spent."""
    before = server_cpu()
    seconds, cpu, result = run()
    return seconds, cpu, result, server_cpu() - before


COLUMNS = ("full", "incremental", "extras refit")


def print_pairs(args: argparse.Namespace, pairs: list[tuple[Any, ...]]) -> None:
    middle = pairs[len(pairs) // 2]
    snapshots = [run[2].snapshot for run in middle]
    a, b = snapshots[0], snapshots[1]
    print(
        f"\n{a.judgments:,} judgments, then {args.new:,} new; {args.rounds} bootstrap rounds; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)"
    )
    print(f"second run folded: {b.stats['full_reason'] or 'only the new judgments'}")
    print(
        "second run's extras: "
        f"{b.stats['extras_refit'] or 'carried from the full run'}; "
        f"third run: the extras refitted, asked for ({snapshots[2].stats['extras_refit']})"
    )
    widths = [max(9, len(name)) for name in COLUMNS]
    header = " ".join(f"{name:>{width}}" for name, width in zip(COLUMNS, widths, strict=True))
    print(f"\n{'step (median repeat)':<44} {header}")
    keys = dict.fromkeys(key for snapshot in snapshots for key in snapshot.stats["timings"])
    for key in keys:
        cells = " ".join(
            f"{snapshot.stats['timings'].get(key, 0.0):{width}.3f}"
            for snapshot, width in zip(snapshots, widths, strict=True)
        )
        print(f"  {key:<42} {cells}")
    for title, index in (
        ("whole job, wall seconds (each repeat)", 0),
        ("whole job, CPU seconds of this process", 1),
        ("whole job, CPU seconds of the database server", 3),
    ):
        print(f"{title:<44}")
        for runs in pairs:
            cells = " ".join(
                f"{run[index]:{width}.3f}" for run, width in zip(runs, widths, strict=True)
            )
            print(f"{'':<44} {cells}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MiB")
    print(
        "\ntarget: incremental run < 1 s: "
        f"{'met' if max(runs[1][0] for runs in pairs) < 1.0 else 'NOT met'}"
    )
