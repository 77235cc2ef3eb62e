"""The compact map of known prompts and responses answers as the dict it replaced would."""

from __future__ import annotations

import random

import pytest

from campaign.imports.known_texts import KnownTexts
from campaign.imports.vote_plan import Known


@pytest.mark.parametrize("cached", [0, 50, KnownTexts.CACHED])
def test_earlier_batches_entries_come_back_as_they_were_made(cached):
    # 0: every batch starts empty (all from the arrays); 50: the cache fills and empties.
    rng = random.Random(11)
    known: KnownTexts[tuple[str, str]] = KnownTexts()
    known.CACHED = cached
    reference: dict[tuple[str, str], Known] = {}
    for _batch in range(20):
        known.start_batch()
        asked = [(f"q{rng.randrange(300)}", rng.choice(["x", "y\0z", ""])) for _ in range(40)]
        known.load(asked)
        for key in asked:
            if key in reference:
                assert known.batch[key] == reference[key]
            elif key not in known.batch:
                fingerprint = rng.choice([None, hash(rng.random()), -(2**63), 2**63 - 1])
                pk = rng.choice([None, rng.randrange(2**40)])
                entry = (rng.randrange(10_000), fingerprint, pk)
                known.batch[key] = reference[key] = entry
        assert set(asked) <= known.batch.keys()
    known.start_batch()
    assert len(known) == len(reference)


def test_prompt_ids_are_keys_too():
    known: KnownTexts[str] = KnownTexts()
    known.CACHED = 0
    known.batch["q1"] = (3, None, 7)
    known.start_batch()
    known.load(["q1", "q2"])

    assert known.batch == {"q1": (3, None, 7)}
