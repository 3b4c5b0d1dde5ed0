"""Fixed-window rate limits kept in the Django cache (Redis: production refuses to start without it).

One attempt costs one cache round trip, however many counters it counts (a network, its IPv6
/48, an e-mail address): they are counted together by the cache's `incr_in_windows_staged`.

Keys carry a hash of what they count (a network, an e-mail address), never the value, so the
cache holds no personal data in readable form.
"""

import enum
import hashlib
import hmac
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

from core.ipaddress import client_network, client_site

logger = logging.getLogger(__name__)


def _key(scope: str, value: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), value.strip().lower().encode(), hashlib.sha256).hexdigest()
    return f"ratelimit:{scope}:{digest[:32]}"


_Counter = tuple[str, int, int]  # (key, limit, stage): see cache.incr_in_windows_staged

# The stages of a limit: the client's network is counted first, the address it asks about only
# while the network is within its limits.
_NETWORK, _ADDRESS = 1, 2


def _counters(scope: str, value: str | None, *, limit: int, stage: int) -> list[_Counter]:
    """The counter of `value` in `scope`, none when there is nothing to count or no limit."""
    if not value or limit <= 0:
        return []
    return [(_key(scope, value), limit * settings.RATE_LIMIT_MULTIPLIER, stage)]


def _network_counters(scope: str, ip: str | None, *, limit: int, stage: int) -> list[_Counter]:
    """The client's network (an IPv4 address, an IPv6 /64) and, for IPv6, its /48, whose ceiling
    is `RATE_LIMIT_IPV6_SITE_FACTOR` times `limit`: cycling through /64s inside one /48 stops too."""
    return _counters(f"{scope}:net", client_network(ip), limit=limit, stage=stage) + _counters(
        f"{scope}:site", client_site(ip), limit=limit * settings.RATE_LIMIT_IPV6_SITE_FACTOR, stage=stage,
    )


def _first_over(scope: str, counters: list[_Counter], window_seconds: int) -> int:
    """Count one attempt on `counters` in one cache round trip; the first stage over its limit, 0 if none.

    Each window starts at its counter's first attempt and is never extended by later ones, so a
    patient visitor is always let through again after `window_seconds`.
    """
    if not counters:
        return 0
    try:
        return cache.incr_in_windows_staged(counters, window_seconds)
    except Exception:  # the cache (Redis) is away: serve the visitor rather than fail the request
        logger.warning("rate limit %s not counted: cache unavailable", scope, exc_info=True)
        return 0


def hit(scope: str, value: str | None, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt; True while the count in the current window is within `limit`."""
    return not _first_over(scope, _counters(scope, value, limit=limit, stage=_NETWORK), window_seconds)


def hit_network(scope: str, ip: str | None, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt from the client's network, and for IPv6 its /48 (see `_network_counters`);
    True while both are within their limits. Both count every attempt."""
    return not _first_over(scope, _network_counters(scope, ip, limit=limit, stage=_NETWORK), window_seconds)


class Over(enum.Enum):
    """Which limit an attempt ran into."""

    NOTHING = "nothing"
    NETWORK = "network"
    ADDRESS = "address"


_ANSWERS = {0: Over.NOTHING, _NETWORK: Over.NETWORK, _ADDRESS: Over.ADDRESS}  # by the first stage over


def network_then_address_hit(
    scope: str, *, ip: str | None, address: str | None, per_network: int, per_address: int, window_seconds: int,
) -> Over:
    """Count one attempt against the client's network (as `hit_network`), and then, only if the
    network is within its limits, against the e-mail address it is about; one cache round trip.

    A network over its limit spends nothing of the address' budget: otherwise whoever floods
    from one network would use up the requests of the address' owner too. Forms that mail an
    address answer ADDRESS as they answer success, so that the answer never tells whether an
    address was used before; NETWORK is a 429.
    """
    counters = _network_counters(f"{scope}:ip", ip, limit=per_network, stage=_NETWORK) + _counters(
        f"{scope}:address", address, limit=per_address, stage=_ADDRESS,
    )
    return _ANSWERS[_first_over(scope, counters, window_seconds)]


def too_many(response: HttpResponse, *, window_seconds: int) -> HttpResponse:
    """Mark a 429 answer with when to try again (the window's length: the latest it can end)."""
    response.status_code = 429
    response["Retry-After"] = str(window_seconds)
    return response
