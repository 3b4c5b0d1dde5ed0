"""Response headers that Django's SecurityMiddleware does not set.

Pages reached through a personal link (confirmation, unsubscribe, preferences, my
data) are marked with `@token_page`: their address must never leak to another site in
a Referer header, and search engines must not index them.
"""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), browsing-topics=()"
)


def token_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For views whose URL carries a secret token."""

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
