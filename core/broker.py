"""Celery's Redis transport with one Redis client per channel.

kombu builds a new `redis.Redis` for every message it publishes, and building one (its table
of response callbacks) costs more CPU than the LPUSH it sends, on every form that queues an
e-mail. One client per channel serves every command instead: it is thread-safe, as the
channel's connection pool under it is, and it follows the pool when kombu replaces it (after
a fork).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    _reused_client: Any = None

    @contextmanager
    def conn_or_acquire(self, client: Any = None) -> Iterator[Any]:
        if client:
            yield client
            return
        reused = self._reused_client
        if reused is None or reused.connection_pool is not self.pool:
            reused = self._reused_client = self._create_client()
        yield reused


class Transport(kombu_redis.Transport):
    Channel = Channel
