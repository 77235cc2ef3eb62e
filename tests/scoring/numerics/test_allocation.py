"""Pair priorities (scoring.numerics.allocation): which pairs matter and how much a vote helps."""

from __future__ import annotations

import numpy as np

from scoring.numerics.allocation import (
    NEIGHBOUR,
    OVERLAPPING,
    SETTLED,
    TOP,
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

    result = buckets(pair_priorities(rating, lower, upper))

    assert result[(0, 1)] == result[(0, 2)] == result[(0, 3)] == SETTLED
    assert result[(1, 2)] == TOP  # deep overlap: the most to gain
    assert result[(2, 3)] == NEIGHBOUR  # a sliver of overlap: less to gain per vote
    assert result[(1, 3)] == SETTLED  # 1's lower bound is above 3's upper bound


def test_overlapping_pairs_that_are_not_neighbours_get_the_lowest_urgent_bucket():
    rating, lower, upper = [1020, 1000, 980], [940, 920, 900], [1100, 1080, 1060]

    result = buckets(pair_priorities(rating, lower, upper))

    assert result == {(0, 1): TOP, (1, 2): TOP, (0, 2): OVERLAPPING}


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
