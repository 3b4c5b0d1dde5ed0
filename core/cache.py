"""A Redis cache that degrades instead of failing when Redis is away.

Everything the site caches can be computed again, so a Redis outage must cost speed,
not pages: reads miss, writes are dropped, and after a failure Redis is left alone for
a few seconds so that requests do not each wait on a connect timeout. Counters
(`incr`, `incr_in_window`, `incr_in_windows_staged`) raise CacheUnavailable, which rate
limits treat as "let the visitor through".
A key deleted during an outage may come back stale only if Redis kept its data across
the outage; the site's Redis keeps nothing on disk.

An entry written by another release that this one cannot read (a cached object whose
class has moved to another module, during a deploy) is a miss too, not a failed page.
"""

import functools
import logging
import pickle
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient, RedisSerializer
from django.core.signals import setting_changed
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

_FAILURES = (RedisConnectionError, RedisTimeoutError, OSError)


class CacheUnavailable(Exception):
    """The cache could not answer; the caller decides what that means."""


class _Unreadable(Exception):
    """An entry this release cannot unpickle."""


class ReleaseTolerantSerializer(RedisSerializer):
    def loads(self, data: bytes) -> Any:
        try:
            return super().loads(data)
        except (AttributeError, ImportError, pickle.UnpicklingError) as error:
            raise _Unreadable from error


class ReusedClientCacheClient(RedisCacheClient):
    """Django's client builds a new `redis.Redis` for every operation, and building one
    (its table of response callbacks) cost more CPU than the Redis round trip itself:
    about 0.2 ms per cache read. One client per connection pool serves every operation;
    it is thread-safe, as the pool is."""

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: str | None = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # pools live as long as this client: their ids are stable
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


# The expiry is set only by the count that creates the key, in the same atomic step: a window
# never lacks an end, and later counts never push it back.
_WINDOW_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""

# Several window counts in one round trip, for a rate limit made of counters in stages (the
# client's network first, then the address it asks about): each key is counted as above unless
# a key of an earlier stage already went over its limit. ARGV: the window, then limit and stage
# per key. Returns the first stage that went over, 0 if none did.
_STAGED_WINDOW_COUNT = """
local over = 0
for i, key in ipairs(KEYS) do
  local limit, stage = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  if over == 0 or stage <= over then
    local count = redis.call('INCR', key)
    if count == 1 then redis.call('EXPIRE', key, ARGV[1]) end
    if count > limit and over == 0 then over = stage end
  end
end
return over
"""


class ResilientRedisCache(RedisCache):
    retry_after_seconds = 5.0

    def __init__(self, server: str, params: dict) -> None:
        options = params.setdefault("OPTIONS", {})
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        options.setdefault("serializer", ReleaseTolerantSerializer)
        super().__init__(server, params)
        self._class = ReusedClientCacheClient
        self._down_until = 0.0
        self._window_count: Any = None  # the counting scripts, registered on first use
        self._staged_window_count: Any = None

    def _guarded(self, operation: Callable[[], Any], fallback: Any) -> Any:
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return operation()
        except _FAILURES:
            self._down_until = time.monotonic() + self.retry_after_seconds
            logger.warning("cache unavailable; serving without it for %ss", self.retry_after_seconds)
            return fallback

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        try:
            return self._guarded(lambda: super(ResilientRedisCache, self).get(key, default, version), default)
        except _Unreadable:
            logger.warning("cache entry %s unreadable by this release; treated as a miss", key)
            return default

    def get_many(self, keys: list[str], version: int | None = None) -> dict:
        try:
            return self._guarded(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})
        except _Unreadable:
            # One entry another release wrote: read key by key, so that only that entry misses.
            missing = object()
            found = {key: self.get(key, missing, version) for key in keys}
            return {key: value for key, value in found.items() if value is not missing}

    def has_key(self, key: str, version: int | None = None) -> bool:
        return self._guarded(lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def set(self, key: str, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._guarded(lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None)

    def add(self, key: str, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guarded(lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False)

    def set_many(self, data: dict, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> list:
        return self._guarded(lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), list(data))

    def touch(self, key: str, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guarded(lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key: str, version: int | None = None) -> bool:
        return self._guarded(lambda: super(ResilientRedisCache, self).delete(key, version), False)

    def delete_many(self, keys: list[str], version: int | None = None) -> None:
        self._guarded(lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)

    def clear(self) -> None:
        self._guarded(lambda: super(ResilientRedisCache, self).clear(), None)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        unavailable = object()
        result = self._guarded(lambda: super(ResilientRedisCache, self).incr(key, delta, version), unavailable)
        if result is unavailable:
            raise CacheUnavailable(key)
        return result

    def incr_in_window(self, key: str, window_seconds: int) -> int:
        """Count one more in a fixed window that starts at the key's first count and is never
        extended. One round trip to Redis, a script run atomically, where add() and incr() took
        three (Django's incr asks whether the key exists first)."""

        def count() -> int:
            name = self.make_and_validate_key(key)
            if self._window_count is None:
                self._window_count = self._cache.get_client(name, write=True).register_script(_WINDOW_COUNT)
            return self._window_count(keys=[name], args=[window_seconds])

        unavailable = object()
        result = self._guarded(count, unavailable)
        if result is unavailable:
            raise CacheUnavailable(key)
        return result

    def incr_in_windows_staged(self, counters: list[tuple[str, int, int]], window_seconds: int) -> int:
        """Count (key, limit, stage) counters, in order of stage from 1 up, each as `incr_in_window`
        does, but skip those of a later stage once a counter went over its limit; return the first
        stage that went over, 0 if none did. One round trip to Redis for them all."""
        if not counters:
            return 0

        def count() -> int:
            names = [self.make_and_validate_key(key) for key, _, _ in counters]
            if self._staged_window_count is None:
                client = self._cache.get_client(names[0], write=True)
                self._staged_window_count = client.register_script(_STAGED_WINDOW_COUNT)
            args = [window_seconds] + [number for _, limit, stage in counters for number in (limit, stage)]
            return self._staged_window_count(keys=names, args=args)

        unavailable = object()
        result = self._guarded(count, unavailable)
        if result is unavailable:
            raise CacheUnavailable(counters[0][0])
        return result


class WindowCountingLocMemCache(LocMemCache):
    """The in-process cache of `make run`, with the fixed-window counter rate limits use."""

    def incr_in_window(self, key: str, window_seconds: int) -> int:
        self.add(key, 0, timeout=window_seconds)
        try:
            return self.incr(key)
        except ValueError:  # expired between add and incr
            self.add(key, 1, timeout=window_seconds)
            return 1

    def incr_in_windows_staged(self, counters: list[tuple[str, int, int]], window_seconds: int) -> int:
        """As ResilientRedisCache.incr_in_windows_staged."""
        over = 0
        for key, limit, stage in counters:
            if over == 0 or stage <= over:
                count = self.incr_in_window(key, window_seconds)
                if count > limit and over == 0:
                    over = stage
        return over


class LocalCopy:
    """One value this process keeps for a few seconds (`seconds()`, read at each keep, 0 = never),
    so that reading it again costs no Redis round trip; a change made in another process reaches
    this one at most that much later. `get()` is None when nothing fresh is kept. The (fresh
    until, value) pair is replaced whole, so threads never see half of it."""

    def __init__(self, seconds: Callable[[], float]) -> None:
        self._seconds = seconds
        self._kept: tuple[float, Any] | None = None

    def get(self) -> Any:
        kept = self._kept
        return kept[1] if kept is not None and time.monotonic() < kept[0] else None

    def keep(self, value: Any) -> None:
        seconds = self._seconds()
        if seconds > 0:
            self._kept = (time.monotonic() + seconds, value)

    def forget(self) -> None:
        self._kept = None


T = TypeVar("T")


def on_setting_change(names: frozenset[str], callback: Callable[[], None]) -> None:
    """Call `callback` when one of these settings changes. Settings stay put while a process runs,
    except in tests (override_settings and pytest-django's `settings` send `setting_changed`)."""

    def receiver(*, setting: str, **kwargs: Any) -> None:
        if setting in names:
            callback()

    setting_changed.connect(receiver, weak=False)


def from_settings(*names: str) -> Callable[[Callable[[], T]], Callable[[], T]]:
    """A value derived from these settings, computed once per process instead of on every request:
    reading a setting goes through LazySettings' attribute hook, which a hot path feels."""

    def decorate(function: Callable[[], T]) -> Callable[[], T]:
        cached = functools.cache(function)
        on_setting_change(frozenset(names), cached.cache_clear)
        return cached

    return decorate
