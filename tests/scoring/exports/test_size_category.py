"""The dataset card's size category: the Hugging Face hub's bands, ends included."""

from __future__ import annotations

import pytest

from scoring.exports.dataset import size_category


@pytest.mark.parametrize(
    ("rows", "category"),
    [
        (0, "n<1K"),
        (999, "n<1K"),
        (1_000, "1K<n<10K"),
        (99_999, "10K<n<100K"),
        (1_000_000, "1M<n<10M"),
        (99_999_999, "10M<n<100M"),
        (100_000_000, "n>100M"),
        (3_000_000_000, "n>100M"),
    ],
)
def test_a_row_count_falls_in_one_band(rows, category):
    assert size_category(rows) == category
