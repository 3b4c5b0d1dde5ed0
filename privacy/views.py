"""Visitor pages for the privacy statements. Thin: parse, select, render."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from core.pagecache import cached_public_page
from privacy import selectors


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


@cached_public_page
def statement(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    slug = slug or settings.PRIVACY_PRIMARY_DOCUMENT
    view = selectors.statement_current(slug, _language())
    if view is None:
        raise Http404
    return render(request, "privacy/statement.html", {"statement": view})


@cached_public_page
def statement_version(request: HttpRequest, number: int, slug: str | None = None) -> HttpResponse:
    slug = slug or settings.PRIVACY_PRIMARY_DOCUMENT
    view = selectors.statement_version(slug, _language(), number)
    if view is None:
        raise Http404
    return render(request, "privacy/statement.html", {"statement": view})


@cached_public_page
def statement_history(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    slug = slug or settings.PRIVACY_PRIMARY_DOCUMENT
    history = selectors.statement_history(slug, _language())
    if history is None:
        raise Http404
    document, content_language, versions = history
    context = {"document": document, "content_language": content_language, "versions": versions}
    return render(request, "privacy/history.html", context)


def _version_number(raw: str | None) -> int:
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise Http404
    return int(raw)


@cached_public_page
def statement_diff(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    slug = slug or settings.PRIVACY_PRIMARY_DOCUMENT
    old, new = _version_number(request.GET.get("from")), _version_number(request.GET.get("to"))
    result = selectors.statement_diff(slug, _language(), old, new)
    if result is None:
        raise Http404
    old_version, new_version, blocks = result
    context = {"old": old_version, "new": new_version, "blocks": blocks, "slug": slug}
    return render(request, "privacy/diff.html", context)
