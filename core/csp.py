"""Content-Security-Policy for pages that carry third-party code, decided per response.

SECURE_CSP allows nothing but the site itself, and every response gets it unless it says
otherwise. A template tag that renders third-party code (Google Analytics, a network's button:
only ever run after consent, see consent/templatetags/consent.py) notes the hosts that code
needs on the request with `sources_add`; `ThirdPartySourcesMiddleware` then gives that one
response SECURE_CSP with those sources added (Django's `response._csp_config`). So the hosts
are admitted on the pages that render the integration, while it is switched on, and never on
a page that does not render it, such as the admin's. The page cache keeps the noted sources with
the page, so a page served from it gets the same policy.
"""

from collections.abc import Callable, Mapping, Sequence
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.csp import CSP

_REQUEST_ATTRIBUTE = "_csp_third_party_sources"


def origin(url: str) -> str:
    """scheme://host[:port] of an absolute URL, '' for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def with_sources(policy: Mapping[str, Sequence[str]], extra: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """A copy of `policy` with `extra` sources added; 'none' gives way to real sources."""
    result = {directive: list(values) for directive, values in policy.items()}
    for directive, values in extra.items():
        base = result.get(directive, list(policy.get("default-src", [])))
        merged = [value for value in base if value != CSP.NONE]
        merged += [value for value in values if value not in merged]
        result[directive] = merged
    return result


def sources_add(request: HttpRequest | None, sources: Mapping[str, Sequence[str]]) -> None:
    """This response's page renders code that needs these sources (directive: [source, ...])."""
    if request is None or not sources:
        return
    noted: dict[str, list[str]] = request.__dict__.setdefault(_REQUEST_ATTRIBUTE, {})
    for directive, values in sources.items():
        kept = noted.setdefault(directive, [])
        kept += [value for value in values if value and value not in kept]


def sources_of(request: HttpRequest) -> dict[str, list[str]]:
    """The sources noted for this request's response so far."""
    return {directive: list(values) for directive, values in request.__dict__.get(_REQUEST_ATTRIBUTE, {}).items()}


class ThirdPartySourcesMiddleware:
    """Inside Django's ContentSecurityPolicyMiddleware: hands it this response's own policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        sources = sources_of(request)
        if sources and not hasattr(response, "_csp_config"):
            response._csp_config = with_sources(settings.SECURE_CSP, sources)
        return response
