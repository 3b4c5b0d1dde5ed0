"""Appends one row per page view to the in-memory buffer; never touches the database.

The request pays only for building a tuple (a few microseconds): resolving the client
address and writing happen in the buffer's writer thread.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language_from_path

from accesslog.buffer import Row, buffer
from accesslog.paths import loggable_path

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
    def _row(request: HttpRequest, response: HttpResponse) -> Row:
        # The page's language is the one in its address; /robots.txt and the like have none.
        language = get_language_from_path(request.path) or ""
        meta = request.META
        # The client address is resolved (and validated) by the writer thread, not here.
        return Row(
            timezone.now(), loggable_path(request), response.status_code, language[:8],
            meta.get("REMOTE_ADDR", ""), meta.get("HTTP_X_FORWARDED_FOR", ""),
        )
