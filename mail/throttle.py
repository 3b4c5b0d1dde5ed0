"""A send rate that holds across every worker together, kept in Redis.

Celery's own `rate_limit` counts per worker; this is a generic cell rate algorithm (GCRA)
on Redis' clock, so any number of workers on any number of hosts share one budget.
"""

import threading
import time

import redis
from django.conf import settings

# KEYS[1]: the bucket; ARGV[1]: microseconds between messages; ARGV[2]: burst tolerance (µs).
# Returns 0 when the caller may send now, else the microseconds to wait before asking again.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local allow_at = tat - tonumber(ARGV[2])
if now < allow_at then return math.floor(allow_at - now) + 1 end
local new_tat = tat + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.floor((new_tat - now) / 1000) + 1000)
return 0
"""

_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


class SendRate:
    def __init__(self, per_second: float | None = None, key: str = "newsletter:send-rate") -> None:
        self.per_second = settings.MAIL_SEND_RATE if per_second is None else per_second
        self.key = key
        self.interval_us = int(1_000_000 / self.per_second) if self.per_second > 0 else 0
        # Allows a tenth of a second's worth of messages at once, so workers need not take turns exactly.
        self.tolerance_us = 100_000
        self._script = None
        url = settings.MAIL_REDIS_URL
        if self.interval_us and url:
            with _lock:
                client = _clients.get(url) or _clients.setdefault(url, redis.Redis.from_url(url))
            self._script = client.register_script(_GCRA)
        self._local_next = 0.0
        self._local_lock = threading.Lock()

    def wait(self) -> None:
        """Block until one more message may go out."""
        if not self.interval_us:
            return
        if self._script is None:
            # No Redis (a laptop): the limit holds for this process only (its senders share it).
            with self._local_lock:
                now = time.monotonic()
                start = max(self._local_next, now)
                self._local_next = start + self.interval_us / 1_000_000
            if start > now:
                time.sleep(start - now)
            return
        while True:
            wait_us = int(self._script(keys=[self.key], args=[self.interval_us, self.tolerance_us]))
            if wait_us <= 0:
                return
            time.sleep(wait_us / 1_000_000)
