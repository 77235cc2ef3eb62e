"""Vote cells: the counts of judgments the snapshot's extras are computed from, kept so they fold.

Every extra view and analysis (scoring.extras) is a function of a few tallies of the
judgments, never of the judgments one by one:

- ``voters``: regular judgments per (annotator, contender a, contender b, outcome): the
  annotator-aware board (Crowd-BT weighs each annotator) and leaving one annotator out (the
  cells of the annotators whose votes count);
- ``sides``: counted votes per (contender a, contender b, a shown on the left, outcome):
  position bias;
- ``pair_judgments``: regular judgments per (contender a, contender b): pair priorities;
- ``comparisons``: per regular comparison, its judgments and its counted votes' outcomes: the
  style-controlled board (one row per comparison), the per-category boards (the comparison's
  category), coverage (a histogram of them kept with the core);
- ``gold_ties``: per annotator, gold judgments answered with a tie (Crowd-BT's gold record
  counts a tie half right; the annotator tallies hold the rest of it).

A full run folds every judgment into empty cells and an incremental run the new ones into the
stored cells (scoring.incremental); all are integer counts, so the two agree exactly. The
counted cells count the votes of annotators whose votes count: an incremental run is refused
whenever that changes for an earlier annotator, so they fold as well.

Annotators are keyed by user id (stable from run to run, unlike a run's annotator index),
comparisons by id. The sparse tallies (keys sorted and unique, a count row per key) grow with
the distinct cells, not with the judgments; ``sides`` and ``pair_judgments`` are dense.

The two sparse tallies are the largest (at ten million judgments 3M per-comparison rows and
3M voter cells) and only the extras refitted when due read them. So each is kept as a
**base**, stored apart and rewritten rarely, plus a **delta**: the counts folded since the
base was written, a row per key touched since. A fold adds to the deltas only; the cells a
reader sees (``voter_*``, ``comparison_*``) are base and delta merged (`merge_counts`, exact
integer sums). A run that does not need them leaves the base unread (``base`` None); the
deltas are merged into the base once they grow past `delta_bound` rows (`with_merged_base`).
The extras of every run read dense tallies instead: ``pair_judgments`` (regular judgments
per contender pair) and the judged histogram (`judged_histogram`, kept with the core).

Pure numpy (no Django, no I/O).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoring.numerics.votes import sorted_positions

Ints = NDArray[np.int64]
OUTCOMES = 3  # A_WINS, TIE, B_WINS (scoring.numerics.votes)
# Annotators x contender pairs x outcomes up to this are counted with a dense bincount, more
# with a sort (np.unique): a bincount is many times faster where it fits.
_DENSE_CELLS = 1 << 24
# Judgments on up to this many times as many comparisons are counted in a table over every
# comparison; fewer (an incremental run's) per comparison judged.
TABLE_SPREAD = 16
# The deltas are merged into the base past this many rows, or past a sixteenth of the base's:
# the deltas are read and written by every run, the base by one run in about sixteen at
# 10,000 new judgments a run at ten million (or when the extras that read it are due).
DELTA_ROWS = 50_000
DELTA_SHARE = 16


@dataclass(frozen=True)
class CountRows:
    """Sorted unique ``keys``, each with its ``counts`` (a number, or a row of them)."""

    keys: Ints
    counts: Ints

    @property
    def size(self) -> int:
        return int(self.keys.size)


def no_rows(width: int | None) -> CountRows:
    """No keys; counts of one number each (``width`` None) or rows of ``width``."""
    shape = (0,) if width is None else (0, width)
    return CountRows(np.empty(0, dtype=np.int64), np.zeros(shape, dtype=np.int64))


@dataclass(frozen=True)
class Base:
    """The sparse tallies as stored apart (the module docstring)."""

    voters: CountRows
    comparisons: CountRows

    @property
    def rows(self) -> int:
        return self.voters.size + self.comparisons.size


@dataclass(frozen=True)
class VoteCells:
    """The tallies of the module docstring. ``voter_keys`` are sorted and unique, each
    ``((user id * n + a) * n + b) * 3 + outcome`` (n contenders), with ``voter_counts``;
    ``comparison_counts`` row k is comparison ``comparison_ids[k]`` (sorted): judgments,
    then counted a-wins, ties, b-wins; ``sides`` row ``(a * n + b) * 2 + a_on_left``,
    columns the outcomes; ``pair_judgments`` row ``a * n + b``; ``gold_ties[k]`` of user
    ``gold_tie_users[k]``. The sparse ones are ``base`` and the deltas merged: ``base`` None
    when not read (then they cannot be asked for), ``base_rows`` its rows (read or not),
    ``base_stored`` whether it is the stored base unchanged (else a run must write it)."""

    sides: Ints  # (n * n * 2, 3)
    pair_judgments: Ints  # (n * n,)
    gold_tie_users: Ints
    gold_ties: Ints
    voter_delta: CountRows
    comparison_delta: CountRows
    base: Base | None
    base_rows: int
    base_stored: bool = field(default=False)

    @cached_property
    def merged(self) -> Base:
        """Base and deltas merged."""
        if self.base is None:
            raise RuntimeError("the vote cells' base was not read for this run")
        return Base(
            *(
                CountRows(*merge_counts(base.keys, base.counts, delta.keys, delta.counts))
                for base, delta in (
                    (self.base.voters, self.voter_delta),
                    (self.base.comparisons, self.comparison_delta),
                )
            )
        )

    @property
    def voter_keys(self) -> Ints:
        return self.merged.voters.keys

    @property
    def voter_counts(self) -> Ints:
        return self.merged.voters.counts

    @property
    def comparison_ids(self) -> Ints:
        return self.merged.comparisons.keys

    @property
    def comparison_counts(self) -> Ints:
        return self.merged.comparisons.counts

    @property
    def delta_rows(self) -> int:
        return self.voter_delta.size + self.comparison_delta.size

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
        sides=np.zeros((n_contenders * n_contenders * 2, OUTCOMES), dtype=np.int64),
        pair_judgments=np.zeros(n_contenders * n_contenders, dtype=np.int64),
        gold_tie_users=none,
        gold_ties=none,
        voter_delta=no_rows(None),
        comparison_delta=no_rows(4),
        base=Base(no_rows(None), no_rows(4)),
        base_rows=0,
    )


def with_base(cells: VoteCells, base: Base) -> VoteCells:
    """``cells`` with their stored base, read."""
    if base.rows != cells.base_rows:
        raise ValueError("the stored base is not the one these cells were folded onto")
    return dataclasses.replace(cells, base=base, base_stored=True)


def delta_bound(cells: VoteCells) -> int:
    return max(DELTA_ROWS, cells.base_rows // DELTA_SHARE)


def with_merged_base(cells: VoteCells) -> VoteCells:
    """``cells`` with the deltas merged into the base (which then needs writing)."""
    merged = cells.merged
    return dataclasses.replace(
        cells,
        voter_delta=no_rows(None),
        comparison_delta=no_rows(4),
        base=merged,
        base_rows=merged.rows,
        base_stored=False,
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
    verdict: NDArray[np.signedinteger[Any]],
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
    # Arrays over every judgment, so built in place and as narrow as their values allow: a
    # full run at 10M folds here at its peak RSS.
    outcome = _outcome_codes(verdict)
    on_regular = place[regular]
    key = _pair_rows(contender_a, contender_b, on_regular, n)
    pair_judgments = cells.pair_judgments + np.bincount(key, minlength=n * n)
    key *= OUTCOMES
    key += outcome[regular]
    who, what, count = _count_pairs(annotator[regular], key, annotator_ids.size, per_user)
    del key
    voters = cells.voter_delta
    voter_delta = CountRows(
        *merge_counts(voters.keys, voters.counts, annotator_ids[who] * per_user + what, count)
    )

    side_row = _pair_rows(contender_a, contender_b, place[counted], n)
    side_row *= 2
    side_row += a_on_left[counted]
    side_row *= OUTCOMES
    side_row += outcome[counted]
    sides = np.bincount(side_row, minlength=cells.sides.size)
    del side_row

    touched, table = _per_comparison(
        on_regular, counted[regular], outcome[counted], comparisons.size
    )
    delta = cells.comparison_delta
    comparison_delta = CountRows(
        *merge_counts(delta.keys, delta.counts, comparisons[touched], table)
    )

    tied = np.bincount(annotator[~regular & (verdict == 0)], minlength=annotator_ids.size)
    with_tie = np.flatnonzero(tied)
    gold_tie_users, gold_ties = merge_counts(
        cells.gold_tie_users, cells.gold_ties, annotator_ids[with_tie], tied[with_tie]
    )
    return dataclasses.replace(
        cells,
        voter_delta=voter_delta,
        pair_judgments=pair_judgments,
        sides=cells.sides + sides.reshape(cells.sides.shape),
        gold_tie_users=gold_tie_users,
        gold_ties=gold_ties,
        comparison_delta=comparison_delta,
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
    if keys.size == 0:  # a full run's first merge: nothing to insert into
        return new_keys, new_counts
    place, found = sorted_positions(keys, new_keys)
    fresh = ~found
    at = place[fresh]
    # Insert first, then add the found keys' counts where their rows moved to (after the fresh
    # rows inserted at or before them): one copy of the counts instead of two, which at ten
    # million judgments is a 100 MB copy fewer per run.
    merged = np.insert(counts, at, new_counts[fresh], axis=0) if at.size else counts.copy()
    moved = place[found] + np.searchsorted(at, place[found], side="right")
    merged[moved] += new_counts[found]
    return (np.insert(keys, at, new_keys[fresh]) if at.size else keys), merged


def _per_comparison(
    on_regular: NDArray[np.intp],
    counted: NDArray[np.bool_],
    outcome: NDArray[np.int8],
    m: int,
) -> tuple[NDArray[np.intp], Ints]:
    """The comparisons judged (indices among ``m``, ascending) and a row for each:
    judgments, then counted votes per outcome. ``on_regular``: each regular judgment's
    comparison; ``counted``: which of them are counted votes, ``outcome`` theirs."""
    if m <= TABLE_SPREAD * on_regular.size:  # a table over every comparison is not much larger
        judged = np.bincount(on_regular, minlength=m)
        at = on_regular[counted] * OUTCOMES + outcome
        votes = np.bincount(at, minlength=m * OUTCOMES).reshape(m, OUTCOMES)
        touched = np.flatnonzero(judged)
        return touched, np.column_stack([judged[touched], votes[touched]]).astype(np.int64)
    # An incremental run's few thousand judgments: no table sized for the whole campaign.
    touched, row = np.unique(on_regular, return_inverse=True)
    t = touched.size
    judged = np.bincount(row, minlength=t)
    votes = np.bincount(row[counted] * OUTCOMES + outcome, minlength=t * OUTCOMES)
    table = np.column_stack([judged, votes.reshape(t, OUTCOMES)]).astype(np.int64)
    return touched.astype(np.intp), table


def _outcome_codes(verdict: NDArray[np.signedinteger[Any]]) -> NDArray[np.int8]:
    """`outcome_from_verdict`'s codes, a byte each (verdicts -2..+2 fit one)."""
    outcome = np.sign(verdict, dtype=np.int8)
    outcome += 1
    return outcome


def _pair_rows(
    contender_a: NDArray[np.intp], contender_b: NDArray[np.intp], at: NDArray[np.intp], n: int
) -> Ints:
    """Row a * n + b of the pair of each comparison ``at`` (one array, no temporaries)."""
    row = contender_a[at].astype(np.int64, copy=False)
    row *= n
    row += contender_b[at]
    return row


def _count_pairs(
    group: NDArray[np.intp], value: Ints, groups: int, values: int
) -> tuple[NDArray[np.intp], Ints, Ints]:
    """The distinct (group, value) pairs in (group, value) order, and how often each occurs."""
    key = group.astype(np.int64)
    key *= values
    key += value
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


def judged_histogram(category: NDArray[np.intp], judged: Ints, n_categories: int) -> Ints:
    """Judged comparisons per (category, judgments): row c, column k the comparisons of
    category c with k >= 1 judgments (column 0 stays 0); ``category[i]`` and ``judged[i]`` of
    comparison i. Trailing empty columns are cut (`_trimmed`), so the table of a given set of
    comparisons is one array whatever the history that made it."""
    width = int(judged.max(initial=0)) + 1
    table = np.bincount(category * width + judged, minlength=n_categories * width)
    table = table.reshape(n_categories, width).astype(np.int64)
    table[:, 0] = 0
    return _trimmed(table)


def moved_histogram(table: Ints, category: NDArray[np.intp], before: Ints, after: Ints) -> Ints:
    """`judged_histogram` ``table`` with comparisons of ``category`` moved from ``before``
    judgments to ``after``."""
    width = max(table.shape[1], int(after.max(initial=0)) + 1)
    size = table.shape[0] * width
    moved = np.zeros((table.shape[0], width), dtype=np.int64)
    moved[:, : table.shape[1]] = table
    moved -= np.bincount(category * width + before, minlength=size).reshape(moved.shape)
    moved += np.bincount(category * width + after, minlength=size).reshape(moved.shape)
    moved[:, 0] = 0
    return _trimmed(moved)


def _trimmed(table: Ints) -> Ints:
    used = np.flatnonzero(table.any(axis=0))
    return table[:, : max(int(used[-1]) + 1 if used.size else 1, 1)]
