"""Transactional mail through a database outbox.

The web request writes the row inside its own transaction and announces it
(`signals.outbox_message_queued`); once the transaction commits, mail.tasks asks a worker on
the `transactional` queue to send what waits, unless such a request is already waiting
(`outbox_wake_needed`): the worker sends every due row, not one named row, so one request
serves every row committed before the worker starts on it. If the broker is down the request
still succeeds; the periodic sweep sends every row that is still waiting.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.cache import CacheUnavailable
from core.inserts import row_insert
from mail import selectors
from mail.hashing import address_hash
from mail.messages import transactional_message
from mail.models import OutboxMessage, Suppression
from mail.signals import outbox_message_queued
from mail.transport import SendFailed, Transport

logger = logging.getLogger(__name__)

OUTBOX_MAX_TRIES = 8
OUTBOX_SWEEP_BATCH = 50
# A request to send waits at most this long for a worker before a newer commit asks again.
OUTBOX_WAKE_SECONDS = 5
_WAKE_KEY = "mail:outbox:wake"


def outbox_enqueue(
    *, template: str, to_email: str, language: str, context: dict, reply_to: str = ""
) -> OutboxMessage:
    """Queue one transactional e-mail. Call inside the transaction that makes it necessary.

    `context` must be JSON; it is kept only until the message is sent."""
    # SQL built once (core.inserts): every form that mails an address writes one of these.
    message = row_insert(obj=OutboxMessage(
        template=template, to_email=to_email, language=language, context=context, reply_to=reply_to
    ))
    outbox_message_queued.send(sender=OutboxMessage, message_id=message.pk)
    return message


def _claim(limit: int) -> list[OutboxMessage]:
    now = timezone.now()
    with transaction.atomic():
        queryset = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
            status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
        )
        rows = list(queryset.order_by("next_attempt_at", "id")[:limit])
        if rows:
            OutboxMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
                status=OutboxMessage.Status.SENDING,
                lease_expires_at=now + timedelta(seconds=settings.MAIL_LEASE_SECONDS),
                tries=F("tries") + 1,
            )
    return rows


def outbox_deliver(*, limit: int = OUTBOX_SWEEP_BATCH) -> int:
    """Send due outbox rows, at most `limit`; return how many were sent."""
    rows = _claim(limit)
    if not rows:
        return 0
    sent = 0
    with Transport() as transport:
        for index, row in enumerate(rows):
            tries = row.tries + 1
            try:
                transport.send(
                    transactional_message(
                        template=row.template, to_email=row.to_email, language=row.language, context=row.context,
                        reply_to=row.reply_to,
                    )
                )
            except SendFailed as failure:
                if failure.unreachable:
                    # The mail server is away, not the recipient: this row and the rest go back
                    # without counting the try, for the next sweep, however long the outage lasts.
                    OutboxMessage.objects.filter(pk__in=[r.pk for r in rows[index:]]).update(
                        status=OutboxMessage.Status.PENDING, lease_expires_at=None, tries=F("tries") - 1,
                    )
                    OutboxMessage.objects.filter(pk=row.pk).update(last_error=failure.detail)
                    logger.warning("mail server unreachable; outbox messages wait for the next sweep")
                    break
                final = failure.permanent or tries >= OUTBOX_MAX_TRIES
                delay = timedelta(seconds=min(60 * 2 ** (tries - 1), 6 * 3600))
                OutboxMessage.objects.filter(pk=row.pk).update(
                    status=OutboxMessage.Status.FAILED if final else OutboxMessage.Status.PENDING,
                    next_attempt_at=timezone.now() + delay, lease_expires_at=None, last_error=failure.detail,
                    context={} if final else row.context,
                )
                logger.warning("outbox message %s failed (%s)", row.pk, failure.detail)
            else:
                # The context may hold a bearer link; once sent it has no reason to stay.
                OutboxMessage.objects.filter(pk=row.pk).update(
                    status=OutboxMessage.Status.SENT, sent_at=timezone.now(), lease_expires_at=None, context={},
                )
                sent += 1
    return sent


def outbox_wake_needed() -> bool:
    """Whether a commit that queued a row must ask a worker to send: not when a request to send is
    already waiting for a worker (`outbox_wake_done` has not run since), which will find this
    row too. With the cache away, always."""
    try:
        return cache.incr_in_window(_WAKE_KEY, OUTBOX_WAKE_SECONDS) == 1
    except CacheUnavailable:
        return True


def outbox_wake_done() -> None:
    """A worker took the request to send; call before claiming rows, so that a row committed from
    now on asks again rather than count on this worker seeing it."""
    cache.delete(_WAKE_KEY)


def outbox_reap() -> int:
    """Return rows whose worker died mid-send to the queue."""
    return OutboxMessage.objects.filter(
        status=OutboxMessage.Status.SENDING, lease_expires_at__lt=timezone.now()
    ).update(status=OutboxMessage.Status.PENDING, lease_expires_at=None)


def outbox_erase(*, address: str, created_before: datetime | None = None) -> int:
    """Delete the record of every transactional e-mail to this address, or answering to it (erasure)."""
    rows = selectors.outbox_messages_of(address=address)
    if created_before is not None:
        rows = rows.filter(created_at__lt=created_before)
    return rows.delete()[0]


# --- The suppression list ------------------------------------------------------------------


def suppression_add(*, email: str, reason: str, source: str, at: datetime | None = None) -> bool:
    """Put the address' keyed hash on the suppression list; True when it was not there yet
    (a hash already there keeps its reason and date)."""
    _row, created = Suppression.objects.get_or_create(
        address_hash=address_hash(email),
        defaults={"reason": Suppression.Reason(reason), "source": source, "created_at": at or timezone.now()},
    )
    return created


def addresses_suppress(*, emails: Iterable[str], reason: str, source: str, at: datetime) -> None:
    """suppression_add for many addresses at once."""
    reason = Suppression.Reason(reason)
    Suppression.objects.bulk_create(
        [Suppression(address_hash=address_hash(email), reason=reason, source=source, created_at=at)
         for email in emails],
        ignore_conflicts=True,
    )


def suppression_lift(*, email: str) -> int:
    """A confirmed new opt-in: the address may be mailed again, whatever suppressed it."""
    return Suppression.objects.filter(address_hash=address_hash(email)).delete()[0]
