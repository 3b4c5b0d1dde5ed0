"""Reads of mail's records: the outbox and the suppression list."""

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import Q, QuerySet

from mail.hashing import address_hash
from mail.models import OutboxMessage, Suppression


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


def addresses_suppressed(addresses: Iterable[str]) -> set[str]:
    """Those of these addresses (as given) that no campaign may reach. One query for a whole batch."""
    by_hash = {address_hash(address): address for address in addresses}
    listed = Suppression.objects.filter(address_hash__in=list(by_hash)).values_list("address_hash", flat=True)
    return {by_hash[hashed] for hashed in listed}


def address_suppressed(address: str) -> bool:
    return bool(addresses_suppressed([address]))


def suppressions_of(*, hashed: str) -> QuerySet[Suppression]:
    """The suppression row of a keyed hash (for an export by datarights)."""
    return Suppression.objects.filter(address_hash=hashed)
