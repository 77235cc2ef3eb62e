"""The compact store of planned votes answers as the dict it replaced would."""

from __future__ import annotations

import random

from campaign.imports.vote_keys import VoteKeys


def test_earlier_batches_votes_are_found_with_their_lines_and_others_are_not():
    rng = random.Random(3)
    keys, reference, line = VoteKeys(), {}, 0
    for _batch in range(20):
        asked = [rng.randrange(-(2**63), 2**63) for _ in range(50)]
        asked += rng.sample(sorted(reference), min(10, len(reference)))
        assert keys.earlier(asked) == {key: reference[key] for key in asked if key in reference}
        for key in asked:
            if key not in reference and key not in keys.batch:
                line += 1
                keys.batch[key] = line
        reference |= keys.batch
        keys.end_batch()
    assert len(keys) == len(reference)


def test_the_extreme_keys_are_found():
    keys = VoteKeys()
    keys.batch = {-(2**63): 1, 2**63 - 1: 2, 0: 3}
    keys.end_batch()

    assert keys.earlier([2**63 - 1, -(2**63), 5]) == {2**63 - 1: 2, -(2**63): 1}
