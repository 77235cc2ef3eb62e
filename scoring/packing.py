"""Lossless packing of the arrays a run keeps between runs (scoring.state_storage,
scoring.comparison_cache).

They are written on every run that changed them and read at the start of the next, so their
bytes are time: at 10,000,000 judgments the state was 119 MB, 80 MB of it the timed seconds.
Three encodings, each exact (the decoded array equals the encoded one, or the array is kept
as it is):

- integers in the smallest signed type that holds them (`packed`);
- a non-decreasing integer array (ids, sorted keys) as its first value and its steps, which
  are small (`encode_sorted`);
- seconds sorted within groups (each annotator's timed judgments) as whole milliseconds when
  every value is one (the annotate loop stores them rounded to the millisecond): each group's
  first value and its steps (`encode_grouped_seconds`).

An encoded array is stored under ``name`` plus a suffix, and `decoded` puts it back; `npz`
and `unpacked_npz` turn a dict of arrays into stored bytes and back.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from numpy.typing import NDArray

_FIRST, _STEP = "__first", "__step"
_MS_FIRST, _MS_STEP = "__ms_first", "__ms_step"
_MS_EXACT = 2**50  # milliseconds below this are exact in a float64, and so are their sums


def npz(arrays: dict[str, Any]) -> bytes:
    """Arrays as the bytes of one ``np.savez`` archive (uncompressed: PostgreSQL compresses
    the bytea with lz4)."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def unpacked_npz(blob: bytes) -> dict[str, np.ndarray]:
    """`npz` bytes of arrays stored by `encode_sorted` and `packed`, decoded."""
    with np.load(io.BytesIO(blob)) as stored:
        return decoded({name: stored[name] for name in stored.files}, {})


def packed(array: np.ndarray) -> np.ndarray:
    """Integers in the smallest signed type that holds them: most stored counts are small
    (judgments per comparison, votes per cell)."""
    if array.dtype != np.int64 or array.size == 0:
        return array
    low, high = int(array.min()), int(array.max())
    for dtype in (np.int8, np.int16, np.int32):
        if np.iinfo(dtype).min <= low and high <= np.iinfo(dtype).max:
            return array.astype(dtype)
    return array


def unpacked(array: np.ndarray) -> np.ndarray:
    """`packed`'s integers back as int64, the type every fold works in."""
    if array.dtype in (np.int8, np.int16, np.int32):
        return array.astype(np.int64)
    return array


def encode_sorted(name: str, array: np.ndarray) -> dict[str, np.ndarray]:
    """A one-dimensional int64 array: as first value and steps when it never decreases."""
    if array.dtype != np.int64 or array.ndim != 1 or array.size < 2:
        return {name: packed(array)}
    steps = np.diff(array)
    if steps.min() < 0:
        return {name: packed(array)}
    return {name + _FIRST: array[:1], name + _STEP: packed(steps)}


def encode_grouped_seconds(
    name: str, seconds: NDArray[np.float64], sizes: NDArray[np.int64]
) -> dict[str, np.ndarray]:
    """``seconds``, sorted within consecutive groups of ``sizes``: as each group's first
    value and the steps within it, in whole milliseconds, when that is exact."""
    milliseconds = np.rint(seconds * 1000.0)
    exact = (
        seconds.size > 0
        and bool(np.all(milliseconds / 1000.0 == seconds))
        and float(np.abs(milliseconds).max()) < _MS_EXACT
    )
    if not exact:
        return {name: seconds}
    whole = milliseconds.astype(np.int64)
    steps = np.diff(whole, prepend=np.int64(0))
    starts = _group_starts(sizes)
    steps[starts] = 0  # each group starts from its own first value, stored apart
    return {name + _MS_FIRST: packed(whole[starts]), name + _MS_STEP: packed(steps)}


def decoded(stored: dict[str, np.ndarray], sizes_of: dict[str, str]) -> dict[str, np.ndarray]:
    """The arrays `encode_sorted`, `encode_grouped_seconds` and `packed` stored, by name.
    ``sizes_of`` names, for each grouped array, the array that holds its group sizes."""
    arrays: dict[str, np.ndarray] = {}
    for key, value in stored.items():
        if key.endswith(_FIRST):
            name = key[: -len(_FIRST)]
            steps = unpacked(stored[name + _STEP])
            arrays[name] = np.concatenate([value, value + np.cumsum(steps)])
        elif not key.endswith((_STEP, _MS_FIRST, _MS_STEP)):
            arrays[key] = unpacked(value)
    for name, sizes_name in sizes_of.items():
        if name + _MS_FIRST in stored:
            arrays[name] = _seconds(stored, name, arrays[sizes_name])
    return arrays


def _seconds(stored: dict[str, np.ndarray], name: str, sizes: np.ndarray) -> np.ndarray:
    firsts = unpacked(stored[name + _MS_FIRST])
    steps = unpacked(stored[name + _MS_STEP])
    starts = _group_starts(sizes)
    steps = steps.copy()
    steps[starts] = firsts
    running = np.cumsum(steps)
    # Each group's running sum restarts at its first value: take off what came before it.
    before = np.where(starts > 0, running[np.maximum(starts - 1, 0)], 0)
    sizes = np.asarray(sizes, dtype=np.int64)
    whole = running - np.repeat(before, sizes[sizes > 0])
    return whole / 1000.0


def _group_starts(sizes: np.ndarray) -> NDArray[np.intp]:
    """The first index of each non-empty group of consecutive ``sizes``."""
    sizes = np.asarray(sizes, dtype=np.int64)
    ends = np.cumsum(sizes)
    return (ends - sizes)[sizes > 0].astype(np.intp)
