"""Reads of mail's records."""

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Q, QuerySet

from mail.models import OutboxMessage


def outbox_messages_of(*, address: str) -> QuerySet[OutboxMessage]:
    """The transactional e-mails to this address or answering to it (any letter case), oldest first."""
    return OutboxMessage.objects.filter(Q(to_email__iexact=address) | Q(reply_to__iexact=address)).order_by(
        "created_at"
    )


def outbox_addresses() -> Iterator[str]:
    yield from OutboxMessage.objects.values_list("to_email", flat=True).distinct().iterator(chunk_size=2000)
    yield from OutboxMessage.objects.exclude(reply_to="").values_list("reply_to", flat=True).distinct().iterator(
        chunk_size=2000
    )


def outbox_expired(*, before: datetime) -> QuerySet[OutboxMessage]:
    """Records of sent and failed messages created before `before` (pending ones are still work)."""
    return OutboxMessage.objects.filter(
        status__in=[OutboxMessage.Status.SENT, OutboxMessage.Status.FAILED], created_at__lt=before
    )
