"""VERP: a per-message envelope sender, so a bounce that comes back days later says which
message it is about even when the bouncing server quotes nothing of it.

`b-<key>-<signature>@MAIL_BOUNCE_DOMAIN`: lower-case, a local part within the 64 characters
the mail standard allows, and an HMAC signature so that a bounce to a made-up address (someone
guessing keys to get others suppressed) is ignored. The key names the message in the caller's
terms ("d123": campaign delivery 123); mail does not interpret it.
"""

import base64
import functools
import hashlib
import hmac
import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import constant_time_compare

SALT = "mail.verp"
PREFIX = "b"
KEY_PATTERN = re.compile(r"[a-z0-9]{1,40}")
# 65 bits of base32: far beyond guessing, and a local part of at most 2 + 40 + 1 + 13 characters.
SIGNATURE_LENGTH = 13
_LOCAL_PART = re.compile(rf"{PREFIX}-([a-z0-9]{{1,40}})-([a-z2-7]{{{SIGNATURE_LENGTH}}})")


@functools.lru_cache(maxsize=16)  # SECRET_KEY and its fallbacks
def _keyed(secret: str) -> "hmac.HMAC":
    """Django's salted_hmac (same signatures), its key derived once per secret instead of per message."""
    return hmac.new(hashlib.sha256(f"{SALT}{secret}".encode()).digest(), digestmod=hashlib.sha256)


def _signature(key: str, secret: str) -> str:
    signer = _keyed(secret).copy()
    signer.update(key.encode())
    # Ten bytes make sixteen base32 characters without padding; encoding the whole digest cost more than the HMAC.
    return base64.b32encode(signer.digest()[:10]).decode().lower()[:SIGNATURE_LENGTH]


def verp_enabled() -> bool:
    return bool(settings.MAIL_BOUNCE_DOMAIN)


def verp_address(*, key: str) -> str:
    """The envelope sender of the message `key` names (lower-case letters and digits)."""
    if not KEY_PATTERN.fullmatch(key):
        raise ValueError(f"a VERP key is 1 to 40 lower-case letters and digits, not {key!r}")
    if not verp_enabled():
        raise ImproperlyConfigured("MAIL_BOUNCE_DOMAIN is not set")
    return f"{PREFIX}-{key}-{_signature(key, settings.SECRET_KEY)}@{settings.MAIL_BOUNCE_DOMAIN.lower()}"


def verp_read(*, address: str) -> str | None:
    """The key of an envelope sender this site made (signed with SECRET_KEY or one of its
    fallbacks, so a key rotation does not lose the bounces on their way); None for any other
    address, a forged or altered one included."""
    if not verp_enabled():
        return None
    local, _at, domain = address.strip().strip("<>").rpartition("@")
    if domain.lower() != settings.MAIL_BOUNCE_DOMAIN.lower():
        return None
    match = _LOCAL_PART.fullmatch(local.lower())
    if match is None:
        return None
    key, given = match.groups()
    for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        if constant_time_compare(given, _signature(key, secret)):
            return key
    return None
