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


# ?view= on the diff page: only the changes with their context (the default, so that the links
# given out before it existed keep their meaning), or the whole document.
DIFF_VIEWS = ("changes", "all")


def _version_number(raw: str | None) -> int | None:
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        return None
    return int(raw)


@cached_public_page
def statement_diff(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    slug = slug or settings.PRIVACY_PRIMARY_DOCUMENT
    old, new = _version_number(request.GET.get("from")), _version_number(request.GET.get("to"))
    view = request.GET.get("view", "changes")
    if old is None or new is None or view not in DIFF_VIEWS:
        return render(request, "privacy/diff_bad_request.html", {"slug": slug}, status=400)
    result = selectors.statement_diff(slug, _language(), old, new, whole=view == "all")
    if result is None:
        raise Http404
    old_version, new_version, diff = result
    context = {"old": old_version, "new": new_version, "diff": diff, "slug": slug, "whole": view == "all"}
    return render(request, "privacy/diff.html", context)
