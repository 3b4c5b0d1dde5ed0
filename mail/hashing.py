"""Keyed hashes of e-mail addresses: what the suppression list and erasure keep instead of the address.

HMAC-SHA256 with ERASURE_HMAC_KEY, a key of its own: rotating SECRET_KEY (sessions,
signed links) must not make the suppression list and the erasure log unreadable, and a
leaked SECRET_KEY must not let anyone test guessed addresses against them.
"""

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.email import email_normalize


def _key() -> bytes:
    key = getattr(settings, "ERASURE_HMAC_KEY", "")
    if not key:
        raise ImproperlyConfigured("ERASURE_HMAC_KEY must be set (it may not fall back to a default in production).")
    if key == settings.SECRET_KEY:
        raise ImproperlyConfigured("ERASURE_HMAC_KEY must differ from SECRET_KEY.")
    return key.encode()


def address_hash(address: str) -> str:
    """64 hex characters; the same address (in any letter case) always gives the same hash."""
    return hmac.new(_key(), email_normalize(address).encode(), hashlib.sha256).hexdigest()
