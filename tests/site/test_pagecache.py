"""Whole-page cache: hits are fast, never share a nonce or a consent state, and never hold a CSRF token."""

import datetime
import re
import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from core.pagecache import GENERATION_KEY
from privacy.models import Document, Version
from privacy.services.statements import version_publish
from tests.conftest import BrowserClient

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NONCE = re.compile(r'nonce="([^"]+)"')


def test_second_view_is_a_hit_without_queries(client, seeded, django_assert_max_num_queries):
    assert client.get("/en/privacy/")["X-Page-Cache"] == "miss"
    with django_assert_max_num_queries(0):
        response = client.get("/en/privacy/")
    assert response["X-Page-Cache"] == "hit"


def test_processes_share_pages_through_redis(client, seeded, settings, django_assert_max_num_queries):
    # No copies in this process: every hit reads the page and the cookie registry from Redis.
    settings.PAGE_CACHE_LOCAL_SECONDS = 0
    settings.CONSENT_REGISTRY_LOCAL_SECONDS = 0
    assert client.get("/en/privacy/")["X-Page-Cache"] == "miss"
    with django_assert_max_num_queries(0):
        assert client.get("/en/privacy/")["X-Page-Cache"] == "hit"


def test_another_process_change_reaches_this_process_within_its_local_seconds(client, seeded, settings):
    settings.PAGE_CACHE_LOCAL_SECONDS = 0.5
    assert client.get("/en/privacy/")["X-Page-Cache"] == "miss"
    cache.incr(GENERATION_KEY)  # what page_cache_clear() in another process does
    assert client.get("/en/privacy/")["X-Page-Cache"] == "hit"  # this process's own copy, no Redis read
    time.sleep(0.6)
    assert client.get("/en/privacy/")["X-Page-Cache"] == "miss"


def test_a_page_without_third_party_code_carries_no_nonce(seeded):
    """Nothing on it needs one: the site's own scripts run under 'self', so the policy allows no
    inline code at all and a cache hit has no nonce to make."""
    for visitor in (Client(), Client()):
        response = visitor.get("/en/privacy/")
        assert "nonce" not in response.content.decode() and "nonce-" not in response["Content-Security-Policy"]
        assert "/static/js/consent" in response.content.decode()
    assert response["X-Page-Cache"] == "hit"


def test_hits_carry_their_own_nonce_and_no_csrf_token(seeded, integrations_on):
    """A page with third-party code (gated until consent) needs a nonce, and each visitor gets their own."""
    first, second = BrowserClient(enforce_csrf_checks=True), BrowserClient(enforce_csrf_checks=True)
    miss = first.get("/en/privacy/")
    hit = second.get("/en/privacy/")
    assert hit["X-Page-Cache"] == "hit"
    miss_nonce, hit_nonce = NONCE.search(miss.content.decode()).group(1), NONCE.search(hit.content.decode()).group(1)
    assert miss_nonce != hit_nonce
    assert f"'nonce-{hit_nonce}'" in hit["Content-Security-Policy"]
    assert "__ilumen_" not in hit.content.decode()
    assert not TOKEN.search(miss.content.decode()) and not TOKEN.search(hit.content.decode())
    assert settings.CSRF_COOKIE_NAME not in miss.cookies and settings.CSRF_COOKIE_NAME not in hit.cookies
    # The page's forms work without a token: the browser says the post comes from this site.
    posted = second.post("/i18n/setlang/", {"language": "nl", "next": "/en/privacy/"})
    assert posted.status_code == 302


def test_a_page_that_asks_for_a_csrf_token_is_served_but_never_stored(seeded, settings):
    """A form left on Django's token check in a cached page: every visitor gets a token of their own."""
    settings.ROOT_URLCONF = "tests.site.token_page_urls"
    tokens = []
    for visitor in (Client(), Client()):
        response = visitor.get("/token-form/")
        assert response.status_code == 200 and "X-Page-Cache" not in response
        assert settings.CSRF_COOKIE_NAME in response.cookies
        tokens.append(TOKEN.search(response.content.decode()).group(1))
    assert tokens[0] != tokens[1]


def test_each_consent_state_has_its_own_page(seeded, integrations_on):
    visitor = BrowserClient()
    visitor.get("/en/")
    visitor.post("/en/privacy/consent/", {"action": "reject", "next": "/en/", "source": "banner"})
    assert settings.CONSENT_COOKIE_NAME in visitor.cookies
    decided = visitor.get("/en/").content.decode()
    fresh = Client().get("/en/").content.decode()
    assert re.search(r'id="consent-banner"[^>]*hidden', decided)
    assert not re.search(r'id="consent-banner"[^>]*hidden', fresh)


def test_cached_pages_tell_shared_caches_they_vary_on_the_consent_cookie_and_gpc(seeded):
    """A proxy or browser cache that ignored the cookie would show one visitor's banner state to another."""
    responses = [Client().get("/en/privacy/") for _ in range(2)] + [Client().get("/en/privacy/", HTTP_SEC_GPC="1")]
    assert [r["X-Page-Cache"] for r in responses[:2]] == ["miss", "hit"]
    for response in responses:
        assert {part.strip() for part in response["Vary"].split(",")} >= {"Cookie", "Sec-GPC"}


def test_publishing_refreshes_cached_pages(client, seeded, django_capture_on_commit_callbacks):
    client.get("/en/privacy/")
    draft = Version.objects.create(
        document=Document.objects.get(slug="ilumen"), language="en", title="New", body="Fresh words.",
        last_amended=datetime.date(2026, 11, 20),
    )
    with django_capture_on_commit_callbacks(execute=True):
        version_publish(version=draft, user=None)
    assert "Fresh words." in client.get("/en/privacy/").content.decode()


def test_staff_sessions_are_never_served_from_the_cache(client, seeded, admin_user):
    client.get("/en/privacy/")
    client.force_login(admin_user)
    assert "X-Page-Cache" not in client.get("/en/privacy/")


def test_visitors_with_the_same_choice_share_a_page_but_never_a_consent_id(seeded):
    from consent.cookie import decode

    pages, ids = [], []
    for _ in range(2):
        visitor = BrowserClient()
        visitor.post("/en/privacy/consent/", {"action": "reject", "next": "/en/", "source": "banner"})
        ids.append(decode(visitor.cookies[settings.CONSENT_COOKIE_NAME].value).consent_id)
        pages.append(visitor.get("/en/privacy/"))
    assert [p["X-Page-Cache"] for p in pages] == ["miss", "hit"]
    assert ids[0] != ids[1]
    for consent_id in ids:
        assert str(consent_id) not in pages[1].content.decode()
        assert consent_id.hex not in pages[1].content.decode()


def test_each_host_and_scheme_has_its_own_page(seeded):
    # Both names are in ALLOWED_HOSTS; the hreflang links are absolute URLs on the asking origin.
    hreflang = re.compile(r'<link rel="alternate" hreflang="nl" href="([^"]+)"')
    first = Client().get("/en/legal-notice/", HTTP_HOST="localhost:8301")
    second = Client().get("/en/legal-notice/", HTTP_HOST="127.0.0.1")
    assert [first["X-Page-Cache"], second["X-Page-Cache"]] == ["miss", "miss"]
    assert hreflang.search(first.content.decode()).group(1) == "http://localhost:8301/nl/legal-notice/"
    assert hreflang.search(second.content.decode()).group(1) == "http://127.0.0.1/nl/legal-notice/"
    again = Client().get("/en/legal-notice/", HTTP_HOST="localhost:8301")
    assert again["X-Page-Cache"] == "hit"
    assert hreflang.search(again.content.decode()).group(1) == "http://localhost:8301/nl/legal-notice/"
    secure = Client().get("/en/legal-notice/", HTTP_HOST="localhost:8301", secure=True)
    assert secure["X-Page-Cache"] == "miss"
    assert hreflang.search(secure.content.decode()).group(1) == "https://localhost:8301/nl/legal-notice/"
