"""Appends one row per page view to the in-memory buffer; never touches the database."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language_from_path

from accesslog.buffer import buffer
from accesslog.models import PageView
from accesslog.paths import loggable_path
from ilumen_site.ipaddress import client_ip

logger = logging.getLogger(__name__)


class AccessLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not settings.ACCESS_LOG_ENABLED:
            raise MiddlewareNotUsed
        self.get_response = get_response
        admin_prefixes = tuple(f"/{code}/{settings.ADMIN_URL}" for code, _name in settings.LANGUAGES)
        self.skip_prefixes = (*settings.ACCESS_LOG_SKIP_PREFIXES, f"/{settings.ADMIN_URL}", *admin_prefixes)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(self.skip_prefixes):
            try:
                buffer.add(self._row(request, response))
            except Exception:  # logging must never break a page
                logger.exception("Access log: could not record a page view")
        return response

    @staticmethod
    def _row(request: HttpRequest, response: HttpResponse) -> PageView:
        # The page's language is the one in its address; /robots.txt and the like have none.
        language = get_language_from_path(request.path) or ""
        return PageView(
            time=timezone.now(), path=loggable_path(request), status=response.status_code,
            language=language[:8], ip=client_ip(request),
        )
