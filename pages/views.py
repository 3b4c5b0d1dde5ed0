import datetime

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language_from_path
from django.views.decorators.http import require_GET
from django.views.i18n import set_language

from core.pagecache import cached_public_page
from core.security import same_origin_form
from pages.models import KeyFigure


@cached_public_page
def home(request: HttpRequest) -> HttpResponse:
    figures = [figure for figure in KeyFigure.objects.all() if figure.value]
    return render(request, "pages/home.html", {"key_figures": figures})


@cached_public_page
def legal_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/legal_notice.html")


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        # Pages behind personal links are never for crawlers (they also say noindex).
        *(
            f"Disallow: /{code}/{path}"
            for code, _name in settings.LANGUAGES
            for path in ("newsletter/confirm/", "newsletter/unsubscribe/", "newsletter/preferences/",
                         "privacy/my-data/")
        ),
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: a request the site cannot read (too many fields, a body over the limit, a
    broken upload) gets 400.html. Django's own handler would render it for a host the site does
    not serve too, whose links (built from the host) raise again: a 500. That gets a bare answer."""
    try:
        request.get_host()
    except DisallowedHost:
        return HttpResponseBadRequest("Bad Request (400)", content_type="text/plain; charset=utf-8")
    return render(request, "400.html", status=400)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: Django's own page is English and bare; the reason is for developers."""
    return render(request, "403_csrf.html", status=403)


@same_origin_form
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language behind our same-origin check: the switcher on every (cached) page carries no token.

    set_language finds the page in the other language by resolving `next` in the active language,
    which for this address (no language prefix) is the browser's: a Dutch browser on an English
    page stayed on it. The page's own language is the one to resolve it in."""
    next_language = get_language_from_path(request.POST.get("next", "")) or translation.get_language()
    with translation.override(next_language):
        return set_language(request)


@require_GET
def security_txt(request: HttpRequest) -> HttpResponse:
    """RFC 9116: where to report a vulnerability."""
    expires = (timezone.now() + datetime.timedelta(days=180)).replace(microsecond=0)
    lines = [
        f"Contact: mailto:{settings.SECURITY_CONTACT}",
        f"Expires: {expires.isoformat()}",
        "Preferred-Languages: nl, en",
        f"Canonical: {request.build_absolute_uri()}",
        f"Policy: {request.build_absolute_uri(reverse('pages:legal_notice'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
