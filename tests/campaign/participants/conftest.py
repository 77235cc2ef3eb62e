"""Fixtures of the participant tests: allauth's rate limits start from zero in every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    # allauth counts logins, sign-ups, resets and e-mail changes in the cache.
    cache.clear()
    yield
    cache.clear()
