"""One "per network, then per address" limit (core.ratelimit.network_then_address_hit), against
the real cache: a network over its limit spends nothing of the address' budget."""

import pytest
from django.core.cache import cache

from core.ratelimit import Over, network_then_address_hit


@pytest.fixture(autouse=True)
def _empty_counters():
    cache.clear()
    yield
    cache.clear()


def _attempt(ip: str, address: str = "ann@example.com") -> Over:
    return network_then_address_hit(
        "test-limits", ip=ip, address=address, per_network=2, per_address=3, window_seconds=60,
    )


def test_the_address_is_not_counted_while_the_network_is_over_its_limit():
    assert [_attempt("198.51.100.7") for _ in range(6)] == [Over.NOTHING] * 2 + [Over.NETWORK] * 4
    # Only the two attempts the network was allowed counted for the address: one more is allowed.
    assert _attempt("203.0.113.9") is Over.NOTHING
    assert _attempt("203.0.113.9") is Over.ADDRESS


def test_each_limit_holds_on_its_own():
    assert [_attempt(f"198.51.100.{n}") for n in range(4)] == [Over.NOTHING] * 3 + [Over.ADDRESS]
    assert _attempt("198.51.100.9", "bob@example.com") is Over.NOTHING  # another address, its own budget
    assert _attempt("198.51.100.9", "Ann@Example.com ") is Over.ADDRESS  # the same address, however typed
