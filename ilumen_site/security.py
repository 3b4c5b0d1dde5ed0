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


def token_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For views whose URL carries a secret token that authenticates the request."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Cache-Control"] = "no-store"
        return response

    return wrapped


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
