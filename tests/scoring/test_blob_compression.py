"""The blobs scoring runs rewrite are stored with lz4 (scoring migrations 0007 and 0010)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db]


def test_the_scoring_state_and_the_comparison_cache_are_stored_with_lz4() -> None:
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
            "WHERE attname = 'arrays' AND attrelid IN "
            "('scoring_scoringstate'::regclass, 'scoring_comparisoncache'::regclass)"
        )
        found = dict(cursor.fetchall())
    assert found == {"scoring_scoringstate": "l", "scoring_comparisoncache": "l"}


def test_the_scoring_states_comparison_base_is_stored_with_lz4() -> None:
    # Migration 0010: the per-comparison cells' base, apart from the state's arrays.
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL storage setting")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        if not cursor.fetchone()[0]:
            pytest.skip("this PostgreSQL was built without lz4")
        cursor.execute(
            "SELECT attcompression FROM pg_attribute WHERE attname = 'comparison_base' "
            "AND attrelid = 'scoring_scoringstate'::regclass"
        )
        assert cursor.fetchone()[0] == "l"
