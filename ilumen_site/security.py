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


def token_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For views whose URL carries a secret token that authenticates the request.

    The headers go on in SecurityHeadersMiddleware, not here: answers made outside the view
    (the wrong-method page that replaces an empty 405, an error page) carry them too.
    A HEAD is answered as the GET it stands for, so that no view can mistake it for a POST.
    """

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.token_page = True
        if request.method != "HEAD":
            return view(request, *args, **kwargs)
        request.method = "GET"  # the server leaves out the body of the answer (RFC 9110, 9.3.2)
        try:
            return view(request, *args, **kwargs)
        finally:
            request.method = "HEAD"

    return wrapped


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if getattr(request, "token_page", False):
            for header, value in TOKEN_PAGE_HEADERS.items():
                response[header] = value
        return response
