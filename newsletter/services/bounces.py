"""Bounces and spam complaints, from every source, applied in one place and exactly once.

A source (the SMTP answer while sending, the bounce mailbox, a provider's webhook, a CSV file)
turns what it received into a `BounceNotice` and calls `bounce_record`. What follows is the
same whatever the source:

- hard bounce: the message failed for good, the address goes on the suppression list;
- soft bounce: the message failed for now; the address is suppressed once it soft-bounced
  NEWSLETTER_SOFT_BOUNCE_LIMIT times within NEWSLETTER_SOFT_BOUNCE_DAYS;
- complaint: the address is suppressed, the message is marked, and a campaign still sending
  pauses when its complaints pass the threshold mailbox providers hold senders to (0.3 %).

A notice is tied to its message by the delivery id a verified VERP address carries, else by the
Message-ID it quotes; a complaint without either is about the latest campaign message sent to
the address (feedback loops often strip both), a bounce without either about no message.
"""

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.email import email_normalize
from mail.services import suppression_add
from newsletter.models import Bounce, Campaign, Delivery, Failure, Subscriber
from newsletter.selectors import with_complaint_counts
from newsletter.services.campaign_status import campaign_pause_automatically

# A complaint without a usable message reference is about the latest campaign message sent to
# the address within this time.
LOOKBACK = datetime.timedelta(days=30)
# The ids messages.message_id_make gives campaign messages: <c{campaign}.d{delivery}.{uuid hex}@domain>
_CAMPAIGN_MESSAGE_ID = re.compile(r"<c(\d+)\.d(\d+)\.[0-9a-f]{32}@[^<>\s]+>")
_REASON_MAX = Bounce._meta.get_field("reason").max_length


@dataclass(frozen=True)
class BounceNotice:
    """One bounce or complaint as a source read it.

    `event_key` names the event within its source so that the same event read twice (a
    mailbox message fetched again, a webhook retried) is applied once: "mailbox:<uidvalidity>:
    <uid>:<address>", "webhook:<provider>:<event id>", "smtp:d<delivery id>"…
    `delivery_id` only from a reference we signed (VERP); `message_id` as quoted.
    """

    email: str
    kind: str  # Bounce.Kind
    source: str
    event_key: str
    delivery_id: int | None = None
    message_id: str = ""
    status_code: str = ""
    reason: str = ""
    occurred_at: datetime.datetime | None = None


def campaign_message_id(text: str) -> str:
    """`text` as the Message-ID of a campaign message (with its angle brackets, which some
    feedback loops and providers drop), or "" when it is none."""
    text = text.strip()
    if text and not text.startswith("<"):
        text = f"<{text}>"
    return text if _CAMPAIGN_MESSAGE_ID.fullmatch(text) else ""


def _message_delivery(notice: BounceNotice, subscriber: Subscriber | None) -> Delivery | None:
    if notice.delivery_id is not None:
        return Delivery.objects.filter(pk=notice.delivery_id).select_related("subscriber").first()
    sent = Delivery.objects.filter(sent_at__isnull=False, status__in=(Delivery.Status.SENT, Delivery.Status.FAILED))
    match = _CAMPAIGN_MESSAGE_ID.fullmatch(campaign_message_id(notice.message_id))
    if match:  # a report that names an address must name the message's (feedback loops may redact it)
        named = sent.filter(campaign_id=match[1], pk=match[2], message_id=match[0])
        if notice.email:
            named = named.filter(subscriber=subscriber)
        return named.select_related("subscriber").first()
    if subscriber is None or notice.kind != Bounce.Kind.COMPLAINT:
        return None  # a bounce without a reference may be about any message (a welcome, a confirmation)
    return (
        sent.filter(subscriber=subscriber, sent_at__gte=timezone.now() - LOOKBACK)
        .order_by("-sent_at").select_related("subscriber").first()
    )


def bounce_record(*, notice: BounceNotice) -> Bounce | None:
    """Apply a bounce or complaint once; returns the row recorded, None when this event was
    applied before."""
    if notice.kind not in Bounce.Kind.values:
        raise ValueError(f"unknown kind {notice.kind!r}")
    email = email_normalize(notice.email)
    subscriber = Subscriber.objects.filter(email=email).first() if email else None
    delivery = _message_delivery(notice, subscriber)
    if delivery is not None:  # the message says whose it was; a forwarded address may differ
        subscriber, email = delivery.subscriber, delivery.subscriber.email
    now = timezone.now()
    try:
        with transaction.atomic():
            bounce = Bounce.objects.create(
                subscriber=subscriber, delivery=delivery, kind=notice.kind, source=notice.source[:32],
                status_code=notice.status_code[:16], reason=notice.reason[:_REASON_MAX], event_key=notice.event_key,
                occurred_at=notice.occurred_at or now, recorded_at=now,
            )
            _apply(bounce, email=email)
    except IntegrityError:
        if Bounce.objects.filter(event_key=notice.event_key).exists():
            return None
        raise
    if bounce.kind == Bounce.Kind.COMPLAINT and delivery is not None:
        _pause_if_complaints(delivery.campaign_id)
    return bounce


def _apply(bounce: Bounce, *, email: str) -> None:
    delivery = Delivery.objects.filter(pk=bounce.delivery_id)
    detail = f"{bounce.get_kind_display()}: {bounce.status_code} {bounce.reason}".strip()[:500]
    if bounce.kind == Bounce.Kind.COMPLAINT:
        delivery.filter(complained_at__isnull=True).update(complained_at=bounce.occurred_at)
        if email:
            suppression_add(email=email, reason="complaint", source=bounce.source)
    elif bounce.kind == Bounce.Kind.HARD:
        delivery.update(status=Delivery.Status.FAILED, failure=Failure.PERMANENT, lease_expires_at=None,
                        last_error=detail)
        if email:
            suppression_add(email=email, reason="bounce", source=bounce.source)
    else:
        delivery.exclude(failure=Failure.PERMANENT).update(
            status=Delivery.Status.FAILED, failure=Failure.TEMPORARY, lease_expires_at=None, last_error=detail,
        )
        if email and bounce.subscriber_id and _soft_bounces_reached(bounce.subscriber_id, bounce.occurred_at):
            suppression_add(email=email, reason="bounce", source=bounce.source)


def _soft_bounces_reached(subscriber_id: int, at: datetime.datetime) -> bool:
    since = at - datetime.timedelta(days=settings.NEWSLETTER_SOFT_BOUNCE_DAYS)
    counted = Bounce.objects.filter(subscriber_id=subscriber_id, kind=Bounce.Kind.SOFT, occurred_at__gt=since).count()
    return counted >= settings.NEWSLETTER_SOFT_BOUNCE_LIMIT


def _pause_if_complaints(campaign_id: int) -> None:
    counted = with_complaint_counts(Campaign.objects.filter(pk=campaign_id))
    sent, complained = counted.values_list("sent", "complained").get()
    if sent >= settings.NEWSLETTER_COMPLAINT_MIN_SAMPLE and complained / sent > settings.NEWSLETTER_COMPLAINT_THRESHOLD:
        campaign_pause_automatically(
            campaign_id=campaign_id,
            note=f"Paused automatically: {complained} spam complaints for {sent} messages sent "
            f"({100 * complained / sent:.2f}%, limit {100 * settings.NEWSLETTER_COMPLAINT_THRESHOLD:.2f}%).",
        )
