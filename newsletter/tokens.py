"""Signed tokens for links in e-mails: no login, no guessable ids, nothing to store.

Three kinds, each with its own salt so that a token does one job and can never be passed
off as another:
- a confirmation token names one consent request (its nonce) and expires;
- an unsubscribe token (the List-Unsubscribe link) names a subscriber and the topics of the
  message it came in (a campaign's segment, or the topics a welcome greets); it only ever
  unsubscribes. It does not expire: an unsubscribe link must keep working;
- a preferences token names a subscriber and opens their preference page (address, name,
  language, topics). It is sent only to the subscriber's mailbox, never shown on a page that
  an unsubscribe link opens.
"""

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from core.tokens import TokenInvalid

CONFIRM_SALT = "newsletter.confirm.v1"
UNSUBSCRIBE_SALT = "newsletter.unsubscribe.v2"
PREFERENCES_SALT = "newsletter.preferences.v2"
# One token did both jobs before the purposes had salts of their own. Links in e-mails sent then
# keep working for what they were most likely meant: with a topic part (the List-Unsubscribe link)
# they only unsubscribe, without one (the preferences link) they open the preference page.
LEGACY_SUBSCRIBER_SALT = "newsletter.subscriber.v1"


class TokenExpired(Exception):
    def __init__(self, nonce: uuid.UUID) -> None:
        super().__init__("expired")
        self.nonce = nonce


@dataclass(frozen=True)
class UnsubscribeToken:
    subscriber_uuid: uuid.UUID
    topic_ids: tuple[int, ...] | None  # None: every topic


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


def unsubscribe_token_make(subscriber_uuid: uuid.UUID, topic_ids: Collection[int] | None) -> str:
    """`uuid.hex` alone (every topic), or followed by ".id" per topic (a one-topic token reads as before)."""
    if topic_ids is None:
        return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(subscriber_uuid.hex)
    if not topic_ids:
        raise ValueError("an unsubscribe token names at least one topic, or None for every topic")
    value = ".".join([subscriber_uuid.hex, *(str(pk) for pk in sorted(topic_ids))])
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(value)


def unsubscribe_token_read(token: str) -> UnsubscribeToken:
    """What an unsubscribe link may unsubscribe from, or TokenInvalid (a preferences token too)."""
    value = _unsign(token, UNSUBSCRIBE_SALT)
    if value is not None:
        return _unsubscribe_value(value)
    legacy = _unsign(token, LEGACY_SUBSCRIBER_SALT)
    if legacy is None or "." not in legacy:
        raise TokenInvalid
    return _unsubscribe_value(legacy)


def preferences_token_make(subscriber_uuid: uuid.UUID) -> str:
    return signing.Signer(salt=PREFERENCES_SALT).sign(subscriber_uuid.hex)


def preferences_token_read(token: str) -> uuid.UUID:
    """The subscriber whose preference page this is, or TokenInvalid (an unsubscribe token too)."""
    value = _unsign(token, PREFERENCES_SALT)
    if value is None:
        value = _unsign(token, LEGACY_SUBSCRIBER_SALT)
        if value is None or "." in value:
            raise TokenInvalid
    return _uuid(value)


def _unsign(token: str, salt: str) -> str | None:
    try:
        return signing.Signer(salt=salt).unsign(token)
    except signing.BadSignature:
        return None


def _unsubscribe_value(value: str) -> UnsubscribeToken:
    hex_uuid, *topics = value.split(".")
    if not all(topic.isdigit() for topic in topics):
        raise TokenInvalid
    return UnsubscribeToken(_uuid(hex_uuid), tuple(int(topic) for topic in topics) if topics else None)


def _uuid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(hex=str(value))
    except ValueError:
        raise TokenInvalid from None
