"""The compact map of planned comparisons answers as the dict it replaced would."""

from __future__ import annotations

import random

from campaign.imports.comparison_map import ComparisonMap
from campaign.imports.vote_plan import PlannedComparison


def test_earlier_batches_comparisons_come_back_with_what_was_changed_on_them():
    rng = random.Random(5)
    comparisons = ComparisonMap()
    reference: dict[bytes, tuple[str, str, int | None, bool, int]] = {}
    for _batch in range(20):
        comparisons.start_batch()
        asked = [rng.randbytes(16) for _ in range(30)]
        asked += rng.sample(sorted(reference), min(15, len(reference)))
        # Keys ending in NUL bytes, which numpy's S16 drops when it hands a key back.
        asked.append(rng.randbytes(14) + b"\0\0")
        comparisons.load(asked)
        for key in asked:
            comparison = comparisons.batch.get(key)
            if key in reference:
                assert comparison is not None
                state = (
                    comparison.model_a,
                    comparison.gold_side,
                    comparison.pk,
                    comparison.stored,
                    comparison.regular_votes,
                )
                assert state == reference[key]
            else:
                assert comparison is None
                pk = rng.choice([None, rng.randrange(1, 2**40)])
                model = rng.choice(["x", "y", "z"])
                comparison = PlannedComparison(model, rng.choice(["", "a", "b"]), pk, stored=False)
                comparisons.batch[key] = comparison
            # What the planner and the writer change between batches.
            comparison.regular_votes = rng.randrange(5)
            comparison.stored = rng.random() < 0.5
            reference[key] = (
                comparison.model_a,
                comparison.gold_side,
                comparison.pk,
                comparison.stored,
                comparison.regular_votes,
            )
    comparisons.start_batch()
    assert len(comparisons) == len(reference)
