"""Signed values for the my-data flow (django.core.signing, each with a salt of its own).

A my-data link carries only the random id of its AccessLink row, signed and timestamped:
a forged link fails the signature, an old one the timestamp, and a used one the row.
"""

import uuid

from django.conf import settings
from django.core import signing

from core.tokens import TokenInvalid

LINK_SALT = "datarights.access-link"
SESSION_SALT = "datarights.session"
STAY_SALT = "datarights.stay"
EXPORT_SALT = "datarights.export-download"
SESSION_COOKIE = "ilumen_mydata"


def link_token(link_id: uuid.UUID) -> str:
    return signing.TimestampSigner(salt=LINK_SALT).sign(link_id.hex)


def link_id_from_token(token: str) -> uuid.UUID:
    return _id_from_token(token, salt=LINK_SALT, max_age=settings.DATARIGHTS_LINK_MAX_AGE_HOURS * 3600)


def export_token(link_id: uuid.UUID) -> str:
    """The download link sent with an answer (datarights.ExportLink): its own salt, so no other
    token of the site opens it."""
    return signing.TimestampSigner(salt=EXPORT_SALT).sign(link_id.hex)


def export_id_from_token(token: str) -> uuid.UUID:
    return _id_from_token(token, salt=EXPORT_SALT, max_age=settings.DATARIGHTS_EXPORT_LINK_DAYS * 86400)


def _id_from_token(token: str, *, salt: str, max_age: int) -> uuid.UUID:
    try:
        value = signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise TokenInvalid("expired") from None
    except signing.BadSignature:
        raise TokenInvalid("forged") from None
    try:
        return uuid.UUID(hex=value)
    except ValueError:
        raise TokenInvalid("forged") from None


def stay_token(address_hash: str) -> str:
    return signing.TimestampSigner(salt=STAY_SALT).sign(address_hash)


def address_hash_from_stay_token(token: str) -> str:
    max_age = (settings.INACTIVE_PROFILE_WARNING_DAYS + 60) * 86400
    try:
        return signing.TimestampSigner(salt=STAY_SALT).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise TokenInvalid("expired") from None
    except signing.BadSignature:
        raise TokenInvalid("forged") from None
