"""Windows of sorted seconds (scoring.numerics.seconds_windows): exact medians that fold.

The rule the incremental state relies on: after any sequence of folds (and rebuilds of the
windows a fold left uncovered), each window is the exact slice of its group's sorted values
that it claims to be, and the medians read from it are ``np.median``'s.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from scoring.numerics.seconds_windows import (
    Windows,
    empty_windows,
    fold_windows,
    medians,
    moved,
    uncovered,
    windows_of,
    with_rebuilt,
)


def assert_exact(windows: Windows, groups: list[list[float]], reach: int) -> None:
    """Each window is its group's sorted values from ``below``, and no wider than the middle
    and ``reach`` either side."""
    offsets = np.concatenate([[0], np.cumsum(windows.sizes)])
    for k, values in enumerate(groups):
        ordered = np.sort(np.array(values, dtype=float))
        below, size = int(windows.below[k]), int(windows.sizes[k])
        window = windows.values[offsets[k] : offsets[k + 1]]
        np.testing.assert_array_equal(window, ordered[below : below + size])
        assert size <= (1 if len(values) % 2 else 2) + 2 * reach
    counts = np.array([len(values) for values in groups], dtype=np.int64)
    expected = [np.median(values) if values else np.nan for values in groups]
    np.testing.assert_array_equal(medians(windows, counts), expected)


BATCHES = st.lists(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 12)), max_size=30),
    min_size=1,
    max_size=8,
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(batches=BATCHES, reach=st.integers(0, 4), shift=st.integers(0, 20))
def test_folded_windows_stay_exact_slices_and_give_numpys_medians(batches, reach, shift):
    """Batches of (group, value), values drifting upwards by ``shift`` per batch (so the
    middle walks out of the windows and they need rebuilding), many equal values."""
    groups: list[list[float]] = [[] for _ in range(4)]
    windows = empty_windows(4)
    rebuilt = 0
    for step, batch in enumerate(batches):
        counts = np.array([len(values) for values in groups], dtype=np.int64)
        group = np.array([g for g, _ in batch], dtype=np.intp)
        values = np.array([v + step * shift for _, v in batch], dtype=float) / 4.0
        windows = fold_windows(windows, counts, group, values, reach)
        for g, v in zip(group.tolist(), values.tolist(), strict=True):
            groups[g].append(v)
        counts = np.array([len(values) for values in groups], dtype=np.int64)
        short = np.flatnonzero(uncovered(windows, counts))
        if short.size:
            rebuilt += 1
            with pytest.raises(ValueError, match="rebuild"):
                medians(windows, counts)
            ordered = np.concatenate([np.sort(groups[k]) for k in short])
            windows = with_rebuilt(windows, short, ordered, counts[short], reach)
        assert_exact(windows, groups, reach)
    event(f"rebuilt: {bool(rebuilt)}")


def test_a_group_smaller_than_its_reach_keeps_every_value() -> None:
    windows = fold_windows(
        empty_windows(2), np.zeros(2, np.int64), np.array([1, 1, 1]), np.array([3.0, 1, 2]), 5
    )
    windows = fold_windows(
        windows, np.array([0, 3]), np.array([1, 1]), np.array([0.5, 9.0]), reach=5
    )
    assert windows.values.tolist() == [0.5, 1.0, 2.0, 3.0, 9.0]
    assert (windows.below.tolist(), windows.sizes.tolist()) == ([0, 0], [0, 5])


def test_values_beyond_a_window_are_only_counted() -> None:
    # 1..9 with reach 1: the window is 4, 5, 6 (positions 3..5), 3 values below it.
    windows = windows_of(np.arange(1.0, 10.0), np.array([9]), reach=1)
    assert (windows.below.tolist(), windows.values.tolist()) == ([3], [4.0, 5.0, 6.0])
    # One value far below, one far above: the middle stays at 5; the window shifts its count.
    folded = fold_windows(windows, np.array([9]), np.array([0, 0]), np.array([0.0, 99.0]), 1)
    assert (folded.below.tolist(), folded.values.tolist()) == ([4], [4.0, 5.0, 6.0])
    assert medians(folded, np.array([11])).tolist() == [5.0]


def test_a_window_the_middle_left_is_uncovered_until_rebuilt() -> None:
    windows = windows_of(np.arange(1.0, 10.0), np.array([9]), reach=0)
    folded = fold_windows(windows, np.array([9]), np.array([0, 0]), np.array([0.0, 0.5]), 0)
    counts = np.array([11])
    assert uncovered(folded, counts).tolist() == [True]
    every = np.sort(np.r_[np.arange(1.0, 10.0), 0.0, 0.5])
    fixed = with_rebuilt(folded, np.array([0]), every, counts, reach=0)
    assert medians(fixed, counts).tolist() == [np.median(every)]


def test_moved_windows_keep_their_values_and_new_groups_are_empty() -> None:
    windows = windows_of(np.array([1.0, 2.0, 5.0]), np.array([2, 1]), reach=3)
    wide = moved(windows, np.array([0, 2]), 3)
    assert (wide.sizes.tolist(), wide.values.tolist()) == ([2, 0, 1], [1.0, 2.0, 5.0])
    assert medians(wide, np.array([2, 0, 1])).tolist()[::2] == [1.5, 5.0]
