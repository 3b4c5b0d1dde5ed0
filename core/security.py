"""Response headers that Django's SecurityMiddleware does not set, and the same-origin check of public forms.

Public forms (cookie choices, newsletter subscription, contact, language switch) are protected
by `same_origin_form` instead of Django's CSRF token: a browser says where a post comes from
(Sec-Fetch-Site, Origin), so a page with such a form needs no per-visitor token, the page cache
can serve it to everyone as it is, and no CSRF cookie is set or renewed on a public page. The
admin and every staff form keep Django's token check.

Pages reached through a personal link (confirmation, unsubscribe, preferences, my
data) are marked with `@token_page`: their address must never leak to another site in
a Referer header, and search engines must not index them.

With `Referrer-Policy: no-referrer`, browsers send `Origin: null` on the page's own
form posts, which Django's CSRF check must refuse. The secret token in the URL is what
authenticates those posts (a forger would need it), so token pages skip the CSRF check.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import get_callable
from django.views.decorators.csrf import csrf_exempt

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), browsing-topics=()"
)
TOKEN_PAGE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}


def token_page(
    view: Callable[..., HttpResponse] | None = None, /, *, referrer_policy: str = "no-referrer"
) -> Callable[..., HttpResponse]:
    """For views whose URL carries a secret token that authenticates the request.

    The headers go on in SecurityHeadersMiddleware, not here: answers made outside the view
    (the wrong-method page that replaces an empty 405, an error page) carry them too.
    A HEAD is answered as the GET it stands for, so that no view can mistake it for a POST.

    `referrer_policy="same-origin"` is for a page whose forms must prove they were sent from
    this site (see `same_origin_post`): the token never leaves the site, and browsers without
    Sec-Fetch-Site then send the page's true Origin instead of `null`.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        headers = {**TOKEN_PAGE_HEADERS, "Referrer-Policy": referrer_policy}

        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            request.token_page_headers = headers
            if request.method != "HEAD":
                return view(request, *args, **kwargs)
            request.method = "GET"  # the server leaves out the body of the answer (RFC 9110, 9.3.2)
            try:
                return view(request, *args, **kwargs)
            finally:
                request.method = "HEAD"

        return wrapped

    return decorate if view is None else decorate(view)


def same_origin_post(request: HttpRequest) -> bool:
    """True when a post comes from a page of this site, as the browser tells.

    Browsers say where a request comes from in Sec-Fetch-Site, and put the page's origin in
    Origin on every POST (public pages send `strict-origin-when-cross-origin`, so it is their
    true origin). Each must name this site when present; a post with neither is refused: it
    comes from no browser a forged form could use, or from one too old to tell.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if fetch_site is None and origin is None:
        return False
    if fetch_site is not None and fetch_site != "same-origin":
        return False
    # `null` is what a page with `Referrer-Policy: no-referrer` sends as its own Origin: trusted only
    # when Sec-Fetch-Site vouches for it, as a form on another site can send it too.
    own = f"{request.scheme}://{request.get_host()}"
    return origin is None or origin == own or (origin == "null" and fetch_site == "same-origin")


def same_origin_form(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the view of a public form: a post from another site gets the localized 403 page.

    Replaces Django's token check for this view (csrf_exempt), so the form carries no token.
    GET and HEAD are never refused: they change nothing.
    """

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and not same_origin_post(request):
            return get_callable(settings.CSRF_FAILURE_VIEW)(request, reason="cross-site post to a public form")
        return view(request, *args, **kwargs)

    return wrapped


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        for header, value in getattr(request, "token_page_headers", {}).items():
            response[header] = value
        return response
