"""The path as it may be logged: no query string, no token, no e-mail address.

Two layers, so that a new personal link cannot leak by accident: URL keyword arguments
with a token-like name (or value) are replaced by their placeholder, and any remaining
segment that looks like a signed value, a UUID, a long random string or an address is
replaced as well. Confirmation, unsubscribe, preference and my-data links all carry such
a segment.
"""

import re
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest

TOKEN = ":token"  # noqa: S105  a placeholder, not a secret
EMAIL = ":email"
MAX_LENGTH = 500

_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_HEX = re.compile(r"^[0-9a-fA-F]{24,}$")
_TOKENISH = re.compile(r"^[A-Za-z0-9_\-=.~]{20,}$")


def _kwarg_is_secret(name: str) -> bool:
    name = name.lower()
    return any(part in name for part in settings.ACCESS_LOG_SECRET_KWARGS)


def looks_like_token(segment: str) -> bool:
    if not segment:
        return False
    if "@" in segment or "%40" in segment:
        return True
    if len(segment) >= 20 and (":" in segment or "%3A" in segment.upper()):
        return True  # django.core.signing output: value:timestamp:signature
    if _UUID.match(segment) or _HEX.match(segment):
        return True
    if _TOKENISH.match(segment):
        # Slugs are lower-case words; random tokens mix cases and digits.
        has_upper = any(c.isupper() for c in segment)
        has_digit = any(c.isdigit() for c in segment)
        has_lower = any(c.islower() for c in segment)
        return (has_upper and has_lower) or (has_digit and len(segment) >= 32)
    return False


def loggable_path(request: HttpRequest) -> str:
    path = request.path  # never the query string
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            text = str(value)
            if text and (_kwarg_is_secret(name) or looks_like_token(text)):
                path = path.replace(text, TOKEN).replace(quote(text, safe=""), TOKEN)
    segments = [
        (EMAIL if ("@" in segment or "%40" in segment) else TOKEN) if looks_like_token(segment) else segment
        for segment in path.split("/")
    ]
    return "/".join(segments)[:MAX_LENGTH]
