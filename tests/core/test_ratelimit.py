"""One "per network, then per address" limit (core.ratelimit.network_then_address_hit), against
the real cache: a network over its limit spends nothing of the address' budget. Every test runs
against Redis and against the in-process cache of `make run`, which must count alike."""

import time

import pytest
from django.core.cache import cache

from core.ratelimit import Over, _key, network_then_address_hit

CACHES = {
    "redis": None,  # the test settings' own: Redis
    "locmem": {"default": {"BACKEND": "core.cache.WindowCountingLocMemCache", "LOCATION": "ratelimit-tests"}},
}


@pytest.fixture(params=CACHES)
def either_cache(request, settings):
    if CACHES[request.param]:
        settings.CACHES = CACHES[request.param]
    settings.RATE_LIMIT_MULTIPLIER = 1
    settings.RATE_LIMIT_IPV6_SITE_FACTOR = 4
    cache.clear()
    yield
    cache.clear()


def _attempt(ip: str | None, address: str | None = "ann@example.com", *, per_network: int = 2,
             per_address: int = 3, window_seconds: int = 60) -> Over:
    return network_then_address_hit(
        "test-limits", ip=ip, address=address, per_network=per_network, per_address=per_address,
        window_seconds=window_seconds,
    )


def test_the_address_is_not_counted_while_the_network_is_over_its_limit(either_cache):
    assert [_attempt("198.51.100.7") for _ in range(6)] == [Over.NOTHING] * 2 + [Over.NETWORK] * 4
    # Only the two attempts the network was allowed counted for the address: one more is allowed.
    assert _attempt("203.0.113.9") is Over.NOTHING
    assert _attempt("203.0.113.9") is Over.ADDRESS


def test_an_ipv6_64_over_its_limit_spends_nothing_of_the_address_budget(either_cache):
    attempts = [_attempt(f"2001:db8:1:2::{n + 1:x}") for n in range(6)]
    assert attempts == [Over.NOTHING] * 2 + [Over.NETWORK] * 4
    assert _attempt("2001:db8:99:1::1") is Over.NOTHING
    assert _attempt("2001:db8:98:1::1") is Over.ADDRESS


def test_the_48_ceiling_stops_cycling_64s_and_spends_nothing_of_the_address_budget(either_cache):
    # Two per /64, four times that per /48: the ninth /64 is refused.
    attempts = [_attempt(f"2001:db8:7:{n:x}::1", per_address=9) for n in range(10)]
    assert attempts == [Over.NOTHING] * 8 + [Over.NETWORK] * 2
    assert _attempt("2001:db8:8:1::1", per_address=9) is Over.NOTHING  # the ninth for the address
    assert _attempt("2001:db8:9:1::1", per_address=9) is Over.ADDRESS


def test_attempts_refused_for_the_64_count_against_its_48_too(either_cache):
    attempts = [_attempt("2001:db8:7:1::1", f"n{n}@example.com") for n in range(8)]
    assert attempts == [Over.NOTHING] * 2 + [Over.NETWORK] * 6
    assert _attempt("2001:db8:7:2::1", "new@example.com") is Over.NETWORK  # a fresh /64, a full /48
    assert _attempt("2001:db8:8:2::1", "new@example.com") is Over.NOTHING


def test_a_window_starts_at_the_first_attempt_and_is_not_extended_by_later_ones(either_cache):
    assert _attempt("2001:db8:1:2::1", per_address=2, window_seconds=1) is Over.NOTHING
    time.sleep(0.6)
    assert _attempt("2001:db8:1:2::1", per_address=2, window_seconds=1) is Over.NOTHING
    time.sleep(0.6)
    # The first attempt's window has ended: every counter starts again, although the second
    # attempt was less than a window ago.
    assert _attempt("2001:db8:1:2::1", per_address=2, window_seconds=1) is Over.NOTHING
    assert _attempt("2001:db8:1:2::1", per_address=2, window_seconds=1) is Over.NOTHING
    assert _attempt("2001:db8:1:2::1", per_address=2, window_seconds=1) is Over.NETWORK


def test_each_limit_holds_on_its_own(either_cache):
    assert [_attempt(f"198.51.100.{n}") for n in range(4)] == [Over.NOTHING] * 3 + [Over.ADDRESS]
    assert _attempt("198.51.100.9", "bob@example.com") is Over.NOTHING  # another address, its own budget
    assert _attempt("198.51.100.9", "Ann@Example.com ") is Over.ADDRESS  # the same address, however typed


def test_limits_are_multiplied_and_what_is_missing_or_unlimited_is_not_counted(either_cache, settings):
    settings.RATE_LIMIT_MULTIPLIER = 2
    assert [_attempt("198.51.100.7", f"n{n}@example.com", per_network=1) for n in range(3)] == (
        [Over.NOTHING] * 2 + [Over.NETWORK]
    )
    assert [_attempt(None, per_address=1) for _ in range(3)] == [Over.NOTHING] * 2 + [Over.ADDRESS]
    assert [_attempt("198.51.100.8", f"m{n}@example.com", per_network=0) for n in range(3)] == [Over.NOTHING] * 3
    assert [_attempt("198.51.100.9", None, per_network=10, per_address=0) for _ in range(3)] == [Over.NOTHING] * 3


def test_the_counters_keep_their_key_names(either_cache):
    """Counts carry over a deploy only if the keys are the ones earlier releases counted in."""
    _attempt("2001:db8:1:2::1")
    assert cache.get(_key("test-limits:ip:net", "2001:db8:1:2::")) == 1
    assert cache.get(_key("test-limits:ip:site", "2001:db8:1::")) == 1
    assert cache.get(_key("test-limits:address", "ann@example.com")) == 1


def test_with_the_cache_away_every_attempt_is_let_through_with_a_warning(settings, caplog):
    settings.CACHES = {"default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    assert [_attempt("198.51.100.7", per_network=1, per_address=1) for _ in range(3)] == [Over.NOTHING] * 3
    assert "rate limit test-limits not counted: cache unavailable" in caplog.text
