"""Vote cells: the counts of judgments the snapshot's extras are computed from, kept so they fold.

Every extra view and analysis (scoring.extras) is a function of a few tallies of the
judgments, never of the judgments one by one:

- ``voters``: regular judgments per (annotator, contender a, contender b, outcome): the
  annotator-aware board (Crowd-BT weighs each annotator) and leaving one annotator out (the
  cells of the annotators whose votes count);
- ``sides``: counted votes per (contender a, contender b, a shown on the left, outcome):
  position bias;
- ``comparisons``: per regular comparison, its judgments and its counted votes' outcomes: the
  style-controlled board (one row per comparison), the per-category boards (the comparison's
  category), coverage, pair priorities;
- ``gold_ties``: per annotator, gold judgments answered with a tie (Crowd-BT's gold record
  counts a tie half right; the annotator tallies hold the rest of it).

A full run folds every judgment into empty cells and an incremental run the new ones into the
stored cells (scoring.incremental); all are integer counts, so the two agree exactly. The
counted cells count the votes of annotators whose votes count: an incremental run is refused
whenever that changes for an earlier annotator, so they fold as well.

Annotators are keyed by user id (stable from run to run, unlike a run's annotator index),
comparisons by id. The sparse tallies (keys sorted and unique, a count row per key) grow with
the distinct cells, not with the judgments; ``sides`` is dense (n x n x 2 rows).

Pure numpy (no Django, no I/O).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scoring.numerics.votes import outcome_from_verdict

Ints = NDArray[np.int64]
OUTCOMES = 3  # A_WINS, TIE, B_WINS (scoring.numerics.votes)
# Annotators x contender pairs x outcomes up to this are counted with a dense bincount, more
# with a sort (np.unique): a bincount is many times faster where it fits.
_DENSE_CELLS = 1 << 24


@dataclass(frozen=True)
class VoteCells:
    """The tallies of the module docstring. ``voter_keys`` are sorted and unique, each
    ``((user id * n + a) * n + b) * 3 + outcome`` (n contenders), with ``voter_counts``;
    ``sides`` row ``(a * n + b) * 2 + a_on_left``, columns the outcomes;
    ``comparison_counts`` row k is comparison ``comparison_ids[k]`` (sorted): judgments,
    then counted a-wins, ties, b-wins; ``gold_ties[k]`` of user ``gold_tie_users[k]``."""

    voter_keys: Ints
    voter_counts: Ints
    sides: Ints  # (n * n * 2, 3)
    comparison_ids: Ints
    comparison_counts: Ints  # (m, 4)
    gold_tie_users: Ints
    gold_ties: Ints

    @property
    def n_contenders(self) -> int:
        return round(np.sqrt(self.sides.shape[0] / 2))


@dataclass(frozen=True)
class VoterCells:
    """``voters`` decoded: cell k is ``count[k]`` votes of user ``user[k]`` on a against b
    with ``outcome[k]``, cells in key order (user, a, b, outcome)."""

    user: Ints
    a: NDArray[np.intp]
    b: NDArray[np.intp]
    outcome: NDArray[np.intp]
    count: Ints


def empty_cells(n_contenders: int) -> VoteCells:
    none = np.empty(0, dtype=np.int64)
    return VoteCells(
        voter_keys=none,
        voter_counts=none,
        sides=np.zeros((n_contenders * n_contenders * 2, OUTCOMES), dtype=np.int64),
        comparison_ids=none,
        comparison_counts=np.zeros((0, 4), dtype=np.int64),
        gold_tie_users=none,
        gold_ties=none,
    )


def fold_cells(
    cells: VoteCells,
    *,
    annotator: NDArray[np.intp],
    annotator_ids: Ints,
    place: NDArray[np.intp],
    comparisons: Ints,
    contender_a: NDArray[np.intp],
    contender_b: NDArray[np.intp],
    verdict: NDArray[np.intp],
    a_on_left: NDArray[np.bool_],
    counted: NDArray[np.bool_],
) -> VoteCells:
    """``cells`` plus the given judgments. Judgment k is by user ``annotator_ids[annotator[k]]``
    (``annotator_ids`` sorted); on regular comparison ``comparisons[place[k]]`` (``comparisons``
    sorted, its contenders ``contender_a[place[k]]``, ``contender_b[place[k]]``), or on gold with
    ``place[k]`` -1; ``counted[k]``: whether it is a counted vote (regular, by an annotator
    whose votes count)."""
    n = cells.n_contenders
    per_user = n * n * OUTCOMES
    if annotator_ids.size and int(annotator_ids.max()) >= np.iinfo(np.int64).max // per_user:
        raise ValueError("user ids too large for the vote cells' keys")
    regular = place >= 0
    outcome = outcome_from_verdict(verdict)
    on_regular = place[regular]
    pair = contender_a[on_regular].astype(np.int64) * n + contender_b[on_regular]
    who, what, count = _count_pairs(
        annotator[regular], pair * OUTCOMES + outcome[regular], annotator_ids.size, per_user
    )
    voter_keys, voter_counts = merge_counts(
        cells.voter_keys, cells.voter_counts, annotator_ids[who] * per_user + what, count
    )

    on_counted = place[counted]
    side_row = (contender_a[on_counted].astype(np.int64) * n + contender_b[on_counted]) * 2
    side_row += a_on_left[counted]
    sides = np.bincount(side_row * OUTCOMES + outcome[counted], minlength=cells.sides.size)

    m = comparisons.size
    judged = np.bincount(on_regular, minlength=m)
    votes = np.bincount(on_counted * OUTCOMES + outcome[counted], minlength=m * OUTCOMES)
    table = np.column_stack([judged, votes.reshape(m, OUTCOMES)]).astype(np.int64)
    touched = np.flatnonzero(judged)
    comparison_ids, comparison_counts = merge_counts(
        cells.comparison_ids, cells.comparison_counts, comparisons[touched], table[touched]
    )

    tied = np.bincount(annotator[~regular & (verdict == 0)], minlength=annotator_ids.size)
    with_tie = np.flatnonzero(tied)
    gold_tie_users, gold_ties = merge_counts(
        cells.gold_tie_users, cells.gold_ties, annotator_ids[with_tie], tied[with_tie]
    )
    return VoteCells(
        voter_keys=voter_keys,
        voter_counts=voter_counts,
        sides=cells.sides + sides.reshape(cells.sides.shape),
        comparison_ids=comparison_ids,
        comparison_counts=comparison_counts,
        gold_tie_users=gold_tie_users,
        gold_ties=gold_ties,
    )


def voter_cells(cells: VoteCells) -> VoterCells:
    n = cells.n_contenders
    per_user = n * n * OUTCOMES
    keys = cells.voter_keys
    pair = keys % per_user // OUTCOMES
    return VoterCells(
        user=keys // per_user,
        a=(pair // n).astype(np.intp),
        b=(pair % n).astype(np.intp),
        outcome=(keys % OUTCOMES).astype(np.intp),
        count=cells.voter_counts,
    )


def merge_counts(keys: Ints, counts: Ints, new_keys: Ints, new_counts: Ints) -> tuple[Ints, Ints]:
    """Sorted unique ``keys`` with their ``counts`` (rows) plus ``new_keys`` (sorted, unique)
    with theirs: the keys already there add up, the others are inserted in order. A merge,
    O(keys) copying and O(new log keys) searching, not a sort of all."""
    if new_keys.size == 0:
        return keys, counts
    place = np.searchsorted(keys, new_keys)
    found = place < keys.size
    found[found] = keys[place[found]] == new_keys[found]
    fresh = ~found
    at = place[fresh]
    # Insert first, then add the found keys' counts where their rows moved to (after the fresh
    # rows inserted at or before them): one copy of the counts instead of two, which at ten
    # million judgments is a 100 MB copy fewer per run.
    merged = np.insert(counts, at, new_counts[fresh], axis=0) if at.size else counts.copy()
    moved = place[found] + np.searchsorted(at, place[found], side="right")
    merged[moved] += new_counts[found]
    return (np.insert(keys, at, new_keys[fresh]) if at.size else keys), merged


def _count_pairs(
    group: NDArray[np.intp], value: Ints, groups: int, values: int
) -> tuple[NDArray[np.intp], Ints, Ints]:
    """The distinct (group, value) pairs in (group, value) order, and how often each occurs."""
    key = group.astype(np.int64) * values + value
    size = groups * values
    # Dense only when the table is not much larger than the input: an incremental run's few
    # thousand judgments must not allocate a table sized for the whole campaign.
    if size <= min(_DENSE_CELLS, 16 * key.size):
        total = np.bincount(key, minlength=size)
        unique = np.flatnonzero(total)
        counts = total[unique]
    else:
        unique, counts = np.unique(key, return_counts=True)
    return (unique // values).astype(np.intp), unique % values, counts.astype(np.int64)
