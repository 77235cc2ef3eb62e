"""The comparisons a vote import's votes name, kept compact: sorted numpy arrays.

The planner (campaign.imports.vote_planning) finds each vote's comparison by its 16-byte key
(campaign.imports.vote_plan.pair_key). A dict from key to ``PlannedComparison`` held ~200
bytes a comparison: ~37 MiB at the 188,000 comparisons of a 200,000-vote file, growing with
it. Here the comparisons of earlier batches are arrays sorted by key (~34 bytes each); a batch
brings the ones its votes name into ``batch`` at once (one ``searchsorted``), as objects the
planner and the writer change (stored, votes not yet in the load), and those changes go back
into the arrays when the next batch starts.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from campaign.imports.vote_plan import PlannedComparison

_GOLD_SIDES = ("", "a", "b")
_NO_PK = -1  # a comparison planned without ids (SQLite)


class ComparisonMap:
    """Key → comparison: earlier batches' in sorted arrays, this batch's in ``batch``."""

    def __init__(self) -> None:
        self._keys = np.empty(0, dtype="S16")
        self._pks = np.empty(0, dtype=np.int64)
        self._model_a = np.empty(0, dtype=np.int32)  # index in self._names
        self._gold = np.empty(0, dtype=np.int8)  # index in _GOLD_SIDES
        self._votes = np.empty(0, dtype=np.int64)  # PlannedComparison.regular_votes
        self._stored = np.empty(0, dtype=bool)
        self._names: list[str] = []
        self._name_numbers: dict[str, int] = {}
        self.batch: dict[bytes, PlannedComparison] = {}
        self._rows: dict[bytes, int] = {}  # which of self.batch came from the arrays: their row

    def start_batch(self) -> None:
        """Keep what the last batch planned and changed, and start an empty batch."""
        if self._rows:
            rows = np.fromiter(self._rows.values(), dtype=np.int64, count=len(self._rows))
            loaded = [self.batch[key] for key in self._rows]
            self._pks[rows] = [_NO_PK if c.pk is None else c.pk for c in loaded]
            self._votes[rows] = [c.regular_votes for c in loaded]
            self._stored[rows] = [c.stored for c in loaded]
        new = sorted(key for key in self.batch if key not in self._rows)
        if new:
            comparisons = [self.batch[key] for key in new]
            keys = np.array(new, dtype="S16")
            at = np.searchsorted(self._keys, keys)
            # One insertion of the whole batch: a copy of each array, not a sort of it.
            self._keys = np.insert(self._keys, at, keys)
            self._pks = np.insert(
                self._pks, at, [_NO_PK if c.pk is None else c.pk for c in comparisons]
            )
            self._model_a = np.insert(
                self._model_a, at, [self._number(c.model_a) for c in comparisons]
            )
            self._gold = np.insert(
                self._gold, at, [_GOLD_SIDES.index(c.gold_side) for c in comparisons]
            )
            self._votes = np.insert(self._votes, at, [c.regular_votes for c in comparisons])
            self._stored = np.insert(self._stored, at, [c.stored for c in comparisons])
        self.batch, self._rows = {}, {}

    def load(self, keys: Iterable[bytes]) -> None:
        """Bring the comparisons of earlier batches with these keys into ``batch``."""
        wanted = [key for key in set(keys) if key not in self.batch]
        if not wanted or not len(self._keys):
            return
        # The keys are taken from ``wanted``, not the array: S16 drops trailing NUL bytes.
        at = np.searchsorted(self._keys, np.array(wanted, dtype="S16"))
        at[at == len(self._keys)] = 0  # past the end: compared with any key, found or not
        found = self._keys[at] == np.array(wanted, dtype="S16")
        for index in np.flatnonzero(found).tolist():
            row = int(at[index])
            pk = int(self._pks[row])
            comparison = PlannedComparison(
                self._names[self._model_a[row]],
                _GOLD_SIDES[self._gold[row]],
                None if pk == _NO_PK else pk,
                stored=bool(self._stored[row]),
            )
            comparison.regular_votes = int(self._votes[row])
            self.batch[wanted[index]] = comparison
            self._rows[wanted[index]] = row

    def __len__(self) -> int:
        return len(self._keys) + len(self.batch) - len(self._rows)

    def _number(self, name: str) -> int:
        number = self._name_numbers.get(name)
        if number is None:
            number = self._name_numbers[name] = len(self._names)
            self._names.append(name)
        return number
