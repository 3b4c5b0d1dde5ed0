"""With Redis unreachable, pages still render: the cache misses instead of failing."""

import os

import pytest
from django.core.cache import caches
from django.test import override_settings

from core.cache import CacheUnavailable, ResilientRedisCache
from core.ratelimit import hit

# Port 1 on loopback: nothing listens, connections are refused at once.
DEAD_REDIS = {"default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
LIVE_REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1"


def test_dead_cache_reads_miss_and_writes_are_dropped():
    cache = ResilientRedisCache("redis://127.0.0.1:1/0", {})
    cache.set("k", "v")
    assert cache.get("k", "fallback") == "fallback"
    assert cache.add("k", 1) is False
    with pytest.raises(CacheUnavailable):
        cache.incr("k")


def test_live_cache_still_works():
    cache = ResilientRedisCache(LIVE_REDIS, {})
    cache.set("resilient-test", "v", 30)
    assert cache.get("resilient-test") == "v"
    cache.delete("resilient-test")


@pytest.mark.django_db
def test_pages_render_and_rate_limits_fail_open_with_redis_away(client, seeded):
    with override_settings(CACHES=DEAD_REDIS):
        caches.close_all()
        for url in ("/nl/", "/en/privacy/", "/nl/privacy/history/"):
            assert client.get(url).status_code == 200, url
        assert [hit("test", "203.0.113.1", limit=1, window_seconds=60) for _ in range(2)] == [True, True]
    caches.close_all()
    # With Redis back, the same limit holds again.
    assert [hit("test", "203.0.113.2", limit=1, window_seconds=60) for _ in range(2)] == [True, False]


@pytest.mark.django_db
def test_an_entry_written_by_another_release_is_a_miss_not_a_failed_page(client, seeded, settings):
    """During a deploy the old release's cached objects stay in Redis; a class that has since moved
    (the cookie registry's state lived in privacy.selectors) must cost a miss, never a 500."""
    import redis
    from django.core.cache import cache

    from consent.selectors import _REGISTRY_CACHE_KEY

    settings.CONSENT_REGISTRY_LOCAL_SECONDS = 0  # every request reads the registry from Redis

    old_release = b"cprivacy.selectors\nRegistryState\n(tR."  # a pickle naming the class where it used to be
    raw = redis.Redis.from_url(LIVE_REDIS)
    for key in (_REGISTRY_CACHE_KEY, "other-entry"):
        raw.set(cache.make_and_validate_key(key), old_release)
    assert cache.get("other-entry", "missed") == "missed"
    assert cache.get_many(["other-entry"]) == {}
    cache.set("readable-entry", "kept")
    assert cache.get_many(["other-entry", "readable-entry"]) == {"readable-entry": "kept"}
    page = client.get("/en/legal-notice/")
    assert page.status_code == 200
    assert 'action="/en/privacy/consent/"' in page.content.decode()  # the banner, from the registry


def test_a_window_count_starts_with_the_first_attempt_and_is_never_extended():
    """Rate limits count in fixed windows: later attempts must not push the window's end, or a
    visitor who keeps trying would never be let through again."""
    import redis

    cache = ResilientRedisCache(LIVE_REDIS, {})
    cache.delete("window-test")
    name = cache.make_and_validate_key("window-test")
    raw = redis.Redis.from_url(LIVE_REDIS)
    assert [cache.incr_in_window("window-test", 60) for _ in range(3)] == [1, 2, 3]
    assert 55 < raw.ttl(name) <= 60
    raw.expire(name, 5)  # the window is nearly over
    assert cache.incr_in_window("window-test", 60) == 4
    assert raw.ttl(name) <= 5
    raw.delete(name)  # the window ended: counting starts again
    assert cache.incr_in_window("window-test", 60) == 1


def test_a_window_count_with_redis_away_is_unavailable_not_zero():
    with pytest.raises(CacheUnavailable):
        ResilientRedisCache("redis://127.0.0.1:1/0", {}).incr_in_window("k", 60)
