"""The Redis cache falls back to process memory during an outage instead of failing calls."""

from __future__ import annotations

import socket

from config.cache import RedisCacheWithLocalFallback


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_with_redis_down_the_cache_works_from_memory() -> None:
    cache = RedisCacheWithLocalFallback(
        f"redis://127.0.0.1:{closed_port()}/0",
        {"OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2}},
    )
    # allauth's rate-limit lock: with plain IGNORE_EXCEPTIONS this `add` is False forever.
    assert cache.add("lock", True, timeout=10) is True
    assert cache.add("lock", True, timeout=10) is False
    cache.set("history", [1.0, 2.0], 60)
    assert cache.get("history") == [1.0, 2.0]
    assert cache.delete("lock") is True
    assert cache.get_many(["history", "missing"]) == {"history": [1.0, 2.0]}
