"""Signed values for the my-data flow (django.core.signing, each with a salt of its own).

A my-data link carries only the random id of its AccessLink row, signed and timestamped:
a forged link fails the signature, an old one the timestamp, and a used one the row.
"""

import uuid
from collections.abc import Callable

from django.conf import settings
from django.core import signing

from core.tokens import TokenInvalid

LINK_SALT = "datarights.access-link"
SESSION_SALT = "datarights.session"
STAY_SALT = "datarights.stay"
EXPORT_SALT = "datarights.export-download"
ADDRESS_CHANGE_SALT = "datarights.address-change"
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
    value = _unsigned(signing.TimestampSigner(salt=salt).unsign, token, max_age=max_age)
    try:
        return uuid.UUID(hex=value)
    except ValueError:
        raise TokenInvalid("forged") from None


def _unsigned[T](unsign: Callable[..., T], token: str, *, max_age: int) -> T:
    """What a TimestampSigner's `unsign` or `unsign_object` reads from token; a bad signature is
    TokenInvalid "forged", an old timestamp "expired"."""
    try:
        return unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise TokenInvalid("expired") from None
    except signing.BadSignature:
        raise TokenInvalid("forged") from None


def address_change_token(*, link_id: uuid.UUID, new_email: str, language: str) -> str:
    """The link mailed to the new address of an address change: the my-data link (whose row holds
    the old address), the new address and the language of the request, signed with its own salt."""
    return signing.TimestampSigner(salt=ADDRESS_CHANGE_SALT).sign_object(
        {"link": link_id.hex, "new": new_email, "language": language}
    )


def address_change_read(token: str) -> tuple[uuid.UUID, str, str]:
    """(my-data link id, new address, language), or TokenInvalid "forged" / "expired"."""
    max_age = settings.DATARIGHTS_ADDRESS_CHANGE_MAX_AGE_HOURS * 3600
    value = _unsigned(signing.TimestampSigner(salt=ADDRESS_CHANGE_SALT).unsign_object, token, max_age=max_age)
    try:
        return uuid.UUID(hex=value["link"]), str(value["new"]), str(value["language"])
    except (KeyError, TypeError, ValueError):
        raise TokenInvalid("forged") from None


def stay_token(address_hash: str) -> str:
    return signing.TimestampSigner(salt=STAY_SALT).sign(address_hash)


def address_hash_from_stay_token(token: str) -> str:
    max_age = (settings.INACTIVE_PROFILE_WARNING_DAYS + 60) * 86400
    return _unsigned(signing.TimestampSigner(salt=STAY_SALT).unsign, token, max_age=max_age)
