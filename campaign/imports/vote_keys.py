"""The votes a vote import has planned so far, kept compact: a sorted array of their keys.

The planner refuses a line whose annotator already judged that comparison earlier in the file,
naming the earlier line (campaign.imports.vote_planning). A dict from each vote's key to its
line held ~100 bytes a vote (an entry, an int key and an int line): ~20 MB at 200,000 votes,
growing with the file. Here the votes of earlier batches are two numpy arrays, sorted by key
(12 bytes a vote), and one batch's lookups are one ``searchsorted``; only the batch being
planned is a dict.
"""

from __future__ import annotations

import numpy as np


class VoteKeys:
    """Keys (Python ``hash`` values: 64-bit signed) of planned votes, with their lines."""

    def __init__(self) -> None:
        self._keys = np.empty(0, dtype=np.int64)  # earlier batches', sorted
        self._lines = np.empty(0, dtype=np.int64)  # the line of each of _keys
        self.batch: dict[int, int] = {}  # this batch's: key -> line

    def earlier(self, keys: list[int]) -> dict[int, int]:
        """Of ``keys``, those planned by an earlier batch: key -> its line (usually empty)."""
        if not keys or not len(self._keys):
            return {}
        wanted = np.fromiter(keys, dtype=np.int64, count=len(keys))
        at = np.searchsorted(self._keys, wanted)
        at[at == len(self._keys)] = 0  # past the end: compared with any key, found or not
        found = self._keys[at] == wanted
        return dict(zip(wanted[found].tolist(), self._lines[at[found]].tolist(), strict=True))

    def end_batch(self) -> None:
        """Move this batch's votes into the sorted arrays (a batch's keys are all new)."""
        if not self.batch:
            return
        keys = np.fromiter(self.batch.keys(), dtype=np.int64, count=len(self.batch))
        lines = np.fromiter(self.batch.values(), dtype=np.int64, count=len(self.batch))
        order = np.argsort(keys)
        keys, lines = keys[order], lines[order]
        # One insertion of the whole batch: a copy of the arrays, not a sort of them.
        at = np.searchsorted(self._keys, keys)
        self._keys = np.insert(self._keys, at, keys)
        self._lines = np.insert(self._lines, at, lines)
        self.batch = {}

    def __len__(self) -> int:
        return len(self._keys) + len(self.batch)
