"""Response headers that Django's SecurityMiddleware does not set.

Pages reached through a personal link (confirmation, unsubscribe, preferences, my
data) are marked with `@token_page`: their address must never leak to another site in
a Referer header, and search engines must not index them.

With `Referrer-Policy: no-referrer`, browsers send `Origin: null` on the page's own
form posts, which Django's CSRF check must refuse. The secret token in the URL is what
authenticates those posts (a forger would need it), so token pages skip the CSRF check.
"""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
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
    """True when a token page's form post comes from a page of this site.

    Token pages skip the CSRF check (see above), so a form on another site could post to one
    if it knew the token. Browsers say where a request comes from in Sec-Fetch-Site; one
    that does not must send an Origin of this site. Neither: refused.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    return request.headers.get("Origin") == f"{request.scheme}://{request.get_host()}"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        for header, value in getattr(request, "token_page_headers", {}).items():
            response[header] = value
        return response
