"""Adaptive vs uniform allocation: judgments needed to reach the true ranking (issue 15).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crowdeval_adaptive_bench \\
        .venv/bin/python bench/adaptive.py [--quick] [--seeds 5]

A simulated contest through the real services on PostgreSQL: `create_campaign`, `import_items`
(every pair of contenders on every prompt), `next_assignment` / `judge_and_next` for each
judgment, and the scoring job (`run_scoring_job`, which also writes adaptive allocation's
priorities) every ``--score-every`` judgments. Contenders have known strengths, evenly spaced
on the Elo scale (``--spacing``) in a random order of names. Each comparison has a true
winner, drawn once per seed from Bradley-Terry on the true strengths; honest annotators, with
accuracies drawn uniformly from 0.6-0.95, report it with their accuracy and the other side
otherwise, on the 2-point scale. The campaign has no gold, so every vote counts (gold costs
both arms the same share of judgments and would only blur the comparison).

A run stops at the first scoring run whose board orders the contenders as the truth does
with every pair of neighbours separated (95% intervals disjoint), or at ``--budget``
judgments (a failure: no correct final ranking). It also notes the judgments until Kendall's
tau against the truth first reached 0.95; ``--until tau`` stops there instead (the issue's
alternative criterion, reachable at full size in minutes). Uniform and adaptive play the same
seeds: same strengths, same truths, same annotators (the engine's own draws, shuffle keys and
screen sides, are not seeded). The database named by DATABASE_URL is migrated if needed;
each run's campaign is deleted afterwards. ``--arms`` plays one allocation only (no summary).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FULL = {"contenders": 20, "prompts": 500, "annotators": 200, "seeds": 5, "score_every": 250}
QUICK = {"contenders": 8, "prompts": 200, "annotators": 40, "seeds": 2, "score_every": 40}


@dataclass(frozen=True)
class Outcome:
    judgments: int  # until the board was right and separated, or the budget
    correct: bool  # reached the right, separated board within the budget
    tau_judgments: int | None  # until Kendall's tau >= 0.95 (None: never)
    seconds: float
    scoring_runs: int


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller contest, a few minutes")
    parser.add_argument("--seeds", type=int)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--spacing", type=float, default=200.0, help="Elo between neighbours")
    parser.add_argument("--score-every", type=int, help="judgments between scoring runs")
    parser.add_argument("--rounds", type=int, default=400, help="bootstrap rounds per run")
    parser.add_argument("--budget", type=int, default=60_000, help="judgments per run at most")
    parser.add_argument("--cap", type=int, default=3, help="judgments_per_comparison")
    parser.add_argument(
        "--until",
        choices=("separated", "tau"),
        default="separated",
        help="stop at the right order with neighbours separated, or at Kendall tau >= 0.95",
    )
    parser.add_argument(
        "--arms", default="adaptive,uniform", help="allocations to play (the report needs both)"
    )
    args = parser.parse_args()
    size = dict(QUICK if args.quick else FULL)
    seeds = args.seeds or size["seeds"]
    score_every = args.score_every or size["score_every"]

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is migrated, campaigns deleted).")
    os.environ.pop("REDIS_URL", None)  # the bench runs the scoring job itself
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    from campaign.events import ScoringReactions, register_scoring

    call_command("migrate", verbosity=0)
    from django.db import connection

    # Both arms alike: commits need not wait for the disk here (this box's fsync dominates).
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    # Judgments would start background runs; here the loop scores at fixed points instead.
    register_scoring(ScoringReactions(lambda _id: None, lambda _campaign: None))  # type: ignore[arg-type,return-value]

    print(
        f"{size['contenders']} contenders {args.spacing:.0f} Elo apart, {size['prompts']} prompts "
        f"(every pair), {size['annotators']} annotators (accuracy 0.6-0.95), cap "
        f"{args.cap}, floor 1, scoring every {score_every} judgments ({args.rounds} rounds), "
        f"budget {args.budget}"
    )
    results: dict[str, list[Outcome]] = {"uniform": [], "adaptive": []}
    for seed in range(args.first_seed, args.first_seed + seeds):
        for allocation in args.arms.split(","):
            outcome = play(
                seed=seed,
                allocation=allocation,
                contenders=size["contenders"],
                prompts=size["prompts"],
                annotators=size["annotators"],
                spacing=args.spacing,
                score_every=score_every,
                rounds=args.rounds,
                budget=args.budget,
                cap=args.cap,
                until=args.until,
            )
            results[allocation].append(outcome)
            tau = outcome.tau_judgments if outcome.tau_judgments is not None else "-"
            print(
                f"seed {seed} {allocation:8}: {outcome.judgments:6d} judgments "
                f"({('stopped: ' + args.until) if outcome.correct else 'BUDGET REACHED'}), "
                f"tau >= 0.95 after {tau}; {outcome.scoring_runs} scoring runs, "
                f"{outcome.seconds:.0f} s",
                flush=True,
            )
    if results["uniform"] and results["adaptive"]:
        report(results, seeds)


def report(results: dict[str, list[Outcome]], seeds: int) -> None:
    uniform, adaptive = results["uniform"], results["adaptive"]
    for name, outcomes in results.items():
        needed = [o.judgments for o in outcomes]
        taus = [o.tau_judgments for o in outcomes if o.tau_judgments is not None]
        print(
            f"{name:8}: mean {np.mean(needed):.0f} judgments (median {np.median(needed):.0f}), "
            f"correct final rankings {sum(o.correct for o in outcomes)}/{len(outcomes)}, "
            f"tau >= 0.95 after mean {np.mean(taus) if taus else float('nan'):.0f}"
        )
    paired = [1 - a.judgments / u.judgments for u, a in zip(uniform, adaptive, strict=True)]
    saving = 1 - sum(o.judgments for o in adaptive) / sum(o.judgments for o in uniform)
    print(f"per seed: {', '.join(f'{p:.0%}' for p in paired)} fewer")
    print(f"adaptive needs {saving:.0%} fewer judgments than uniform ({seeds} seeds)")


def play(
    *,
    seed: int,
    allocation: str,
    contenders: int,
    prompts: int,
    annotators: int,
    spacing: float,
    score_every: int,
    rounds: int,
    budget: int,
    cap: int,
    until: str,
) -> Outcome:
    from scipy.special import expit
    from scipy.stats import kendalltau

    from campaign.annotate.assignment import next_assignment
    from campaign.annotate.judging import judge_and_next
    from campaign.imports.items import import_items
    from campaign.models import Campaign, Comparison, Enrollment
    from campaign.participants.enrolment import enroll_new_accounts
    from campaign.services import create_campaign
    from scoring.jobs import run_scoring_job
    from scoring.numerics.ratings import ELO_PER_NAT

    rng = np.random.default_rng(seed)
    names = [f"model-{k:02d}" for k in range(contenders)]
    strength = dict(zip(names, rng.permutation(contenders) * spacing, strict=True))
    truth = sorted(names, key=lambda name: -strength[name])
    accuracy = rng.uniform(0.6, 0.95, annotators)
    stamp = f"{seed}-{allocation}-{time.time_ns()}"
    campaign = create_campaign(
        slug=f"adaptive-bench-{stamp}"[:64],
        title="Adaptive bench",
        status=Campaign.Status.OPEN,
        scale=Campaign.Scale.TWO_POINT,
        judgments_per_comparison=cap,
        allocation=allocation,
        qualification_gold=0,
        gold_rate=0.0,
    )
    try:
        rows = [
            {"id": f"q{p}", "prompt": f"Prompt {p}", "responses": {n: f"{n} on {p}" for n in names}}
            for p in range(prompts)
        ]
        source = io.BytesIO("\n".join(json.dumps(row) for row in rows).encode())
        source.name = "items.jsonl"  # type: ignore[attr-defined]
        report = import_items(campaign, source, file_format="jsonl")
        assert report.ok, report.summary()
        users = enroll_new_accounts(
            campaign=campaign, usernames=[f"bench-{stamp}-{k}" for k in range(annotators)]
        )
        enrollments = {
            e.user_id: e
            for e in Enrollment.objects.filter(campaign=campaign).select_related("campaign")
        }
        # Each comparison's true winner, the same for both arms of a seed.
        truth_of: dict[int, str] = {}
        comparisons = Comparison.objects.filter(campaign=campaign).values_list(
            "pk",
            "prompt__external_id",
            "response_a__contender__name",
            "response_b__contender__name",
        )
        for pk, prompt, a, b in comparisons:
            draw = np.random.default_rng([seed, int(prompt[1:]), names.index(a), names.index(b)])
            p_a = expit((strength[a] - strength[b]) / ELO_PER_NAT)
            truth_of[pk] = "a" if draw.random() < p_a else "b"

        started = time.perf_counter()
        held: dict[int, object] = {}
        active = list(range(annotators))
        judged = runs = 0
        tau_at: int | None = None
        while judged < budget and active:
            slot = int(rng.integers(len(active)))
            user = users[active[slot]]
            lease = held.get(user.pk) or next_assignment(annotator=user, campaign=campaign)
            if lease is None:
                active.pop(slot)
                continue
            right = rng.random() < accuracy[active[slot]]
            side = truth_of[lease.comparison_id]  # type: ignore[attr-defined]
            chosen = side if right else ("b" if side == "a" else "a")
            choice = -1 if chosen == lease.left_side else 1  # type: ignore[attr-defined]
            outcome = judge_and_next(
                enrollment=enrollments[user.pk],
                assignment_key=lease.key,  # type: ignore[attr-defined]
                choice=choice,
                seconds=10.0,
            )
            held[user.pk] = outcome.next_assignment
            judged += 1
            if judged % score_every:
                continue
            result = run_scoring_job(campaign.pk, rounds=rounds)
            runs += 1
            board = result.snapshot.contenders if result.snapshot else []
            order = [row["name"] for row in board]
            if tau_at is None and len(order) == contenders:
                tau = kendalltau([truth.index(n) for n in order], range(contenders)).statistic
                if tau >= 0.95:
                    tau_at = judged
            separated = all(
                board[k]["ci_lower"] > board[k + 1]["ci_upper"] for k in range(len(board) - 1)
            )
            if (order == truth and separated) or (until == "tau" and tau_at is not None):
                seconds = time.perf_counter() - started
                return Outcome(judged, True, tau_at, seconds, runs)
        return Outcome(judged, False, tau_at, time.perf_counter() - started, runs)
    finally:
        _delete(campaign.pk)


def _delete(campaign_id: int) -> None:
    """The run's campaign and everything in it, in bulk (the ORM's cascade collects rows in
    Python and names each one in a query: too many at 95,000 comparisons)."""
    from django.db import connection, transaction

    tables = ("campaign_judgment", "campaign_assignment", "campaign_comparison")
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table} WHERE campaign_id = %s", [campaign_id])  # noqa: S608
        cursor.execute(
            "DELETE FROM campaign_response WHERE prompt_id IN"
            " (SELECT id FROM campaign_prompt WHERE campaign_id = %s)",
            [campaign_id],
        )
        for table in ("campaign_prompt", "campaign_contender", "campaign_enrollment"):
            cursor.execute(f"DELETE FROM {table} WHERE campaign_id = %s", [campaign_id])  # noqa: S608
        cursor.execute("DELETE FROM scoring_snapshot WHERE campaign_id = %s", [campaign_id])
        cursor.execute("DELETE FROM campaign_campaign WHERE id = %s", [campaign_id])


if __name__ == "__main__":
    main()
