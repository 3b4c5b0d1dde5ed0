"""Whole-page cache for public pages, safe under CSP nonces.

Rendering the base layout costs far more than serving a page from Redis, so public
pages (statements, home, legal notice) are cached whole. A cached page must never hand
one visitor's CSP nonce to another: before storing, it is replaced by a placeholder, and
every hit fills in the current request's own nonce.

Public forms carry no CSRF token (core.security.same_origin_form protects them), so a
cached page needs none either. A page whose rendering asked for a token all the same (a
form left on Django's token check) is served but never stored: a token is per visitor,
and filling one in on every hit would set the CSRF cookie on every page view.

The key holds everything a public page varies on: the origin (scheme and host, which the
page's absolute URLs such as its hreflang links are built on), path and query, language, and the
visitor's cookie-consent state (the banner and the gated scripts depend on it), plus a
generation number that `page_cache_clear()` raises whenever content changes. A page is
stored as encoded segments split at the placeholders, so a hit only joins bytes.

The Content-Security-Policy sources the page's third-party code needs (core.csp.sources_add)
are stored with it and noted again on every hit, so a cached page gets the policy it was
rendered with.

Each process also keeps the generation and the pages it served for PAGE_CACHE_LOCAL_SECONDS,
so that a hit costs no Redis round trip at all; another process's change reaches it at most
that much later (a change made in this process takes effect here at once).
"""

import hashlib
import re
import threading
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.utils.module_loading import import_string
from django.utils.translation import get_language

from core import csp
from core.cache import LocalCopy, from_settings

GENERATION_KEY = "pagecache:generation"
NONCE_PLACEHOLDER = "__ilumen_csp_nonce__"
_PLACEHOLDERS = re.compile(f"({NONCE_PLACEHOLDER})".encode())
LOCAL_PAGES_MAX = 512

# (Content-Type, segments, CSP sources): the body's bytes split at the placeholders, which are
# kept as str items (bytes segments at even positions, placeholders at odd ones), and the
# third-party sources its policy admits.
StoredPage = tuple[str, list[bytes | str], dict[str, list[str]]]


class _LocalCopies:
    """This process's short-lived copies: the generation number and recently served pages."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation = LocalCopy(lambda: settings.PAGE_CACHE_LOCAL_SECONDS)
        self.pages: dict[str, tuple[float, StoredPage]] = {}  # key: (fresh until, stored page)

    def forget(self) -> None:
        with self.lock:
            self.generation.forget()
            self.pages = {}

    def page(self, key: str) -> StoredPage | None:
        entry = self.pages.get(key)
        return entry[1] if entry is not None and time.monotonic() < entry[0] else None

    def keep_page(self, key: str, stored: StoredPage) -> None:
        if settings.PAGE_CACHE_LOCAL_SECONDS <= 0:
            return
        now = time.monotonic()
        with self.lock:
            if len(self.pages) >= LOCAL_PAGES_MAX:
                self.pages = {k: entry for k, entry in self.pages.items() if entry[0] > now}
                if len(self.pages) >= LOCAL_PAGES_MAX:
                    self.pages.pop(next(iter(self.pages)))
            self.pages[key] = (now + settings.PAGE_CACHE_LOCAL_SECONDS, stored)


_local = _LocalCopies()


def page_cache_clear() -> None:
    """Invalidate every cached page (new content: a publication, a registry change, …)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, timeout=None)
    except Exception:  # noqa: S110 - cache away: nothing is being served from it either
        pass
    # After the new generation is in Redis: a request in between cannot keep the old one here.
    _local.forget()


def _generation() -> int:
    number = _local.generation.get()
    if number is None:
        number = cache.get(GENERATION_KEY, 0)
        _local.generation.keep(number)
    return number


@from_settings("PAGE_CACHE_VARIANTS")
def _variant_functions() -> tuple[Callable[[HttpRequest], str], ...]:
    return tuple(import_string(path) for path in settings.PAGE_CACHE_VARIANTS)


def _variant(request: HttpRequest) -> str:
    parts = [variant(request) for variant in _variant_functions()]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()


def _key(request: HttpRequest) -> str:
    generation = _generation()
    url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    page = hashlib.blake2b(url.encode(), digest_size=16).hexdigest()
    return f"pagecache:v5:{generation}:{get_language()}:{page}:{_variant(request)}"


def _stored_page(content_type: str, body: bytes, sources: dict[str, list[str]]) -> StoredPage:
    segments: list[bytes | str] = _PLACEHOLDERS.split(body)
    for i in range(1, len(segments), 2):
        segments[i] = segments[i].decode()
    return content_type, segments, sources


def _filled(segments: list[bytes | str], values: dict[str, bytes]) -> bytes:
    return b"".join(values[part] if isinstance(part, str) else part for part in segments)


@from_settings("PAGE_CACHE_SECONDS", "SESSION_COOKIE_NAME")
def _caching() -> tuple[bool, str]:
    """Whether pages are cached at all, and the session cookie that keeps a request out of it."""
    return settings.PAGE_CACHE_SECONDS > 0, settings.SESSION_COOKIE_NAME


def _cacheable_request(request: HttpRequest) -> bool:
    # Staff carry a session (and may see drafts or admin links): never cached.
    enabled, session_cookie = _caching()
    return enabled and request.method in ("GET", "HEAD") and session_cookie not in request.COOKIES


def cached_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve the view from the page cache; store 200 answers without a CSRF token, with the nonce removed."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        stored = _local.page(key)
        if stored is None:
            stored = cache.get(key)
            if stored is not None:
                _local.keep_page(key, stored)
        if stored is not None:
            content_type, segments, sources = stored
            csp.sources_add(request, sources)
            values: dict[str, bytes] = {}
            if NONCE_PLACEHOLDER in segments:
                values[NONCE_PLACEHOLDER] = str(get_nonce(request)).encode()
            response = HttpResponse(_filled(segments, values), content_type=content_type)
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200 and not response.streaming and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # the page holds a per-visitor token
        ):
            body = response.content.decode(response.charset)
            nonce = get_nonce(request)
            if nonce:  # the page used its nonce
                body = body.replace(str(nonce), NONCE_PLACEHOLDER)
            stored = _stored_page(response["Content-Type"], body.encode(response.charset), csp.sources_of(request))
            cache.set(key, stored, settings.PAGE_CACHE_SECONDS)
            _local.keep_page(key, stored)
            response["X-Page-Cache"] = "miss"
        return response

    return wrapped
