"""Annotator scores at campaign scale: 500 annotators, 200,000 judgments, under 2 seconds?

    .venv/bin/python bench/annotator_scores.py [--annotators 500] [--judgments 200000]

Synthetic campaign (seeded): non-gold comparisons judged by three annotators each, 10% of
judgments on gold, verdicts -2…+2 noisy around each comparison's truth, random left/right
placement, log-normal seconds. Times `score_annotators` (accuracy, trust, leave-one-out
agreement, flags) and the campaign's ordinal Krippendorff alpha, and, side by side, the
`krippendorff` package fed the usual annotators x comparisons matrix (the route we avoid).
"""

from __future__ import annotations

import argparse
import time

import krippendorff
import numpy as np

from scoring.numerics.agreement import krippendorff_alpha
from scoring.numerics.annotators import Judgments, score_annotators


def synthetic_judgments(n_annotators: int, n_judgments: int, seed: int = 0) -> Judgments:
    rng = np.random.default_rng(seed)
    n_gold_judgments = n_judgments // 10
    n_ordinary = n_judgments - n_gold_judgments
    n_comparisons = n_ordinary // 3
    truth = rng.integers(-2, 3, n_comparisons)
    comparison = np.repeat(np.arange(n_comparisons), 3)[:n_ordinary]
    gold_pool = 400
    gold_comparison = n_comparisons + rng.integers(0, gold_pool, n_gold_judgments)
    gold_answer = np.where(rng.random(gold_pool) < 0.5, -1, 1)
    annotator = rng.integers(0, n_annotators, n_judgments)
    skill = rng.uniform(0.6, 0.95, n_annotators)[annotator]
    noise = rng.integers(-1, 2, n_judgments) * (rng.random(n_judgments) > skill)
    ordinary_verdict = np.clip(truth[comparison] + noise[:n_ordinary], -2, 2)
    gold_correct = rng.random(n_gold_judgments) < skill[n_ordinary:]
    gold_side = gold_answer[gold_comparison - n_comparisons]
    gold_verdict = np.where(gold_correct, gold_side, -gold_side) * rng.integers(
        1, 3, n_gold_judgments
    )
    return Judgments(
        annotator=annotator,
        comparison=np.concatenate([comparison, gold_comparison]),
        verdict=np.concatenate([ordinary_verdict, gold_verdict]),
        a_on_left=rng.random(n_judgments) < 0.5,
        seconds=rng.lognormal(np.log(25.0), 0.5, n_judgments),
        gold=np.concatenate([np.zeros(n_ordinary, dtype=int), gold_side]),
        n_annotators=n_annotators,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--annotators", type=int, default=500)
    parser.add_argument("--judgments", type=int, default=200_000)
    arguments = parser.parse_args()
    judgments = synthetic_judgments(arguments.annotators, arguments.judgments)
    print(f"{arguments.annotators} annotators, {arguments.judgments:,} judgments")

    start = time.perf_counter()
    scores = score_annotators(judgments)
    seconds_scores = time.perf_counter() - start
    start = time.perf_counter()
    ordinary = judgments.gold == 0
    alpha = krippendorff_alpha(judgments.comparison[ordinary], judgments.verdict[ordinary])
    seconds_alpha = time.perf_counter() - start
    total = seconds_scores + seconds_alpha

    start = time.perf_counter()
    units, unit = np.unique(judgments.comparison[ordinary], return_inverse=True)
    matrix = np.full((arguments.annotators, units.size), np.nan)
    matrix[judgments.annotator[ordinary], unit] = judgments.verdict[ordinary]
    package_alpha = krippendorff.alpha(
        reliability_data=matrix, value_domain=[-2, -1, 0, 1, 2], level_of_measurement="ordinal"
    )
    seconds_package = time.perf_counter() - start

    print()
    print(f"{'step':<62} {'seconds':>8}  {'alpha':>7}")
    print(
        f"{'ours: score_annotators (accuracy, trust, agreement, flags)':<62} {seconds_scores:8.3f}"
    )
    print(
        f"{'ours: ordinal alpha (count table → krippendorff)':<62} "
        f"{seconds_alpha:8.3f}  {alpha:7.4f}"
    )
    print(f"{'ours: total':<62} {total:8.3f}")
    print(
        f"{'krippendorff.alpha on a 500 x comparisons matrix':<62} "
        f"{seconds_package:8.3f}  {package_alpha:7.4f}"
    )
    print()
    trusted = sum(score.trusted for score in scores)
    flagged = sum(bool(score.flags) for score in scores)
    print(
        f"{trusted} trusted, {flagged} with a flag; "
        f"target total < 2 s: {'met' if total < 2.0 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
