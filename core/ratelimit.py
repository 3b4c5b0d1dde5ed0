"""Fixed-window rate limits kept in the Django cache (Redis: production refuses to start without it).

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


def hit(scope: str, value: str | None, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt; True while the count in the current window is within `limit`.

    The window starts at the first attempt and is never extended by later ones, so a patient
    visitor is always let through again after `window_seconds`.
    """
    if not value or limit <= 0:
        return True
    try:
        count = cache.incr_in_window(_key(scope, value), window_seconds)
    except Exception:  # the cache (Redis) is away: serve the visitor rather than fail the request
        logger.warning("rate limit %s not counted: cache unavailable", scope, exc_info=True)
        return True
    return count <= limit * settings.RATE_LIMIT_MULTIPLIER


def hit_network(scope: str, ip: str | None, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt from the client's network (an IPv4 address, an IPv6 /64), and for
    IPv6 also against a ceiling for its /48 (`RATE_LIMIT_IPV6_SITE_FACTOR` times `limit`).

    Both counters count every attempt, so cycling through /64s inside one /48 stops too.
    """
    within_network = hit(f"{scope}:net", client_network(ip), limit=limit, window_seconds=window_seconds)
    within_site = hit(
        f"{scope}:site", client_site(ip),
        limit=limit * settings.RATE_LIMIT_IPV6_SITE_FACTOR, window_seconds=window_seconds,
    )
    return within_network and within_site


class Over(enum.Enum):
    """Which limit an attempt ran into."""

    NOTHING = "nothing"
    NETWORK = "network"
    ADDRESS = "address"


def network_then_address_hit(
    scope: str, *, ip: str | None, address: str | None, per_network: int, per_address: int, window_seconds: int,
) -> Over:
    """Count one attempt against the client's network (`hit_network`), and then, only if the
    network is within its limit, against the e-mail address it is about.

    A network over its limit spends nothing of the address' budget: otherwise whoever floods
    from one network would use up the requests of the address' owner too. Forms that mail an
    address answer ADDRESS as they answer success, so that the answer never tells whether an
    address was used before; NETWORK is a 429.
    """
    if not hit_network(f"{scope}:ip", ip, limit=per_network, window_seconds=window_seconds):
        return Over.NETWORK
    if not hit(f"{scope}:address", address, limit=per_address, window_seconds=window_seconds):
        return Over.ADDRESS
    return Over.NOTHING


def too_many(response: HttpResponse, *, window_seconds: int) -> HttpResponse:
    """Mark a 429 answer with when to try again (the window's length: the latest it can end)."""
    response.status_code = 429
    response["Retry-After"] = str(window_seconds)
    return response
