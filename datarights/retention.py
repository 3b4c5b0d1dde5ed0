"""Retention rules: what the site deletes and when, from settings.

The same list drives the daily Celery task, the `retention_run` command and the page
/<lang>/privacy/retention/, so the page and the behaviour cannot disagree.

Every rule works in bounded batches: it selects at most `batch_size` primary keys, deletes
or updates exactly those, and repeats; memory does not grow with the number of rows and
no transaction or lock lasts longer than one batch.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from datarights.hashing import address_hash

Progress = Callable[[str, int], None]


@dataclass
class RunContext:
    now: datetime.datetime
    batch_size: int
    progress: Progress
    dry_run: bool = False


@dataclass(frozen=True)
class Rule:
    key: str
    what: Promise
    setting: str  # the setting holding the period, in days
    counted_from: Promise
    why: Promise
    run: Callable[[RunContext], dict[str, int]]
    available: Callable[[], bool] = field(default=lambda: True)

    @property
    def days(self) -> int:
        return int(getattr(settings, self.setting))

    @property
    def period(self) -> str:
        return period_text(self.days)


def period_text(days: int) -> str:
    """4 years, 6 months, 90 days: whole years or months when the number of days is one."""
    if days and days % 365 == 0:
        years = days // 365
        return ngettext("%(n)d year", "%(n)d years", years) % {"n": years}
    if days and days % 30 == 0 and days >= 60:
        months = days // 30
        return ngettext("%(n)d month", "%(n)d months", months) % {"n": months}
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


def _cutoff(ctx: RunContext, days: int) -> datetime.datetime:
    return ctx.now - datetime.timedelta(days=days)


def delete_in_batches(queryset: QuerySet, ctx: RunContext, label: str) -> int:
    """Delete what `queryset` selects, `ctx.batch_size` primary keys at a time.

    Keyset pagination on the primary key (pk > the last one seen): each batch starts where
    the last ended instead of walking again over the index entries of rows just deleted,
    which a plain LIMIT would do until the next VACUUM (quadratic on a large purge).
    """
    model = queryset.model
    if ctx.dry_run:
        return queryset.count()
    total = last_pk = 0
    while True:
        ids = list(queryset.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[: ctx.batch_size])
        if not ids:
            return total
        model._base_manager.filter(pk__in=ids).delete()
        total += len(ids)
        last_pk = ids[-1]
        ctx.progress(label, total)


# --- Access log -----------------------------------------------------------------------


def _access_log_delete(ctx: RunContext) -> dict[str, int]:
    from accesslog.models import PageView

    due = PageView.objects.filter(time__lt=_cutoff(ctx, settings.ACCESS_LOG_KEEP_DAYS))
    return {"page views": delete_in_batches(due, ctx, "access_log_delete")}


# --- Contact messages, data requests, my-data links -------------------------------------


def _contact_handled(ctx: RunContext) -> dict[str, int]:
    from contact.models import ContactMessage

    due = ContactMessage.objects.filter(
        handled=True, handled_at__lt=_cutoff(ctx, settings.CONTACT_KEEP_DAYS_AFTER_HANDLED)
    )
    return {"contact messages": delete_in_batches(due, ctx, "contact_handled")}


def _data_requests(ctx: RunContext) -> dict[str, int]:
    from datarights.models import DataRequest

    due = DataRequest.objects.filter(
        status__in=[DataRequest.Status.DONE, DataRequest.Status.REFUSED],
        closed_at__lt=_cutoff(ctx, settings.DATA_REQUEST_KEEP_DAYS),
    )
    return {"data requests": delete_in_batches(due, ctx, "data_requests")}


def _access_links(ctx: RunContext) -> dict[str, int]:
    from datarights.models import AccessLink

    due = AccessLink.objects.filter(expires_at__lt=_cutoff(ctx, settings.DATARIGHTS_LINK_KEEP_DAYS))
    return {"my-data links": delete_in_batches(due, ctx, "access_links")}


# --- Newsletter -------------------------------------------------------------------------


def _newsletter() -> bool:
    return apps.is_installed("newsletter")


def _delete_subscribers(ids: list[int]) -> None:
    """A subscriber with everything that hangs on it (subscriptions before the proofs they rest on)."""
    from newsletter.models import ConsentProof, Delivery, Subscriber, Subscription

    Delivery.objects.filter(subscriber_id__in=ids).delete()
    Subscription.objects.filter(subscriber_id__in=ids).delete()
    ConsentProof.objects.filter(subscriber_id__in=ids).delete()
    Subscriber.objects.filter(pk__in=ids).delete()


def _suppress(emails: list[str], reason: str, now: datetime.datetime) -> None:
    from datarights.models import SuppressedAddress

    SuppressedAddress.objects.bulk_create(
        [SuppressedAddress(address_hash=address_hash(email), reason=reason, created_at=now) for email in emails],
        ignore_conflicts=True,
    )


def _newsletter_unconfirmed(ctx: RunContext) -> dict[str, int]:
    """Requests never confirmed: the same outcome as newsletter's pending_purge, in batches."""
    from newsletter.models import ConsentProof, Delivery, Subscriber, Subscription

    stale = ConsentProof.objects.filter(
        confirmed_at__isnull=True, given_at__lt=_cutoff(ctx, settings.NEWSLETTER_PENDING_RETENTION_DAYS)
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
            subscribers += Subscriber.objects.filter(pk__in=subscriber_ids).filter(
                ~Exists(Subscription.objects.filter(subscriber_id=OuterRef("pk"))),
                ~Exists(ConsentProof.objects.filter(subscriber_id=OuterRef("pk"))),
                ~Exists(Delivery.objects.filter(subscriber_id=OuterRef("pk"))),
            ).delete()[1].get(Subscriber._meta.label, 0)
        proofs += len(batch)
        ctx.progress("newsletter_unconfirmed", proofs)
    return {"unconfirmed requests": proofs, "addresses that never subscribed": subscribers}


def _unsubscribed_subscribers(ctx: RunContext) -> QuerySet:
    from newsletter.models import ConsentProof, Subscriber, Subscription

    active = Subscription.objects.filter(
        subscriber_id=OuterRef("pk"), status__in=[Subscription.Status.CONFIRMED, Subscription.Status.PENDING]
    )
    waiting = ConsentProof.objects.filter(subscriber_id=OuterRef("pk"), confirmed_at__isnull=True)
    return (
        Subscriber.objects.annotate(last_unsubscribed=Max("subscriptions__unsubscribed_at"))
        .filter(~Exists(active), ~Exists(waiting), last_unsubscribed__lt=_cutoff(
            ctx, settings.NEWSLETTER_UNSUBSCRIBED_KEEP_DAYS
        ))
    )


def _newsletter_unsubscribed(ctx: RunContext) -> dict[str, int]:
    from datarights.models import SuppressedAddress

    due = _unsubscribed_subscribers(ctx)
    if ctx.dry_run:
        return {"unsubscribed profiles": due.count()}
    total = 0
    while True:
        batch = list(due.values_list("pk", "email")[: ctx.batch_size])
        if not batch:
            break
        with transaction.atomic():
            _suppress([email for _pk, email in batch], SuppressedAddress.Reason.UNSUBSCRIBED, ctx.now)
            _delete_subscribers([pk for pk, _email in batch])
        total += len(batch)
        ctx.progress("newsletter_unsubscribed", total)
    return {"unsubscribed profiles": total}


def _last_activity(batch: list[tuple[int, str, datetime.datetime, list]]) -> dict[int, datetime.datetime]:
    """Per subscriber: the latest confirmation, preference change, data request or 'stay' answer."""
    from datarights.models import DataRequest, ProfileActivity

    hashes = {pk: address_hash(email) for pk, email, *_rest in batch}
    requests = dict(
        DataRequest.objects.filter(subject_hash__in=hashes.values()).values("subject_hash")
        .annotate(latest=Max("created_at")).values_list("subject_hash", "latest")
    )
    stays = dict(ProfileActivity.objects.filter(address_hash__in=hashes.values()).values_list(
        "address_hash", "last_active_at"
    ))
    result = {}
    for pk, _email, created_at, moments in batch:
        hashed = hashes[pk]
        candidates = [created_at, *moments, requests.get(hashed), stays.get(hashed)]
        result[pk] = max(moment for moment in candidates if moment is not None)
    return result


def _inactive_profiles(ctx: RunContext) -> dict[str, int]:
    """Profiles (confirmed subscribers) without activity for INACTIVE_PROFILE_DAYS are deleted;
    each gets an e-mail INACTIVE_PROFILE_WARNING_DAYS before, offering to stay."""
    from datarights.models import RetentionNotice, SuppressedAddress
    from newsletter.models import ConsentProof, Subscriber, Subscription

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
        notices = dict(RetentionNotice.objects.filter(
            address_hash__in=[address_hash(r[1]) for r in rows]
        ).values_list("address_hash", "warned_at"))
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
                    _suppress([email for _pk, email in to_delete], SuppressedAddress.Reason.INACTIVE, ctx.now)
                    RetentionNotice.objects.filter(address_hash__in=[address_hash(e) for _p, e in to_delete]).delete()
                    _delete_subscribers([pk for pk, _email in to_delete])
                for _pk, email, name, language, deletion_at in to_warn:
                    _warn_inactive(email, name, language, deletion_at, ctx.now)
        warned += len(to_warn)
        deleted += len(to_delete)
        ctx.progress("inactive_profiles", warned + deleted)
    return {"inactive profiles warned": warned, "inactive profiles": deleted}


def _warn_inactive(email: str, name: str, language: str, deletion_at: datetime.datetime,
                   now: datetime.datetime) -> None:
    from django.urls import reverse
    from django.utils import translation

    from datarights import tokens
    from datarights.models import RetentionNotice
    from newsletter.services.outbox import outbox_enqueue

    hashed = address_hash(email)
    RetentionNotice.objects.update_or_create(address_hash=hashed, defaults={"warned_at": now})
    with translation.override(language):
        stay_url = settings.SITE_URL + reverse("datarights:stay", args=[tokens.stay_token(hashed)])
    outbox_enqueue(
        template="datarights/email/inactivity_warning", to_email=email, language=language,
        context={"name": name, "stay_url": stay_url, "deletion_date": deletion_at.date().isoformat(),
                 "years": settings.INACTIVE_PROFILE_DAYS // 365},
    )


def _transactional_mail(ctx: RunContext) -> dict[str, int]:
    from newsletter.models import OutboxMessage

    due = OutboxMessage.objects.filter(
        status__in=[OutboxMessage.Status.SENT, OutboxMessage.Status.FAILED],
        created_at__lt=_cutoff(ctx, settings.TRANSACTIONAL_MAIL_KEEP_DAYS),
    )
    return {"transactional e-mails": delete_in_batches(due, ctx, "transactional_mail")}


# --- Cookie consent records (privacy app) -------------------------------------------------


def _consent_available() -> bool:
    return bool(apps.all_models.get("privacy", {}).get("consentrecord"))


def _consent_records(ctx: RunContext) -> dict[str, int]:
    """Records replaced or withdrawn more than CONSENT_PROOF_KEEP_DAYS ago.

    A record is replaced by the next record of the same consent id. The last record of a
    consent id ends with a withdrawal, or when the consent cookie it set lapsed
    (CONSENT_MAX_AGE_DAYS, if the privacy app defines it).
    """
    ConsentRecord = apps.get_model("privacy", "ConsentRecord")
    cutoff = _cutoff(ctx, settings.CONSENT_PROOF_KEEP_DAYS)
    replaced = ConsentRecord.objects.filter(
        consent_id=OuterRef("consent_id"), created_at__gt=OuterRef("created_at"), created_at__lt=cutoff
    )
    condition = Q(Exists(replaced)) | Q(method="withdrawal", created_at__lt=cutoff)
    lifetime = getattr(settings, "CONSENT_MAX_AGE_DAYS", None)
    if lifetime:
        later = ConsentRecord.objects.filter(consent_id=OuterRef("consent_id"), created_at__gt=OuterRef("created_at"))
        condition |= Q(~Exists(later), created_at__lt=cutoff - datetime.timedelta(days=lifetime))
    due = ConsentRecord.objects.filter(condition)
    return {"consent records": delete_in_batches(due, ctx, "consent_records")}


# --- The list -------------------------------------------------------------------------------

RULES: list[Rule] = [
    Rule(
        "newsletter_unconfirmed", _("Newsletter requests that were never confirmed"),
        "NEWSLETTER_PENDING_RETENTION_DAYS",
        _("after the request"), _("Without confirmation we may not send anything; the request has no further use."),
        _newsletter_unconfirmed, _newsletter,
    ),
    Rule(
        "newsletter_unsubscribed", _("Details of people who unsubscribed from everything"),
        "NEWSLETTER_UNSUBSCRIBED_KEEP_DAYS", _("after the last unsubscribe"),
        _("Kept briefly to answer questions; afterwards only a keyed hash of the address stays on the suppression "
          "list, so no campaign reaches it again."),
        _newsletter_unsubscribed, _newsletter,
    ),
    Rule(
        "inactive_profiles", _("Newsletter profiles without any activity"), "INACTIVE_PROFILE_DAYS",
        _("after the last confirmation, preference change, data request or answer to our e-mail"),
        _("As our privacy statement promises. You get an e-mail 30 days before, in which you can choose to stay."),
        _inactive_profiles, _newsletter,
    ),
    Rule(
        "transactional_mail", _("Record of e-mails you asked for (confirmation and my-data links)"),
        "TRANSACTIONAL_MAIL_KEEP_DAYS", _("after sending"),
        _("To look into delivery problems; the link itself is removed as soon as the e-mail is sent."),
        _transactional_mail, _newsletter,
    ),
    Rule(
        "contact_handled", _("Messages sent through the contact form"), "CONTACT_KEEP_DAYS_AFTER_HANDLED",
        _("after we handled them"), _("To follow up on the conversation."), _contact_handled,
    ),
    Rule(
        "data_requests", _("Records of requests about your data (with a keyed hash instead of the address)"),
        "DATA_REQUEST_KEEP_DAYS", _("after the request was closed"),
        _("Proof that we answered each request in time."), _data_requests,
    ),
    Rule(
        "access_links", _("Links to the my-data page"), "DATARIGHTS_LINK_KEEP_DAYS", _("after they expired"),
        _("A link works once and for a short time; the record of it is then removed."), _access_links,
    ),
    Rule(
        "consent_records", _("Records of cookie choices"), "CONSENT_PROOF_KEEP_DAYS",
        _("after they were replaced, withdrawn or expired"),
        _("Proof of consent (GDPR Art. 7): we must be able to show what you agreed to."),
        _consent_records, _consent_available,
    ),
    Rule(
        "access_log_delete", _("The web server's access log (IP addresses shortened when written)"),
        "ACCESS_LOG_KEEP_DAYS", _("after the visit"),
        _("Basic logs for security and anonymous statistics; never analysed per visitor."), _access_log_delete,
    ),
]


def rules() -> list[Rule]:
    return [rule for rule in RULES if rule.available()]


def rule_run(rule: Rule, *, now: datetime.datetime | None = None, batch_size: int | None = None,
             progress: Progress | None = None, dry_run: bool = False) -> dict[str, int]:
    ctx = RunContext(
        now=now or timezone.now(), batch_size=batch_size or settings.RETENTION_BATCH_SIZE,
        progress=progress or (lambda _rule, _count: None), dry_run=dry_run,
    )
    return rule.run(ctx)


def retention_run_all(*, batch_size: int | None = None, progress: Progress | None = None,
                      only: list[str] | None = None, dry_run: bool = False) -> dict[str, dict[str, int]]:
    """Run every available rule (or those named in `only`); {rule key: {what: count}}."""
    now = timezone.now()
    return {
        rule.key: rule_run(rule, now=now, batch_size=batch_size, progress=progress, dry_run=dry_run)
        for rule in rules()
        if not only or rule.key in only
    }

