"""Bounce, complaint and unsubscribe events of the e-mail service the site sends through.

django-anymail receives the provider's webhook, checks its basic auth (and the provider's signature
where it has one) and turns each event into an `AnymailTrackingEvent`; this applies it:

- bounced: a bounce (`bounces.bounce_record`), soft when the provider's SMTP status is temporary
  (4xx) or the provider calls it so (Postmark's "SoftBounce", Amazon SES' "Transient"), else hard;
- complained: a complaint;
- unsubscribed: the person leaves every topic and the address is suppressed ("manual": the
  provider stops sending to it too, until a new confirmed opt-in lifts ours);
- anything else is ignored: "deferred" means the provider is still retrying and reports the
  outcome later (counting each retry as a soft bounce would suppress a full mailbox in one night),
  deliveries, opens and clicks are not recorded, "rejected" is the provider's own list speaking.

An event about an address that is no subscriber changes nothing (the webhook answers the same, so
it tells nobody which addresses are known). Each event is applied once: its key is the provider's
event id (a hash of the raw event when the provider gives none) and the address' keyed hash.
"""

import hashlib
import json
import re
from collections.abc import Iterator

from anymail.signals import AnymailTrackingEvent, EventType

from core.email import email_normalize
from mail.hashing import address_hash
from mail.services import suppression_add
from newsletter.models import Bounce, Subscriber
from newsletter.services.bounces import BounceNotice, bounce_record, campaign_message_id
from newsletter.services.subscriptions import unsubscribe

_ENHANCED_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_SMTP_CODE = re.compile(r"\b([245]\d\d)\b")
# How deep into the provider's payload our Message-ID is looked for (its headers, metadata…).
_SEARCH_DEPTH = 5


def _source(esp_name: str) -> str:
    return "webhook:" + esp_name.lower().replace(" ", "_")


def _event_key(event: AnymailTrackingEvent, *, source: str, email: str) -> str:
    """The provider's event id, with the address' keyed hash: one Amazon SES notification (one id)
    reports every recipient of a message that bounced."""
    if event.event_id:
        event_id = str(event.event_id)[:120]
    else:
        raw = json.dumps(event.esp_event, sort_keys=True, default=str)
        event_id = "sha256:" + hashlib.sha256(raw.encode()).hexdigest()
    return f"{source}:{event_id}:{address_hash(email)[:16]}"


def _strings(value: object, depth: int = _SEARCH_DEPTH) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif depth and isinstance(value, dict):  # a QueryDict too (Mailgun's form posts): all values
        for item in value.values():
            yield from _strings(item, depth - 1)
    elif depth and isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item, depth - 1)


def _our_message_id(event: AnymailTrackingEvent) -> str:
    """Our Message-ID as the provider echoes it: anymail's message_id is the provider's own id for
    most, ours for some (Mailgun); others quote our header somewhere in their payload."""
    return next(filter(None, map(campaign_message_id, (event.message_id or "", *_strings(event.esp_event)))), "")


def _status_code(text: str) -> str:
    match = _ENHANCED_STATUS.search(text) or _SMTP_CODE.search(text)
    return match[1] if match else ""


def _provider_says_temporary(esp_event: object) -> bool:
    """Postmark's "SoftBounce" and Amazon SES' "Transient" bounces, which anymail reports as
    bounced, often without an SMTP status."""
    if not isinstance(esp_event, dict):
        return False
    ses_bounce = esp_event.get("bounce")
    return esp_event.get("Type") == "SoftBounce" or (
        isinstance(ses_bounce, dict) and ses_bounce.get("bounceType") == "Transient"
    )


def _bounce_kind(event: AnymailTrackingEvent, status_code: str) -> str:
    if status_code.startswith("4") or _provider_says_temporary(event.esp_event):
        return Bounce.Kind.SOFT
    return Bounce.Kind.HARD


def provider_event_apply(*, event: AnymailTrackingEvent, esp_name: str) -> None:
    """Apply one tracking event of the provider `esp_name` (anymail's name for it)."""
    handled = (EventType.BOUNCED, EventType.COMPLAINED, EventType.UNSUBSCRIBED)
    if event.event_type not in handled or not isinstance(event.recipient, str):
        return
    email = email_normalize(event.recipient)
    subscriber = Subscriber.objects.filter(email=email).first()
    if subscriber is None:
        return
    source = _source(esp_name)
    if event.event_type == EventType.UNSUBSCRIBED:
        unsubscribe(subscriber_uuid=subscriber.uuid)
        suppression_add(email=email, reason="manual", source=source)
        return
    status_code = _status_code(event.mta_response or event.description or "")
    kind = Bounce.Kind.COMPLAINT if event.event_type == EventType.COMPLAINED else _bounce_kind(event, status_code)
    bounce_record(notice=BounceNotice(
        email=email, kind=kind, source=source, event_key=_event_key(event, source=source, email=email),
        message_id=_our_message_id(event), status_code=status_code,
        reason=" ".join(part for part in (event.description, event.mta_response) if part),
        occurred_at=event.timestamp,
    ))
