"""Uploaded media (campaign images): their absolute address, and serving them safely.

E-mail clients fetch images with absolute URLs, so every image address is written on
SITE_URL + MEDIA_URL, the same for every recipient. A file under MEDIA_ROOT is always
answered as what its name says it is (`nosniff`) and with a policy that lets nothing in
it run or load (`default-src 'none'`), in case a file that is not a plain image ever
lands there. Production lets the web server do the same (docs/deploy.md); `make run`
and the tests serve media with `media_serve` (`MEDIA_SERVE`).
"""

from urllib.parse import urljoin

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe
from django.views.static import serve

MEDIA_CSP = {"default-src": [CSP.NONE]}
MEDIA_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Every file's name is new and never reused, so a copy can be kept for good.
    "Cache-Control": "public, max-age=31536000, immutable",
}


def media_url_prefix() -> str:
    """The absolute address MEDIA_URL stands for, ending in a slash: https://www.ilumen.be/media/."""
    return urljoin(settings.SITE_URL + "/", settings.MEDIA_URL)


def media_url(name: str) -> str:
    """The absolute address of a stored file (its storage name, such as campaign-images/….jpg)."""
    return media_url_prefix() + name


@require_safe
@csp_override(MEDIA_CSP)
def media_serve(request: HttpRequest, path: str) -> HttpResponse:
    """One file under MEDIA_ROOT, for `make run` and the tests (Django's own file view)."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    for header, value in MEDIA_HEADERS.items():
        response[header] = value
    return response
