"""A subscriber's self-service address change (datarights' my-data pages, through the registry's
`address_change` declaration), applied once the new address has confirmed it.

When the new address has no subscriber, the row simply takes the new address. When it has one,
the two merge into that one: topics joined (per topic the stronger standing wins: confirmed over
pending over unsubscribed; both confirmed, the new address' subscription stays), every consent
proof kept and moved to it (the proofs' trigger lets `subscriber_id` change only inside a
transaction that says so: `newsletter.proofs_merge`, migration 0016), deliveries and bounce
reports moved (a campaign both received keeps the new address' delivery), the new address'
name and language kept (an empty name takes the old one). Refusing a suppressed new address is
the caller's decision: it is about the address, not the newsletter.
"""

import contextlib
from collections.abc import Iterator

from django.db import connection, transaction

from core.email import email_normalize
from newsletter.models import Bounce, ConsentProof, Delivery, Subscriber, Subscription

_RANK = {Subscription.Status.CONFIRMED: 2, Subscription.Status.PENDING: 1, Subscription.Status.UNSUBSCRIBED: 0}


def subscriber_address_change(*, old_email: str, new_email: str) -> bool:
    """Move the newsletter's data of `old_email` to `new_email`; False when there is nothing to move."""
    old_email, new_email = email_normalize(old_email), email_normalize(new_email)
    if old_email == new_email:
        return False
    with transaction.atomic():
        # Both rows locked in one order, so two changes between the same addresses cannot deadlock.
        rows = {s.email: s for s in Subscriber.objects.select_for_update().filter(
            email__in=[old_email, new_email]).order_by("pk")}
        old, new = rows.get(old_email), rows.get(new_email)
        if old is None:
            return False
        if new is None:
            old.email = new_email
            old.save(update_fields=["email"])
        else:
            _merge(old, into=new)
    return True


def _merge(old: Subscriber, *, into: Subscriber) -> None:
    kept = {s.topic_id: s for s in Subscription.objects.filter(subscriber=into)}
    for subscription in Subscription.objects.filter(subscriber=old):
        theirs = kept.get(subscription.topic_id)
        if theirs is not None and _RANK[subscription.status] > _RANK[theirs.status]:
            theirs.delete()
            theirs = None
        if theirs is None:
            Subscription.objects.filter(pk=subscription.pk).update(subscriber=into)
        else:
            subscription.delete()
    with _proofs_merge():
        ConsentProof.objects.filter(subscriber=old).update(subscriber=into)
    received = Delivery.objects.filter(subscriber=into).values("campaign_id")
    Delivery.objects.filter(subscriber=old, campaign_id__in=received).delete()
    Delivery.objects.filter(subscriber=old).update(subscriber=into)
    Bounce.objects.filter(subscriber=old).update(subscriber=into)
    if not into.name and old.name:
        into.name = old.name
    into.created_at = min(into.created_at, old.created_at)
    into.save(update_fields=["name", "created_at"])
    old.delete()


@contextlib.contextmanager
def _proofs_merge() -> Iterator[None]:
    """Tell the proofs' trigger that they move, for this statement only (SQLite's trigger lets
    the subscriber change anyway)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('newsletter.proofs_merge', 'on', true)")
        try:
            yield
        finally:
            cursor.execute("SELECT set_config('newsletter.proofs_merge', 'off', true)")
