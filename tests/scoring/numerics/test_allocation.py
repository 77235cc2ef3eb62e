"""Pair priorities (scoring.numerics.allocation): which pairs matter and how much a vote helps."""

from __future__ import annotations

import numpy as np

from scoring.numerics.allocation import (
    NEAR,
    NEIGHBOUR,
    SETTLED,
    neighbours_separated,
    pair_priorities,
)


def buckets(priorities):
    return {
        (int(i), int(j)): int(bucket)
        for i, j, bucket in zip(priorities.first, priorities.second, priorities.bucket, strict=True)
    }


def test_separated_pairs_are_settled_and_overlapping_neighbours_come_first():
    # 0 stands apart above; 1 and 2 overlap each other (neighbours); 3 overlaps 2 a little.
    rating = [1300, 1010, 1000, 940]
    lower = [1250, 960, 950, 895]
    upper = [1350, 1060, 1050, 950.2]

    priorities = pair_priorities(rating, lower, upper)
    result = buckets(priorities)

    assert result[(0, 1)] == result[(0, 2)] == result[(0, 3)] == SETTLED
    assert result[(1, 2)] == result[(2, 3)] == NEIGHBOUR
    assert result[(1, 3)] == SETTLED  # 1's lower bound is above 3's upper bound
    value = dict(zip(result, priorities.value.tolist(), strict=True))
    assert value[(1, 2)] > value[(2, 3)] > 0  # a sliver of overlap: less to gain per vote


def test_overlapping_pairs_two_places_apart_come_next_and_farther_ones_get_the_floor():
    rating = [1030, 1010, 990, 970]
    lower, upper = [950, 930, 910, 890], [1110, 1090, 1070, 1050]

    result = buckets(pair_priorities(rating, lower, upper))

    assert result == {
        (0, 1): NEIGHBOUR,
        (1, 2): NEIGHBOUR,
        (2, 3): NEIGHBOUR,
        (0, 2): NEAR,
        (1, 3): NEAR,
        (0, 3): SETTLED,
    }


def test_a_vote_never_promises_more_than_the_overlap_and_nothing_once_separated():
    rating = np.array([1000.0, 995.0, 700.0])
    lower, upper = rating - 40, rating + 40

    priorities = pair_priorities(rating, lower, upper)

    overlap = np.array([75.0, 0.0, 0.0])  # pairs (0, 1), (0, 2), (1, 2)
    assert np.all(priorities.value <= overlap + 1e-9)
    assert priorities.value[0] > 0 and priorities.value[1] == priorities.value[2] == 0
    assert priorities.separated.tolist() == [False, True, True]


def test_wider_intervals_promise_more_from_one_vote():
    narrow = pair_priorities([1000, 1000], [990, 990], [1010, 1010]).value[0]
    wide = pair_priorities([1000, 1000], [900, 900], [1100, 1100]).value[0]

    assert wide > narrow > 0


def test_neighbours_are_separated_only_when_no_adjacent_intervals_touch():
    assert neighbours_separated([950, 850, 750], [1050, 940, 840], [1000, 900, 800])
    assert not neighbours_separated([950, 850, 750], [1050, 951, 840], [1000, 900, 800])


def test_fewer_than_two_contenders_have_no_pairs():
    assert pair_priorities([1000], [900], [1100]).bucket.size == 0
    assert pair_priorities([], [], []).bucket.size == 0
