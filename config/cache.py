"""The cache: django-redis, falling back to this process's memory while Redis is down.

IGNORE_EXCEPTIONS alone turns each failed call into a miss, and a failed `add` reads as
"someone else holds this key". allauth's login rate limit guards its counter with an `add`
lock: never getting it, it refused every login with 429 after waiting a second, for as long
as Redis was down. Falling back to memory keeps logins working and still rate-limited (per
process) through an outage. After a failure Redis is left alone for RETRY_SECONDS, so a dead
Redis does not cost every call a connection attempt; values written meanwhile stay local.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted

from config.redis import Breaker

RETRY_SECONDS = 10.0


class RedisCacheWithLocalFallback(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._memory = LocMemCache(f"redis-fallback-{server}", {"TIMEOUT": self.default_timeout})
        self._breaker = Breaker(lambda: RETRY_SECONDS, "the cache uses local memory")

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if not self._breaker.is_open():
            try:
                return getattr(self.client, method)(*args, **kwargs)
            except ConnectionInterrupted as error:
                self._breaker.trip(error.__cause__)
        return getattr(self._memory, method)(*args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return bool(self._call("delete", *args, **kwargs))

    def get_many(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
        return self._call("get_many", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> int:
        return self._call("incr", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("touch", *args, **kwargs)
