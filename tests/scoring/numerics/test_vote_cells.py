"""Vote cells (scoring.numerics.vote_cells): folding judgments in parts gives the cells of
folding them all at once, whoever joins in between and whenever the per-comparison delta is
merged into its base; merging sparse counts; the tallies the extras of every run read instead
of the per-comparison cells (judgments per pair, the judged histogram)."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.numerics import vote_cells
from scoring.numerics.vote_cells import (
    VoteCells,
    empty_cells,
    fold_cells,
    judged_histogram,
    merge_counts,
    moved_histogram,
    voter_cells,
    with_merged_base,
)
from scoring.numerics.votes import A_WINS, B_WINS, sorted_positions

N_CONTENDERS = 4
# Regular comparisons by id (sorted) with their contenders; gold items are not among them.
COMPARISONS = np.array([11, 12, 15, 20, 21], dtype=np.int64)
SIDE_A = np.array([0, 1, 2, 3, 0], dtype=np.intp)
SIDE_B = np.array([1, 2, 3, 0, 2], dtype=np.intp)
USERS = np.array([3, 8, 40, 41, 900], dtype=np.int64)
COUNTS = (USERS[0], USERS[2])  # whose votes count


def judgments(seed: int, size: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "user": USERS[rng.integers(0, USERS.size, size)],
        "place": rng.integers(-1, COMPARISONS.size, size).astype(np.intp),  # -1: gold
        "verdict": rng.integers(-2, 3, size).astype(np.intp),
        "a_on_left": rng.random(size) < 0.5,
    }


def fold(cells: VoteCells, part: dict[str, np.ndarray]) -> VoteCells:
    annotator_ids = np.unique(part["user"])
    return fold_cells(
        cells,
        annotator=np.searchsorted(annotator_ids, part["user"]).astype(np.intp),
        annotator_ids=annotator_ids,
        place=part["place"],
        comparisons=COMPARISONS,
        contender_a=SIDE_A,
        contender_b=SIDE_B,
        verdict=part["verdict"],
        a_on_left=part["a_on_left"],
        counted=(part["place"] >= 0) & np.isin(part["user"], COUNTS),
    )


# The sparse cells are compared merged: how they split into a base and deltas depends on when
# the deltas were merged.
SPLIT = {"voter_delta", "comparison_delta", "base", "base_rows", "base_stored"}
MERGED = ("voter_keys", "voter_counts", "comparison_ids", "comparison_counts")


def same(left: VoteCells, right: VoteCells) -> bool:
    names = [f.name for f in dataclasses.fields(VoteCells) if f.name not in SPLIT]
    return all(
        np.array_equal(getattr(left, name), getattr(right, name)) for name in [*names, *MERGED]
    )


@settings(max_examples=60, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**16), size=st.integers(0, 80), cuts=st.lists(st.integers(0, 80)))
def test_folding_in_parts_gives_the_cells_of_folding_all_at_once(seed, size, cuts):
    every = judgments(seed, size)
    whole = fold(empty_cells(N_CONTENDERS), every)
    cells = empty_cells(N_CONTENDERS)
    bounds = [0, *sorted(min(cut, size) for cut in cuts), size]
    for start, end in itertools.pairwise(bounds):
        cells = fold(cells, {name: column[start:end] for name, column in every.items()})
    assert same(cells, whole)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**16),
    size=st.integers(0, 80),
    cuts=st.lists(st.tuples(st.integers(0, 80), st.booleans())),
)
def test_merging_the_delta_into_the_base_between_folds_changes_no_cell(seed, size, cuts):
    every = judgments(seed, size)
    whole = fold(empty_cells(N_CONTENDERS), every)
    cells = empty_cells(N_CONTENDERS)
    bounds = sorted((min(cut, size), merge) for cut, merge in cuts)
    for (start, _), (end, merge) in itertools.pairwise([(0, False), *bounds, (size, False)]):
        cells = fold(cells, {name: column[start:end] for name, column in every.items()})
        if merge:
            cells = with_merged_base(cells)
            assert cells.delta_rows == 0 and not cells.base_stored
            assert cells.base_rows == cells.comparison_ids.size + cells.voter_keys.size
    assert same(cells, whole)
    merged = with_merged_base(cells)
    assert same(merged, whole)
    base = merged.base
    assert base is not None
    assert np.array_equal(base.comparisons.keys, whole.comparison_ids)
    assert np.array_equal(base.comparisons.counts, whole.comparison_counts)
    assert np.array_equal(base.voters.keys, whole.voter_keys)
    assert np.array_equal(base.voters.counts, whole.voter_counts)


@pytest.mark.parametrize("seed", range(6))
def test_the_per_comparison_counts_are_the_same_counted_either_way(seed, monkeypatch):
    # In a table over every comparison (a full run) or per judged comparison (a few judgments).
    every = judgments(seed, 3 + 7 * seed)
    whole = fold(empty_cells(N_CONTENDERS), every)
    monkeypatch.setattr(vote_cells, "TABLE_SPREAD", 0)
    assert same(fold(empty_cells(N_CONTENDERS), every), whole)
    monkeypatch.setattr(vote_cells, "TABLE_SPREAD", 10**6)
    assert same(fold(empty_cells(N_CONTENDERS), every), whole)


def test_the_merged_cells_cannot_be_read_without_their_base():
    cells = dataclasses.replace(fold(empty_cells(N_CONTENDERS), judgments(1, 30)), base=None)
    for name in MERGED:
        with pytest.raises(RuntimeError, match="base was not read"):
            _ = getattr(cells, name)


@pytest.mark.parametrize("seed", range(4))
def test_judgments_per_pair_are_the_per_comparison_sums(seed):
    cells = fold(empty_cells(N_CONTENDERS), judgments(seed, 60))
    place = np.searchsorted(COMPARISONS, cells.comparison_ids)
    pair = SIDE_A[place] * N_CONTENDERS + SIDE_B[place]
    expected = np.bincount(pair, cells.comparison_counts[:, 0], minlength=N_CONTENDERS**2)
    assert cells.pair_judgments.tolist() == expected.astype(np.int64).tolist()


@pytest.mark.parametrize("seed", range(6))
def test_moving_comparisons_in_the_judged_histogram_gives_the_histogram_counted_anew(seed):
    rng = np.random.default_rng(seed)
    category = rng.integers(0, 3, 40).astype(np.intp)
    judged = rng.integers(0, 4, 40)
    table = judged_histogram(category, judged, 3)
    for _ in range(5):
        touched = np.unique(rng.integers(0, 40, 8))
        after = judged.copy()
        after[touched] += rng.integers(1, 4, touched.size)
        moved = moved_histogram(table, category[touched], judged[touched], after[touched])
        table, judged = moved, after
        assert np.array_equal(table, judged_histogram(category, judged, 3))
    assert table[:, 1:].sum() == np.count_nonzero(judged)


def test_the_cells_count_each_kind_of_judgment_where_its_extras_need_it():
    part = {
        "user": np.array([3, 3, 8, 40, 8], dtype=np.int64),
        "place": np.array([0, 0, 0, -1, -1], dtype=np.intp),
        "verdict": np.array([-2, -1, 1, 0, 2], dtype=np.intp),
        "a_on_left": np.array([True, False, True, True, True]),
    }
    cells = fold(empty_cells(N_CONTENDERS), part)
    voters = voter_cells(cells)
    # Every regular judgment per (user, a, b, outcome); only user 3's votes count.
    assert list(
        zip(voters.user, voters.a, voters.b, voters.outcome, voters.count, strict=True)
    ) == [
        (3, 0, 1, A_WINS, 2),
        (8, 0, 1, B_WINS, 1),
    ]
    left, right = (0 * N_CONTENDERS + 1) * 2 + 1, (0 * N_CONTENDERS + 1) * 2
    assert cells.sides[left].tolist() == [1, 0, 0] and cells.sides[right].tolist() == [1, 0, 0]
    assert cells.sides.sum() == 2
    # Comparison 11: three judgments, two counted a-wins.
    assert cells.comparison_ids.tolist() == [11]
    assert cells.comparison_counts.tolist() == [[3, 2, 0, 0]]
    # User 40's gold judgment was a tie; user 8's gold answer was not.
    assert (cells.gold_tie_users.tolist(), cells.gold_ties.tolist()) == ([40], [1])


def test_merging_adds_known_keys_and_inserts_new_ones_in_order():
    keys, counts = np.array([2, 5, 9]), np.array([[1, 1], [2, 2], [3, 3]])
    new = np.ones((4, 2), np.int64)
    merged_keys, merged = merge_counts(keys, counts, np.array([0, 5, 7, 12]), new)
    assert merged_keys.tolist() == [0, 2, 5, 7, 9, 12]
    assert merged.tolist() == [[1, 1], [1, 1], [3, 3], [1, 1], [3, 3], [1, 1]]
    assert counts.tolist() == [[1, 1], [2, 2], [3, 3]]  # the stored tally is not changed


@pytest.mark.parametrize("seed", range(4))
def test_merging_agrees_with_counting_both_sets_of_keys_together(seed):
    # Found and fresh keys interleaved anywhere, rows of counts or single counts.
    rng = np.random.default_rng(seed)
    for shape in ((), (4,)):
        for _ in range(200):
            keys = np.unique(rng.integers(0, 50, rng.integers(0, 30)))
            new_keys = np.unique(rng.integers(0, 50, rng.integers(0, 30)))
            counts = rng.integers(1, 9, (keys.size, *shape))
            new_counts = rng.integers(1, 9, (new_keys.size, *shape))

            merged_keys, merged = merge_counts(keys, counts, new_keys, new_counts)

            every, at = np.unique(np.concatenate([keys, new_keys]), return_inverse=True)
            expected = np.zeros((every.size, *shape), dtype=counts.dtype)
            np.add.at(expected, at, np.concatenate([counts, new_counts]))
            assert merged_keys.tolist() == every.tolist()
            assert merged.tolist() == expected.tolist()


@pytest.mark.parametrize("seed", range(3))
def test_verdicts_of_any_signed_integer_type_give_the_same_cells(seed):
    """A full run folds its columns' int32 verdicts as they are (no intp copy: peak RSS)."""
    part = judgments(seed, 300)
    wide = fold(empty_cells(N_CONTENDERS), part)
    for dtype in (np.int8, np.int32):
        narrow = fold(empty_cells(N_CONTENDERS), {**part, "verdict": part["verdict"].astype(dtype)})
        assert same(narrow, wide)


def test_sorted_positions_find_what_is_there_and_where_the_rest_would_go():
    keys = np.array([3, 7, 9, 20], dtype=np.int64)
    wanted = np.array([9, 1, 20, 8, 21, 3], dtype=np.int64)

    place, found = sorted_positions(keys, wanted)

    assert found.tolist() == [True, False, True, False, False, True]
    assert place.tolist() == np.searchsorted(keys, wanted).tolist()
    assert (keys[place[found]] == wanted[found]).all()
    empty_place, empty_found = sorted_positions(np.empty(0, dtype=np.int64), wanted)
    assert not empty_found.any() and (empty_place == 0).all()
