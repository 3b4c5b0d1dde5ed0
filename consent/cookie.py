"""The consent cookie, and the other cookie headers the consent system writes.

The cookie holds the visitor's choice signed with the site's SECRET_KEY, so every page
view can read it without a database query and nobody can forge or alter it: a cookie
whose signature does not check out counts as no choice at all. It is HttpOnly: the
page learns the state from the server-rendered banner, never from document.cookie.

A returning visitor sends the same cookie on every page view, so each process remembers the
values it has checked (a bounded LRU, keyed by the value and the keys it was checked with):
the signature is checked once per value, not once per request.
"""

import datetime
import fnmatch
import time
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.http import HttpResponse

from core.cache import from_settings

# Named when consent was part of the privacy app; a new salt would void every visitor's cookie.
SALT = "privacy.consent.cookie.v1"
DECODED_MAX = 4096  # distinct cookie values remembered per process
CLOCK_SKEW_SECONDS = 300  # a choice dated this far ahead of the server's clock still holds


@dataclass(frozen=True)
class ConsentCookie:
    consent_id: uuid.UUID
    revision: int  # the cookie-policy revision the visitor decided on
    granted: frozenset[str]  # optional categories granted; every other optional one is refused
    method: str
    gpc: bool  # the browser sent Sec-GPC: 1 when the choice was made
    given_at: datetime.datetime


@from_settings("CONSENT_COOKIE_NAME")
def name() -> str:
    return settings.CONSENT_COOKIE_NAME


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def encode(cookie: ConsentCookie) -> str:
    payload = {
        "i": cookie.consent_id.hex,
        "r": cookie.revision,
        "g": sorted(cookie.granted),
        "m": cookie.method,
        "p": int(cookie.gpc),
        "t": int(cookie.given_at.timestamp()),
    }
    # URL-safe base64 of compact JSON, then the signature: only characters a cookie holds unquoted.
    return _signer().sign_object(payload)


def decode(value: str | None) -> ConsentCookie | None:
    """The choice in an authentic cookie, whatever its age; None for a missing, forged or damaged one."""
    if not value or len(value) > 4096:
        return None
    return _decoded(value, *_keys())


@from_settings("SECRET_KEY", "SECRET_KEY_FALLBACKS")
def _keys() -> tuple[str, tuple[str, ...]]:
    return settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS)


@lru_cache(maxsize=DECODED_MAX)
def _decoded(value: str, secret_key: str, fallbacks: tuple[str, ...]) -> ConsentCookie | None:
    # The keys are part of the cache key: a rotated SECRET_KEY is never answered from a check made with the old one.
    try:
        payload = _signer().unsign_object(value)
        granted = payload["g"]
        if not isinstance(granted, list) or not all(isinstance(key, str) for key in granted):
            return None
        return ConsentCookie(
            consent_id=uuid.UUID(hex=payload["i"]),
            revision=int(payload["r"]),
            granted=frozenset(granted),
            method=str(payload["m"]),
            gpc=bool(payload["p"]),
            given_at=datetime.datetime.fromtimestamp(int(payload["t"]), tz=datetime.UTC),
        )
    except (signing.BadSignature, ValueError, TypeError, KeyError, AttributeError, UnicodeError, zlib.error):
        return None


def max_age() -> datetime.timedelta:
    return datetime.timedelta(seconds=_max_age_seconds())


@from_settings("CONSENT_MAX_AGE_DAYS")
def _max_age_seconds() -> int:
    return settings.CONSENT_MAX_AGE_DAYS * 24 * 3600


def is_current(
    cookie: ConsentCookie, revision: int, *, since: int | None = None, now: datetime.datetime | None = None
) -> bool:
    """A choice still holds while it is younger than the maximum age and was made on the cookie policy
    in force, or on one since the last revision that asked visitors again (`since`: its number)."""
    oldest = revision if since is None else min(since, revision)
    if not oldest <= cookie.revision <= revision:
        return False
    # Seconds since the epoch rather than datetimes: this runs on every page view.
    now_seconds = time.time() if now is None else now.timestamp()
    return now_seconds - _max_age_seconds() <= cookie.given_at.timestamp() <= now_seconds + CLOCK_SKEW_SECONDS


def write(response: HttpResponse, cookie: ConsentCookie) -> None:
    response.set_cookie(
        name(),
        encode(cookie),
        max_age=_max_age_seconds(),
        path="/",
        secure=settings.CONSENT_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def matching(names: Iterable[str], patterns: Iterable[str]) -> list[str]:
    """Those of `names` that a registered name or pattern ('_ga_*') covers."""
    patterns = list(patterns)
    return sorted({name for name in names if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)})


def cookie_domains(host: str) -> list[str | None]:
    """The domains a cookie of this site may have been set on: the host itself (None) and each
    configured domain the host belongs to (e.g. 'ilumen.be' for www.ilumen.be)."""
    host = host.split(":", 1)[0].lower().rstrip(".")
    domains: list[str | None] = [None]
    for domain in settings.CONSENT_COOKIE_DOMAINS:
        domain = domain.lower().strip(".")
        if domain and (host == domain or host.endswith("." + domain)):
            domains.append(domain)
    return domains


def expire(response: HttpResponse, names: Iterable[str], host: str) -> None:
    """Delete cookies in the browser, HttpOnly ones included, on every domain they may live on.

    A cookie is only replaced by one with the same name, domain and path, and a
    response can carry several Set-Cookie headers for one name; Django keys its
    cookies by name, so each extra domain goes in under a key of its own.
    """
    for name in names:
        for domain in cookie_domains(host):
            key = name if domain is None else f"{name}\x00{domain}"
            if key in response.cookies:
                continue
            response.cookies[key] = _expired_morsel(name, domain)


def _expired_morsel(name: str, domain: str | None):
    from http.cookies import Morsel

    morsel = Morsel()
    morsel.set(name, "", '""')
    morsel["expires"] = "Thu, 01 Jan 1970 00:00:00 GMT"
    morsel["max-age"] = 0
    morsel["path"] = "/"
    morsel["samesite"] = "Lax"
    if domain:
        morsel["domain"] = domain
    return morsel
