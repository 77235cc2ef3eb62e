"""The blobs scoring runs rewrite are stored with lz4 (scoring migrations 0007 and 0010)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db]


def compression_of(column: str, tables: list[str]) -> dict[str, str]:
    """Each table's compression method of ``column`` ("l": lz4); skips where there is none."""
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL storage setting")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        if not cursor.fetchone()[0]:
            pytest.skip("this PostgreSQL was built without lz4")
        cursor.execute(
            "SELECT attrelid::regclass::text, attcompression FROM pg_attribute "
            "WHERE attname = %s AND attrelid = ANY(%s::regclass[])",
            [column, tables],
        )
        return dict(cursor.fetchall())


def test_the_scoring_state_and_the_comparison_cache_are_stored_with_lz4() -> None:
    found = compression_of("arrays", ["scoring_scoringstate", "scoring_comparisoncache"])
    assert found == {"scoring_scoringstate": "l", "scoring_comparisoncache": "l"}


def test_the_scoring_states_base_is_stored_with_lz4() -> None:
    # Migration 0010: the sparse vote cells' base, apart from the state's arrays.
    found = compression_of("comparison_base", ["scoring_scoringstate"])
    assert found == {"scoring_scoringstate": "l"}
