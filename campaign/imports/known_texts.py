"""The prompts and responses a vote import's votes name, kept compact: sorted numpy arrays.

The planner (campaign.imports.vote_planning) knows of each prompt and response it has met its
first line, its text's fingerprint and its primary key (``Known``). As dicts keyed by prompt id
and (prompt id, model), these held ~150-200 bytes an entry, growing with the file: at an
arena-shaped file (bench/import_votes.py --prompts 200000: most votes on a prompt of their
own) peak RSS grew 168 MiB from 20,000 to 200,000 votes. Here the entries of earlier batches
are arrays sorted by a 16-byte digest of the key (40 bytes an entry); a batch brings the ones
its lines name into ``batch`` at once (``searchsorted``), and what it adds goes into the arrays
when the next batch starts. An entry never changes once made.

Sixteen bytes, as the comparisons' keys: two keys sharing a digest would take each other's
rows without a word.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

import numpy as np

from campaign.imports.vote_plan import Known

Key = TypeVar("Key", bound=Hashable)
_NONE = -1  # no fingerprint (Python's hash is never -1), no primary key


class KnownTexts(Generic[Key]):
    """Key → Known: all of them in sorted arrays, this batch's and recent ones' in ``batch``.

    ``batch`` is also a cache: it keeps its entries from batch to batch up to ``CACHED`` (then
    starts empty), so a file that names the same prompts and responses again and again does
    not load them back from the arrays every batch (``load`` took 1.4 s of a 200,000-vote
    import on 2,000 prompts, 0.6 s with the cache). Memory stays flat: the cache is bounded,
    the arrays 40 bytes an entry.

    The arrays are a few sorted runs, not one: a batch's entries become a run of their own,
    merged with the runs before it while those are no more than twice its size, so an entry is
    copied O(log n) times in all (one array, grown by insertion, was copied whole every batch:
    1.5 s of an arena-shaped 200,000-vote import) and a lookup searches O(log n) runs.
    """

    CACHED = 65_536

    def __init__(self) -> None:
        # (digests sorted, their (line, fingerprint, primary key) rows), oldest and largest first
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []
        self.batch: dict[Key, Known] = {}
        self._flushed = 0  # the first entries of ``batch`` (in order) are in the arrays
        self._loaded: set[Key] = set()  # later entries that came from the arrays
        self._looked_up: dict[Key, bytes] = {}  # digests made by ``load``, kept for new keys

    def start_batch(self) -> None:
        """Keep what the last batch added (entries are never removed from ``batch``: new ones
        come after the flushed ones) and start the next batch."""
        loaded = self._loaded
        new = [key for key in list(self.batch)[self._flushed :] if key not in loaded]
        if new:
            looked_up = self._looked_up
            digests = np.array([looked_up.get(key) or _digest(key) for key in new], dtype="S16")
            values = np.array(
                [
                    (line, _NONE if mark is None else mark, _NONE if pk is None else pk)
                    for line, mark, pk in (self.batch[key] for key in new)
                ],
                dtype=np.int64,
            )
            while self._runs and len(self._runs[-1][0]) <= 2 * len(digests):
                older, older_values = self._runs.pop()
                digests = np.concatenate((older, digests))
                values = np.concatenate((older_values, values))
            order = np.argsort(digests, kind="stable")
            self._runs.append((digests[order], values[order]))
        if len(self.batch) > self.CACHED:
            self.batch = {}
        self._flushed, self._loaded, self._looked_up = len(self.batch), set(), {}

    def load(self, keys: Iterable[Key]) -> None:
        """Bring the entries of earlier batches with these keys into ``batch``."""
        if not self._runs:
            return
        wanted = [key for key in set(keys) if key not in self.batch]
        if not wanted:
            return
        self._looked_up = dict(zip(wanted, map(_digest, wanted), strict=True))
        asked = np.array(list(self._looked_up.values()), dtype="S16")
        for digests, values in self._runs:
            at = np.searchsorted(digests, asked)
            at[at == len(digests)] = 0  # past the end: compared with any key, found or not
            found = np.flatnonzero(digests[at] == asked)
            for index, (line, mark, pk) in zip(
                found.tolist(), values[at[found]].tolist(), strict=True
            ):
                key = wanted[index]
                self.batch[key] = (
                    line,
                    None if mark == _NONE else mark,
                    None if pk == _NONE else pk,
                )
                self._loaded.add(key)

    def __len__(self) -> int:
        pending = len(self.batch) - self._flushed - len(self._loaded)
        return sum(len(digests) for digests, _values in self._runs) + pending


def _digest(key: object) -> bytes:
    """A prompt id's, or a (prompt id, model) pair's, 16-byte digest."""
    text = "\0".join(key) if isinstance(key, tuple) else str(key)
    return hashlib.blake2b(text.encode(), digest_size=16).digest()
