"""The kept arrays' packing (scoring.packing) gives back exactly what it was given."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.packing import decoded, encode_grouped_seconds, encode_sorted

INTS = st.lists(st.integers(-(2**62), 2**62), max_size=40)


@settings(max_examples=200, deadline=None)
@given(values=INTS, sort=st.booleans())
def test_an_integer_array_comes_back_as_it_was(values, sort):
    array = np.array(sorted(values) if sort else values, dtype=np.int64)

    back = decoded(encode_sorted("ids", array), {})["ids"]

    assert back.dtype == np.int64 and np.array_equal(back, array)


def test_sorted_ids_are_kept_as_small_steps():
    ids = np.arange(5_000_000, 5_001_000, dtype=np.int64)
    stored = encode_sorted("ids", ids)
    assert stored["ids__step"].dtype == np.int8


GROUPS = st.lists(
    st.lists(st.integers(0, 10**9), max_size=12),  # milliseconds, up to ~11 days
    max_size=8,
)


def grouped(groups: list[list[int]], scale: float) -> tuple[np.ndarray, np.ndarray]:
    sizes = np.array([len(group) for group in groups], dtype=np.int64)
    values = [sorted(group) for group in groups]
    seconds = np.array([v / scale for group in values for v in group], dtype=np.float64)
    return seconds, sizes


@settings(max_examples=200, deadline=None)
@given(groups=GROUPS)
def test_seconds_in_whole_milliseconds_come_back_exactly(groups):
    seconds, sizes = grouped(groups, 1000.0)
    stored = encode_grouped_seconds("seconds", seconds, sizes)
    stored["timed"] = sizes

    back = decoded(stored, {"seconds": "timed"})["seconds"]

    assert np.array_equal(back, seconds)
    if seconds.size:
        assert "seconds" not in stored  # kept as milliseconds


@settings(max_examples=100, deadline=None)
@given(groups=GROUPS)
def test_seconds_finer_than_a_millisecond_are_kept_as_they_are(groups):
    seconds, sizes = grouped(groups, 7000.0)  # sevenths of a millisecond
    stored = encode_grouped_seconds("seconds", seconds, sizes)
    stored["timed"] = sizes

    back = decoded(stored, {"seconds": "timed"})["seconds"]

    assert np.array_equal(back, seconds)


def test_a_judges_seconds_pack_into_small_steps():
    # Rounded to the millisecond as the annotate loop stores them.
    rng = np.random.default_rng(0)
    sizes = np.array([20_000, 0, 15_000], dtype=np.int64)
    seconds = np.concatenate(
        [np.sort(np.round(rng.lognormal(3, 0.5, size), 3)) for size in sizes if size]
    )
    stored = encode_grouped_seconds("seconds", seconds, sizes)
    assert stored["seconds__ms_step"].itemsize <= 2  # against 8 bytes a value
