"""Annotator tallies (scoring.numerics.tallies): what each tally counts, and that they fold.

An incremental run's scores equal a full run's only because folding judgments in batches,
widening to new annotators, and swapping a comparison set's agreement share out and back in
give the tallies of all judgments at once; these tests pin those rules without the database
(tests/scoring/test_incremental.py checks the whole run).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from scoring.numerics.seconds_windows import Windows
from scoring.numerics.tallies import (
    COUNTS,
    AgreementTallies,
    AnnotatorTallies,
    agreement_tallies,
    empty,
    empty_agreement,
    fold_judgments,
    sorted_group_medians,
    widen,
)

NAN = float("nan")


def fold(tallies: AnnotatorTallies, rows: list[tuple[int, int, bool, float, int]]):
    """rows of (annotator, verdict, a_on_left, seconds, gold)."""
    annotator, verdict, a_on_left, seconds, gold = (np.array(c) for c in zip(*rows, strict=True))
    return fold_judgments(
        tallies,
        annotator.astype(np.intp),
        verdict.astype(np.intp),
        a_on_left.astype(bool),
        seconds.astype(np.float64),
        gold.astype(np.intp),
    )


def assert_same(left: AnnotatorTallies | AgreementTallies | Windows, right) -> None:
    assert type(left) is type(right)
    for field in dataclasses.fields(left):
        mine, theirs = getattr(left, field.name), getattr(right, field.name)
        if isinstance(mine, AgreementTallies | Windows):
            assert_same(mine, theirs)
        else:
            assert mine.dtype == theirs.dtype, field.name
            np.testing.assert_array_equal(mine, theirs, err_msg=field.name)


FIRST = [
    (0, -2, True, 5.0, 0),  # a preferred, shown on the left: prefers the left side
    (0, 1, True, NAN, 0),  # b preferred, a on the left: prefers the right side; not timed
    (0, 2, False, 3.0, 0),  # b preferred, b on the left: prefers the left side
    (0, -1, False, 4.0, -1),  # gold a, answered a: correct
    (0, 0, True, 1.0, 1),  # gold b, answered tie: wrong, and not decisive
    (2, 1, True, 7.0, 1),  # gold b, answered b: correct
    (2, -1, True, 2.0, 0),  # a preferred on the left: prefers the left side
]
SECOND = [(2, 0, True, 5.0, 0), (0, -1, False, 2.0, 0), (1, 1, True, 9.0, 0), (0, 2, True, 6.0, 0)]


def test_each_tally_counts_its_own_judgments() -> None:
    tallies = fold(empty(3), FIRST)
    assert tallies.size == 3
    assert tallies.judgments.tolist() == [5, 0, 2]
    assert tallies.gold_seen.tolist() == [2, 0, 1]
    assert tallies.gold_correct.tolist() == [1, 0, 1]
    assert tallies.ordinary.tolist() == [3, 0, 1]
    assert tallies.decisive.tolist() == [4, 0, 2]
    assert tallies.left.tolist() == [2, 0, 1]
    # One column per verdict -2, -1, 0, +1, +2.
    assert tallies.verdicts.tolist() == [[1, 1, 1, 1, 1], [0, 0, 0, 0, 0], [0, 1, 0, 1, 0]]
    assert tallies.timed.tolist() == [4, 0, 2]
    # Each annotator's timed seconds, sorted, annotators in index order: a window holds all
    # of a group of fewer than its reach (tests/scoring/numerics/test_seconds_windows.py).
    assert tallies.seconds.values.tolist() == [1.0, 3.0, 4.0, 5.0, 2.0, 7.0]
    assert tallies.seconds.sizes.tolist() == [4, 0, 2]
    assert tallies.campaign_seconds.values.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 7.0]
    assert_same(tallies.agreement, empty_agreement(3))


def test_a_second_batch_adds_its_counts_and_merges_its_seconds_into_each_group() -> None:
    tallies = fold(fold(empty(3), FIRST), SECOND)
    assert tallies.judgments.tolist() == [7, 1, 3]
    assert tallies.decisive.tolist() == [6, 1, 2]
    assert tallies.left.tolist() == [2, 0, 1]
    assert tallies.verdicts.tolist() == [[1, 2, 1, 1, 2], [0, 0, 0, 1, 0], [0, 1, 1, 1, 0]]
    assert tallies.timed.tolist() == [6, 1, 3]
    assert tallies.seconds.values.tolist() == [1, 2, 3, 4, 5, 6, 9, 2, 5, 7]
    assert_same(tallies, fold(empty(3), FIRST + SECOND))


def test_a_batch_without_timed_judgments_leaves_the_seconds_as_they_are() -> None:
    tallies = fold(empty(3), FIRST)
    assert_same(fold(tallies, [(1, 1, True, NAN, 0)]).seconds, tallies.seconds)


def random_judgments(rng: np.random.Generator, size: int, annotators: np.ndarray) -> list[tuple]:
    return [
        (
            int(rng.choice(annotators)),
            int(rng.integers(-2, 3)),
            bool(rng.random() < 0.5),
            NAN if rng.random() < 0.2 else float(rng.integers(1, 30)),  # repeated values too
            int(rng.choice([-1, 0, 0, 0, 1])),
        )
        for _ in range(size)
    ]


@pytest.mark.parametrize("seed", range(20))
def test_folding_in_batches_with_new_annotators_equals_folding_everything_at_once(seed) -> None:
    rng = np.random.default_rng(seed)
    n = 7
    # The first batch's annotators, then a widening to all n (new ones in between and after).
    early = np.sort(rng.choice(n, size=int(rng.integers(1, n)), replace=False))
    first = random_judgments(rng, int(rng.integers(1, 40)), early)
    rest = [random_judgments(rng, int(rng.integers(1, 40)), np.arange(n)) for _ in range(3)]
    local = [(int(np.searchsorted(early, row[0])), *row[1:]) for row in first]
    tallies = widen(fold(empty(early.size), local), early.astype(np.intp), n)
    for batch in rest:
        tallies = fold(tallies, batch)
    assert_same(tallies, fold(empty(n), first + [row for batch in rest for row in batch]))


def test_widening_moves_each_annotators_tallies_to_its_new_place() -> None:
    counts = [np.arange(k, k + 2) for k in range(4)]  # compared [0, 1], agreeing [1, 2], …
    answers = [np.arange(6).reshape(2, 3) + k for k in range(2)]
    tallies = dataclasses.replace(
        fold(empty(2), [(0, -2, True, 4.0, -1), (1, 1, False, 3.0, 0), (1, 2, True, 1.0, 0)]),
        agreement=AgreementTallies(*counts, *answers),
    )
    wide = widen(tallies, np.array([1, 3], dtype=np.intp), 5)
    assert wide.size == 5
    assert wide.judgments.tolist() == [0, 1, 0, 2, 0]
    assert wide.gold_correct.tolist() == [0, 1, 0, 0, 0]
    assert wide.verdicts.tolist()[1] == [1, 0, 0, 0, 0]
    assert wide.verdicts.tolist()[3] == [0, 0, 0, 1, 1]
    assert wide.verdicts.tolist()[4] == [0] * 5
    assert wide.seconds.values.tolist() == [4.0, 1.0, 3.0]
    assert wide.seconds.sizes.tolist() == [0, 1, 0, 2, 0]
    assert wide.agreement.compared.tolist() == [0, 0, 0, 1, 0]
    assert wide.agreement.agreeing_trusted.tolist() == [0, 3, 0, 4, 0]
    assert wide.agreement.theirs.tolist() == [[0, 0, 0], [1, 2, 3], [0] * 3, [4, 5, 6], [0] * 3]
    for name in COUNTS:
        assert getattr(wide, name).dtype == np.int64


def agreement_of(rows: list[tuple[int, int, int]], trusted: list[bool]) -> AgreementTallies:
    """rows of (annotator, comparison, verdict)."""
    annotator, comparison, verdict = (np.array(c) for c in zip(*rows, strict=True))
    return agreement_tallies(
        annotator, comparison.astype(np.int64), verdict, np.array(trusted), len(trusted)
    )


# Annotators 0 and 2 are trusted. Comparison 1 has a single judgment (nobody to compare with).
AGREEMENT_ROWS = [
    (0, 0, -2), (1, 0, -1), (2, 0, 1), (3, 0, -1),
    (1, 1, 2),
    (0, 2, 0), (1, 2, 2),
    (0, 3, 1), (2, 3, 2),
]  # fmt: skip
TRUSTED = [True, False, True, False]


def test_agreement_compares_each_judgment_with_everyone_elses_and_the_trusted_others_consensus():
    tallies = agreement_of(AGREEMENT_ROWS, TRUSTED)
    assert tallies.compared.tolist() == [3, 2, 2, 1]
    assert tallies.agreeing.tolist() == [2, 1, 1, 1]
    assert tallies.compared_trusted.tolist() == [2, 2, 2, 1]
    assert tallies.agreeing_trusted.tolist() == [1, 0, 1, 0]
    # Over the judgments compared with the trusted others: the own answer and theirs, a/tie/b.
    assert tallies.own.tolist() == [[1, 0, 1], [1, 0, 1], [0, 0, 2], [1, 0, 0]]
    assert tallies.theirs.tolist() == [[0, 0, 2], [0, 2, 0], [1, 0, 1], [0, 1, 0]]
    for field in dataclasses.fields(AgreementTallies):
        assert getattr(tallies, field.name).dtype == np.int64


def test_agreement_tallies_add_up_over_comparisons_and_a_share_swaps_out_and_back_in() -> None:
    whole = agreement_of(AGREEMENT_ROWS, TRUSTED)
    touched = [row for row in AGREEMENT_ROWS if row[1] in (0, 2)]
    rest = [row for row in AGREEMENT_ROWS if row[1] not in (0, 2)]
    assert_same(agreement_of(touched, TRUSTED) + agreement_of(rest, TRUSTED), whole)
    # New judgments on comparisons 0 and 2: take out their old share, put in the new one.
    new = [(3, 2, -1), (2, 2, 1), (2, 0, -2)]
    swapped = whole - agreement_of(touched, TRUSTED) + agreement_of(touched + new, TRUSTED)
    assert_same(swapped, agreement_of(AGREEMENT_ROWS + new, TRUSTED))
    assert_same(whole - whole, empty_agreement(4))


@pytest.mark.parametrize("seed", range(10))
def test_group_medians_of_sorted_groups_are_each_groups_median_and_nan_when_empty(seed) -> None:
    rng = np.random.default_rng(seed)
    size = rng.integers(0, 6, size=8)
    size[rng.integers(0, 8)] = 0
    size[-1 if seed % 2 else 0] = 0  # an empty group at either end
    groups = [np.sort(rng.integers(0, 50, size=k).astype(float)) for k in size]
    medians = sorted_group_medians(np.concatenate(groups), size.astype(np.int64))
    expected = [np.median(group) if group.size else NAN for group in groups]
    np.testing.assert_array_equal(medians, expected)
