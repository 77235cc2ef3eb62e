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
    """Key → Known: earlier batches' in sorted arrays, this batch's in ``batch``.

    The arrays are a few sorted runs, not one: a batch's entries become a run of their own,
    merged with the runs before it while those are no more than twice its size, so an entry is
    copied O(log n) times in all (one array, grown by insertion, was copied whole every batch:
    1.5 s of an arena-shaped 200,000-vote import) and a lookup searches O(log n) runs.
    """

    def __init__(self) -> None:
        # (digests sorted, their (line, fingerprint, primary key) rows), oldest and largest first
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []
        self.batch: dict[Key, Known] = {}
        self._loaded: set[Key] = set()  # the entries of ``batch`` that came from the arrays
        self._looked_up: dict[Key, bytes] = {}  # digests made by ``load``, kept for new keys

    def start_batch(self) -> None:
        """Keep what the last batch added, and start an empty batch."""
        new = [key for key in self.batch if key not in self._loaded]
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
        self.batch, self._loaded, self._looked_up = {}, set(), {}

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
        return (
            sum(len(digests) for digests, _values in self._runs)
            + len(self.batch)
            - len(self._loaded)
        )


def _digest(key: object) -> bytes:
    """A prompt id's, or a (prompt id, model) pair's, 16-byte digest."""
    text = "\0".join(key) if isinstance(key, tuple) else str(key)
    return hashlib.blake2b(text.encode(), digest_size=16).digest()
