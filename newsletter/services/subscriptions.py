"""Writes on subscriptions: request (double opt-in), confirm, unsubscribe, preferences, purge.

A request never reveals whether an address is known: the outcome and the e-mail sent are
the same for a new, a pending and a confirmed address. Nothing a request does changes an
existing subscriber's name, language or topics until the link in the mailbox is confirmed.
"""

import enum
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.email import email_normalize
from core.inserts import Insert, row_insert, rows_insert, rows_insert_together
from core.ipaddress import truncate_ip
from core.ratelimit import Over, network_then_address_hit
from mail.services import outbox_enqueue, suppression_lift
from newsletter.messages import confirm_url, site_url
from newsletter.models import ConsentProof, Subscriber, Subscription, Topic
from newsletter.services.welcome import welcome_record
from newsletter.tokens import preferences_token_make

CONFIRM_TEMPLATE = "newsletter/email/confirm"
PREFERENCES_LINK_TEMPLATE = "newsletter/email/preferences_link"


class RequestOutcome(enum.Enum):
    ACCEPTED = "accepted"
    TOO_MANY = "too_many"  # this IP address asked too often: say so (the address is not revealed)


class ConfirmOutcome(enum.Enum):
    CONFIRMED = "confirmed"
    ALREADY_USED = "already_used"
    UNKNOWN = "unknown"  # authentic, but the request has since been deleted


@dataclass(frozen=True)
class ConsentShown:
    text: str
    version: str
    # The published privacy statement the text links to, as it stood when the form was shown.
    statement_version_id: int | None = None


def _limits_hit(*, ip: str | None, email: str | None) -> Over:
    """The limits of everything that mails an address on a visitor's request."""
    return network_then_address_hit(
        "newsletter", ip=ip, address=email, per_network=settings.NEWSLETTER_SUBSCRIBE_PER_IP,
        per_address=settings.NEWSLETTER_SUBSCRIBE_PER_EMAIL,
        window_seconds=settings.NEWSLETTER_SUBSCRIBE_WINDOW_SECONDS,
    )


def subscription_request(
    *, email: str, name: str, language: str, topics: Iterable[Topic], consent: ConsentShown, source: str,
    ip: str | None,
) -> RequestOutcome:
    email = email_normalize(email)
    over = _limits_hit(ip=ip, email=email)
    if over is Over.NETWORK:
        return RequestOutcome.TOO_MANY
    if over is Over.ADDRESS:
        # Same answer as success: the visitor must not learn that this address was used before.
        return RequestOutcome.ACCEPTED
    # Each once, in the order topics are shown everywhere (the confirmation lists them).
    topics = sorted({topic.pk: topic for topic in topics}.values(), key=lambda topic: (topic.position, topic.slug))
    with transaction.atomic():
        subscriber_id = _subscriber_id(email=email, language=language)
        proof = row_insert(obj=ConsentProof(
            subscriber_id=subscriber_id, requested_name=name.strip(), language=language, consent_text=consent.text,
            consent_version=consent.version, statement_version_id=consent.statement_version_id, source=source[:200],
            ip_truncated=truncate_ip(ip) or "",
        ))
        rows_insert_together(inserts=[
            Insert([ConsentProof.topics.through(consentproof_id=proof.pk, topic_id=topic.pk) for topic in topics]),
            # A topic the address already has (pending, confirmed or unsubscribed) keeps its row as it is.
            Insert([Subscription(subscriber_id=subscriber_id, topic_id=topic.pk) for topic in topics],
                   ignore_conflicts=True),
        ])
        _send_confirmation(proof, email=email, topics=topics)
    return RequestOutcome.ACCEPTED


def _subscriber_id(*, email: str, language: str) -> int:
    """The id of the address' subscriber, created (with no name yet) when there is none: for a new
    address one statement, where get_or_create needs a SELECT and a savepoint around the INSERT."""
    created = rows_insert(objs=[Subscriber(email=email, language=language)], ignore_conflicts=True)
    if created:
        return created[0]
    # Known, or a request for the same address committed first.
    return Subscriber.objects.values_list("pk", flat=True).get(email=email)


def _send_confirmation(proof: ConsentProof, *, email: str, topics: list[Topic]) -> None:
    outbox_enqueue(
        template=CONFIRM_TEMPLATE,
        to_email=email,
        language=proof.language,
        context={
            "name": proof.requested_name,
            "confirm_url": confirm_url(proof.nonce, proof.language),
            "topics": [topic.name(proof.language) for topic in topics],
            "max_age_days": settings.NEWSLETTER_CONFIRM_MAX_AGE_DAYS,
        },
    )


def proof_pending(nonce: uuid.UUID) -> ConsentProof | None:
    return ConsentProof.objects.select_related("subscriber").filter(nonce=nonce).first()


def subscription_confirm(*, nonce: uuid.UUID) -> ConfirmOutcome:
    """Confirm one request (only ever through a POST: scanners follow GET links)."""
    now = timezone.now()
    with transaction.atomic():
        proof = ConsentProof.objects.select_for_update().select_related("subscriber").filter(nonce=nonce).first()
        if proof is None:
            return ConfirmOutcome.UNKNOWN
        if proof.confirmed_at is not None:
            return ConfirmOutcome.ALREADY_USED
        proof.confirmed_at = now
        proof.save(update_fields=["confirmed_at"])
        subscriber = proof.subscriber
        subscriber.language = proof.language
        if proof.requested_name:
            subscriber.name = proof.requested_name
        subscriber.save(update_fields=["language", "name"])
        topics = list(proof.topics.all())
        followed = set(Subscription.objects.filter(
            subscriber=subscriber, topic__in=topics, status=Subscription.Status.CONFIRMED,
        ).values_list("topic_id", flat=True))
        for topic in topics:
            Subscription.objects.update_or_create(
                subscriber=subscriber, topic=topic,
                defaults={
                    "status": Subscription.Status.CONFIRMED, "proof": proof, "confirmed_at": now,
                    "unsubscribed_at": None,
                },
            )
        # A confirmed opt-in shows the mailbox works and the person wants mail again.
        suppression_lift(email=subscriber.email)
        # One welcome for what this confirmation newly confirmed; sent by a worker after the commit.
        welcome_record(proof=proof, topic_ids=[topic.pk for topic in topics if topic.pk not in followed])
    return ConfirmOutcome.CONFIRMED


def confirmation_resend(*, nonce: uuid.UUID, ip: str | None) -> RequestOutcome:
    """A new link for an expired one: a fresh request with the same choices and consent text."""
    old = ConsentProof.objects.select_related("subscriber").filter(nonce=nonce, confirmed_at__isnull=True).first()
    if old is None:
        return RequestOutcome.ACCEPTED
    return subscription_request(
        email=old.subscriber.email, name=old.requested_name, language=old.language, topics=old.topics.all(),
        consent=ConsentShown(old.consent_text, old.consent_version, old.statement_version_id), source=old.source,
        ip=ip,
    )


def subscriber_by_uuid(subscriber_uuid: uuid.UUID) -> Subscriber | None:
    return Subscriber.objects.filter(uuid=subscriber_uuid).first()


def unsubscribe(*, subscriber_uuid: uuid.UUID, topic_ids: Collection[int] | None = None) -> bool:
    """Stop mail at once: these topics (a message's, which the person may follow only some of), or
    everything when topic_ids is None. Idempotent.

    Takes effect for campaigns being sent too: workers check subscriptions right before
    they send. Returns False when the link names no subscriber.
    """
    subscriber = subscriber_by_uuid(subscriber_uuid)
    if subscriber is None:
        return False
    subscriptions = Subscription.objects.filter(subscriber=subscriber).exclude(status=Subscription.Status.UNSUBSCRIBED)
    if topic_ids is not None:
        subscriptions = subscriptions.filter(topic_id__in=topic_ids)
    subscriptions.update(status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at=timezone.now())
    return True


def preferences_link_send(*, subscriber_uuid: uuid.UUID, ip: str | None) -> None:
    """Mail the subscriber a link to their preference page, in their language.

    Asked for on an unsubscribe page, whose link may have been forwarded: the link goes to
    the mailbox only. The visitor learns nothing (sent, limited or no such subscriber), and
    the limits are those of subscription requests, which also mail an address on request.
    """
    subscriber = subscriber_by_uuid(subscriber_uuid)
    # The network is counted whether or not the link names a subscriber (it may be made up).
    over = _limits_hit(ip=ip, email=subscriber.email if subscriber else None)
    if subscriber is None or over is not Over.NOTHING:
        return
    token = preferences_token_make(subscriber.uuid)
    outbox_enqueue(
        template=PREFERENCES_LINK_TEMPLATE, to_email=subscriber.email, language=subscriber.language,
        context={
            "name": subscriber.name,
            "preferences_url": site_url("newsletter:preferences", subscriber.language, token=token),
        },
    )


def preferences_update(*, subscriber: Subscriber, keep_topic_ids: set[int], language: str, name: str) -> None:
    """Keep only the ticked confirmed topics; adding a topic needs a new opt-in (the form)."""
    with transaction.atomic():
        Subscription.objects.filter(subscriber=subscriber, status=Subscription.Status.CONFIRMED).exclude(
            topic_id__in=keep_topic_ids
        ).update(status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at=timezone.now())
        subscriber.language = language
        subscriber.name = name.strip()
        subscriber.save(update_fields=["language", "name"])
