"""Signed tokens for links in e-mails: no login, no guessable ids, nothing to store.

Two kinds, each with its own salt so one can never be passed off as the other:
- a confirmation token names one consent request (its nonce) and expires;
- a subscriber token names a subscriber (its uuid) and, optionally, the topic of the
  message it came in. It does not expire: an unsubscribe link must keep working.
"""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "newsletter.confirm.v1"
SUBSCRIBER_SALT = "newsletter.subscriber.v1"


class TokenInvalid(Exception):
    """Forged, mangled or of the wrong kind."""


class TokenExpired(Exception):
    def __init__(self, nonce: uuid.UUID) -> None:
        super().__init__("expired")
        self.nonce = nonce


@dataclass(frozen=True)
class SubscriberToken:
    subscriber_uuid: uuid.UUID
    topic_id: int | None


def confirm_token_make(nonce: uuid.UUID) -> str:
    return signing.dumps(nonce.hex, salt=CONFIRM_SALT)


def confirm_token_read(token: str) -> uuid.UUID:
    """The consent-request nonce in a confirmation token, or TokenInvalid / TokenExpired."""
    max_age = settings.NEWSLETTER_CONFIRM_MAX_AGE_DAYS * 24 * 3600
    try:
        return _uuid(signing.loads(token, salt=CONFIRM_SALT, max_age=max_age))
    except signing.SignatureExpired:
        # Authentic but old: the page may offer a new link for the same request.
        return_nonce = _uuid(signing.loads(token, salt=CONFIRM_SALT))
        raise TokenExpired(return_nonce) from None
    except signing.BadSignature:
        raise TokenInvalid from None


def subscriber_token_make(subscriber_uuid: uuid.UUID, topic_id: int | None = None) -> str:
    value = subscriber_uuid.hex if topic_id is None else f"{subscriber_uuid.hex}.{topic_id}"
    return signing.Signer(salt=SUBSCRIBER_SALT).sign(value)


def subscriber_token_read(token: str) -> SubscriberToken:
    try:
        value = signing.Signer(salt=SUBSCRIBER_SALT).unsign(token)
    except signing.BadSignature:
        raise TokenInvalid from None
    hex_uuid, _sep, topic = value.partition(".")
    if topic and not topic.isdigit():
        raise TokenInvalid
    return SubscriberToken(_uuid(hex_uuid), int(topic) if topic else None)


def _uuid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(hex=str(value))
    except ValueError:
        raise TokenInvalid from None
