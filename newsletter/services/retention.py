"""The newsletter's retention rules' work (declared in newsletter/personal_data.py, run by
core.retention): requests never confirmed, profiles unsubscribed from everything,
profiles without activity. Each works in batches of `ctx.batch_size`.

What stays of a deleted profile is datarights' keyed hash on its suppression list, written
through datarights' services: this app never touches datarights' tables itself.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, QuerySet, Subquery

from core.retention import RunContext
from datarights import selectors as datarights_selectors
from datarights import services as datarights_services
from mail import services as mail_services
from mail.hashing import address_hash
from newsletter.models import Bounce, ConsentProof, Delivery, Subscriber, Subscription


def subscribers_delete(*, ids: list[int]) -> dict[str, int]:
    """Subscribers with everything that hangs on them, in the one order that works:
    Subscription.proof is PROTECT, so subscriptions go before the proofs they rest on.
    Returns how many of each went (erasure reports them)."""
    counts = {}
    for key, queryset in (
        ("bounces", Bounce.objects.filter(subscriber_id__in=ids)),
        ("deliveries", Delivery.objects.filter(subscriber_id__in=ids)),
        ("subscriptions", Subscription.objects.filter(subscriber_id__in=ids)),
        ("consent_proofs", ConsentProof.objects.filter(subscriber_id__in=ids)),
        ("subscriber", Subscriber.objects.filter(pk__in=ids)),
    ):
        counts[key] = queryset.delete()[1].get(queryset.model._meta.label, 0)
    return counts


def bounces_purge(*, ctx: RunContext) -> dict[str, int]:
    """Bounce and complaint reports older than NEWSLETTER_BOUNCE_KEEP_DAYS (the suppression
    they caused stays: it holds only a keyed hash of the address)."""
    old = Bounce.objects.filter(occurred_at__lt=ctx.cutoff(settings.NEWSLETTER_BOUNCE_KEEP_DAYS))
    if ctx.dry_run:
        return {"bounce reports": old.count()}
    deleted = 0
    while batch := list(old.values_list("pk", flat=True)[: ctx.batch_size]):
        deleted += Bounce.objects.filter(pk__in=batch).delete()[0]
    return {"bounce reports": deleted}


def unconfirmed_purge(*, ctx: RunContext) -> dict[str, int]:
    """Requests never confirmed within NEWSLETTER_PENDING_RETENTION_DAYS, and what only they held."""
    stale = ConsentProof.objects.filter(
        confirmed_at__isnull=True, given_at__lt=ctx.cutoff(settings.NEWSLETTER_PENDING_RETENTION_DAYS)
    )
    if ctx.dry_run:
        return {"unconfirmed requests": stale.count()}
    proofs = subscribers = 0
    while True:
        batch = list(stale.values_list("pk", "subscriber_id")[: ctx.batch_size])
        if not batch:
            break
        with transaction.atomic():
            subscriber_ids = {subscriber_id for _pk, subscriber_id in batch}
            ConsentProof.objects.filter(pk__in=[pk for pk, _s in batch]).delete()
            still_asked = ConsentProof.topics.through.objects.filter(
                consentproof__subscriber_id=OuterRef("subscriber_id"), consentproof__confirmed_at__isnull=True,
                topic_id=OuterRef("topic_id"),
            )
            Subscription.objects.filter(
                status=Subscription.Status.PENDING, subscriber_id__in=subscriber_ids
            ).filter(~Exists(still_asked)).delete()
            # Addresses left with no subscription, no proof and no delivery never became subscribers.
            subscribers += Subscriber.objects.filter(pk__in=subscriber_ids).filter(
                ~Exists(Subscription.objects.filter(subscriber_id=OuterRef("pk"))),
                ~Exists(ConsentProof.objects.filter(subscriber_id=OuterRef("pk"))),
                ~Exists(Delivery.objects.filter(subscriber_id=OuterRef("pk"))),
            ).delete()[1].get(Subscriber._meta.label, 0)
        proofs += len(batch)
        ctx.progress("newsletter_unconfirmed", proofs)
    return {"unconfirmed requests": proofs, "addresses that never subscribed": subscribers}


def _unsubscribed_subscribers(ctx: RunContext) -> QuerySet:
    active = Subscription.objects.filter(
        subscriber_id=OuterRef("pk"), status__in=[Subscription.Status.CONFIRMED, Subscription.Status.PENDING]
    )
    waiting = ConsentProof.objects.filter(subscriber_id=OuterRef("pk"), confirmed_at__isnull=True)
    return (
        Subscriber.objects.annotate(last_unsubscribed=Max("subscriptions__unsubscribed_at"))
        .filter(~Exists(active), ~Exists(waiting),
                last_unsubscribed__lt=ctx.cutoff(settings.NEWSLETTER_UNSUBSCRIBED_KEEP_DAYS))
    )


def unsubscribed_purge(*, ctx: RunContext) -> dict[str, int]:
    """Profiles unsubscribed from everything for NEWSLETTER_UNSUBSCRIBED_KEEP_DAYS; their hash is suppressed."""
    due = _unsubscribed_subscribers(ctx)
    if ctx.dry_run:
        return {"unsubscribed profiles": due.count()}
    total = 0
    while True:
        batch = list(due.values_list("pk", "email")[: ctx.batch_size])
        if not batch:
            break
        with transaction.atomic():
            mail_services.addresses_suppress(
                emails=[email for _pk, email in batch], reason="unsubscribed", source="retention", at=ctx.now
            )
            subscribers_delete(ids=[pk for pk, _email in batch])
        total += len(batch)
        ctx.progress("newsletter_unsubscribed", total)
    return {"unsubscribed profiles": total}


def _last_activity(batch: list[tuple[int, str, datetime.datetime, list]]) -> dict[int, datetime.datetime]:
    """Per subscriber: the latest confirmation, preference change, data request or 'stay' answer."""
    hashes = {pk: address_hash(email) for pk, email, *_rest in batch}
    elsewhere = datarights_selectors.activity_latest(hashes=list(hashes.values()))
    result = {}
    for pk, _email, created_at, moments in batch:
        candidates = [created_at, *moments, elsewhere.get(hashes[pk])]
        result[pk] = max(moment for moment in candidates if moment is not None)
    return result


def inactive_profiles_purge(*, ctx: RunContext) -> dict[str, int]:
    """Profiles (confirmed subscribers) without activity for INACTIVE_PROFILE_DAYS are deleted;
    each gets an e-mail INACTIVE_PROFILE_WARNING_DAYS before, offering to stay."""
    period = datetime.timedelta(days=settings.INACTIVE_PROFILE_DAYS)
    notice = datetime.timedelta(days=settings.INACTIVE_PROFILE_WARNING_DAYS)
    warn_before = ctx.now - period + notice

    def latest(model, field_name: str) -> Subquery:
        return Subquery(
            model.objects.filter(subscriber_id=OuterRef("pk")).order_by().values("subscriber_id")
            .annotate(latest=Max(field_name)).values("latest")[:1]
        )

    candidates = (
        Subscriber.objects.filter(
            Exists(Subscription.objects.filter(subscriber_id=OuterRef("pk"), status=Subscription.Status.CONFIRMED)),
            created_at__lt=warn_before,
        )
        .annotate(
            proof_confirmed=latest(ConsentProof, "confirmed_at"),
            subscription_confirmed=latest(Subscription, "confirmed_at"),
            subscription_changed=latest(Subscription, "unsubscribed_at"),
        )
        .order_by("pk")
    )
    warned = deleted = last_pk = 0
    while True:
        rows = list(
            candidates.filter(pk__gt=last_pk).values_list(
                "pk", "email", "name", "language", "created_at", "proof_confirmed", "subscription_confirmed",
                "subscription_changed",
            )[: ctx.batch_size]
        )
        if not rows:
            break
        last_pk = rows[-1][0]
        activity = _last_activity([(r[0], r[1], r[4], list(r[5:])) for r in rows])
        notices = datarights_selectors.inactivity_warned_at(hashes=[address_hash(r[1]) for r in rows])
        to_delete, to_warn = [], []
        for pk, email, name, language, *_rest in rows:
            last = activity[pk]
            if last >= warn_before:
                continue
            warned_at = notices.get(address_hash(email))
            if warned_at is not None and warned_at > last:
                # Deleted only once the warning is old enough, whatever the calendar says.
                if last < ctx.now - period and warned_at <= ctx.now - notice:
                    to_delete.append((pk, email))
            else:
                to_warn.append((pk, email, name, language, max(ctx.now + notice, last + period)))
        if not ctx.dry_run:
            with transaction.atomic():
                if to_delete:
                    emails = [email for _pk, email in to_delete]
                    mail_services.addresses_suppress(emails=emails, reason="inactive", source="retention", at=ctx.now)
                    datarights_services.inactivity_warnings_clear(emails=emails)
                    subscribers_delete(ids=[pk for pk, _email in to_delete])
                for _pk, email, name, language, deletion_at in to_warn:
                    datarights_services.inactivity_warn(
                        email=email, name=name, language=language, deletion_at=deletion_at, now=ctx.now
                    )
        warned += len(to_warn)
        deleted += len(to_delete)
        ctx.progress("inactive_profiles", warned + deleted)
    return {"inactive profiles warned": warned, "inactive profiles": deleted}
