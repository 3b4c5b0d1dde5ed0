"""What the newsletter holds for an e-mail address, for core.registry, and how long it
keeps it (its retention rules, run by core.retention; found by autodiscovery).

Erasure removes the subscriber with its subscriptions, consent proofs and deliveries, and
its transactional e-mails; the keyed hash datarights then puts on mail's suppression list is
all that stays. Re-applied after a restore, it keeps an opt-in confirmed since the
erasure and removes only what came before.
"""

import datetime
from collections.abc import Collection

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core import registry, retention
from core.email import email_normalize
from core.validators import PersonNameField
from mail import selectors as mail_selectors
from mail import services as mail_services
from newsletter.models import Bounce, ConsentProof, Delivery, Subscriber, Subscription, Welcome
from newsletter.services import retention as newsletter_retention
from newsletter.services.address_change import subscriber_address_change
from newsletter.services.subscriptions import preferences_update


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _subscriber(address: str) -> Subscriber | None:
    return Subscriber.objects.filter(email=email_normalize(address)).first()


def export(address: str) -> registry.Records:
    address = email_normalize(address)
    subscriber = _subscriber(address)
    records: registry.Records = {
        "subscriber": [], "subscriptions": [], "consent_proofs": [], "deliveries": [], "welcome_messages": [],
        "bounces": [],
        "transactional_emails": [
            {"kind": m.template.rsplit("/", 1)[-1], "to": m.to_email, "language": m.language, "status": m.status,
             "created_at": _iso(m.created_at), "sent_at": _iso(m.sent_at)}
            for m in mail_selectors.outbox_messages_of(address=address)
        ],
    }
    if subscriber is None:
        return records
    language = get_language() or settings.LANGUAGE_CODE
    records["subscriber"] = [
        {"email": subscriber.email, "name": subscriber.name, "language": subscriber.language,
         "created_at": _iso(subscriber.created_at)}
    ]
    records["subscriptions"] = [
        {"topic": s.topic.name(language), "status": s.status, "created_at": _iso(s.created_at),
         "confirmed_at": _iso(s.confirmed_at), "unsubscribed_at": _iso(s.unsubscribed_at)}
        for s in subscriber.subscriptions.select_related("topic").order_by("topic__position")
    ]
    records["consent_proofs"] = [
        {"given_at": _iso(p.given_at), "confirmed_at": _iso(p.confirmed_at), "name_given": p.requested_name,
         "language": p.language, "topics": [t.name(language) for t in p.topics.all()],
         "consent_text": p.consent_text, "consent_text_version": p.consent_version, "page": p.source,
         "ip_address_truncated": p.ip_truncated, "origin": p.origin, "consent_given_to": p.controller,
         "original_kept_at": p.original_location}
        for p in subscriber.proofs.prefetch_related("topics").order_by("given_at")
    ]
    records["deliveries"] = [
        {"campaign": d.campaign.name, "status": d.status, "sent_at": _iso(d.sent_at),
         "complained_at": _iso(d.complained_at)}
        for d in subscriber.deliveries.select_related("campaign").order_by("pk")
    ]
    records["bounces"] = [
        {"kind": b.kind, "source": b.source, "occurred_at": _iso(b.occurred_at), "status_code": b.status_code,
         "reason": b.reason}
        for b in subscriber.bounces.order_by("occurred_at")
    ]
    records["welcome_messages"] = [
        {"topics": [t.name(language) for t in w.topics.all()], "status": w.status, "sent_at": _iso(w.sent_at)}
        for w in Welcome.objects.filter(proof__subscriber=subscriber).prefetch_related("topics").order_by("pk")
    ]
    return records


def erase(address: str, created_before: datetime.datetime | None = None) -> dict[str, int]:
    address = email_normalize(address)
    counts = {"subscriber": 0, "subscriptions": 0, "consent_proofs": 0, "deliveries": 0, "bounces": 0,
              "transactional_emails": 0}
    with transaction.atomic():
        subscribers = Subscriber.objects.filter(email=address)
        if created_before is not None:
            subscribers = subscribers.filter(created_at__lt=created_before)
            returned = _erase_before_return(list(subscribers.values_list("pk", flat=True)), created_before, counts)
            subscribers = subscribers.exclude(pk__in=returned)
        ids = list(subscribers.values_list("pk", flat=True))
        if ids:
            counts.update(newsletter_retention.subscribers_delete(ids=ids))
        # Reports tied to no profile may still quote the address in their reason.
        unowned = Bounce.objects.filter(subscriber__isnull=True, reason__icontains=address)
        if created_before is not None:
            unowned = unowned.filter(recorded_at__lt=created_before)
        counts["bounces"] = counts.get("bounces", 0) + unowned.delete()[0]
        counts["transactional_emails"] = mail_services.outbox_erase(address=address, created_before=created_before)
    return counts


def _erase_before_return(subscriber_ids: list[int], erased_at: datetime.datetime, counts: dict[str, int]) -> list[int]:
    """Restored profiles (older than the erasure) whose person has confirmed an opt-in since:
    the new opt-in stays, everything from before the erasure goes, the old name included.
    Returns those profiles' ids; the others are erased whole by the caller."""
    returned = list(
        ConsentProof.objects.filter(subscriber_id__in=subscriber_ids, confirmed_at__gte=erased_at)
        .values_list("subscriber_id", flat=True).distinct()
    )
    if not returned:
        return []
    old_proofs = ConsentProof.objects.filter(subscriber_id__in=returned, given_at__lt=erased_at)
    counts["deliveries"] += Delivery.objects.filter(
        subscriber_id__in=returned, campaign__created_at__lt=erased_at
    ).delete()[0]
    counts["subscriptions"] += Subscription.objects.filter(subscriber_id__in=returned).filter(
        Q(proof__in=old_proofs) | Q(proof__isnull=True)
    ).delete()[1].get(Subscription._meta.label, 0)
    counts["consent_proofs"] += old_proofs.delete()[1].get(ConsentProof._meta.label, 0)
    for subscriber in Subscriber.objects.filter(pk__in=returned):
        latest = subscriber.proofs.filter(confirmed_at__isnull=False).order_by("-confirmed_at").first()
        subscriber.name, subscriber.language = latest.requested_name, latest.language
        subscriber.created_at = subscriber.proofs.order_by("given_at").values_list("given_at", flat=True).first()
        subscriber.save(update_fields=["name", "language", "created_at"])
    return returned


def addresses():
    yield from Subscriber.objects.values_list("email", flat=True).iterator(chunk_size=2000)
    yield from mail_selectors.outbox_addresses()


def opted_in_at(addresses: Collection[str]) -> dict[str, datetime.datetime]:
    return dict(
        ConsentProof.objects.filter(subscriber__email__in=addresses, confirmed_at__isnull=False)
        .order_by()
        .values("subscriber__email")
        .annotate(latest=Max("confirmed_at"))
        .values_list("subscriber__email", "latest")
    )


# --- Correction: name, language, and withdrawing topics ---------------------------------


def correction_fields(address: str) -> dict[str, forms.Field]:
    subscriber = _subscriber(address)
    if subscriber is None:
        return {}
    language = get_language() or settings.LANGUAGE_CODE
    confirmed = list(
        subscriber.subscriptions.filter(status=Subscription.Status.CONFIRMED).select_related("topic")
        .order_by("topic__position")
    )
    fields: dict[str, forms.Field] = {
        "name": PersonNameField(label=_("Name"), required=False, initial=subscriber.name),
        "language": forms.ChoiceField(
            label=_("Language of our e-mails"), choices=settings.LANGUAGES, initial=subscriber.language
        ),
    }
    if confirmed:
        fields["topics"] = forms.MultipleChoiceField(
            label=_("Topics you receive (untick to stop)"), required=False, widget=forms.CheckboxSelectMultiple,
            choices=[(str(s.topic_id), s.topic.name(language)) for s in confirmed],
            initial=[str(s.topic_id) for s in confirmed],
        )
    return fields


def correction_apply(address: str, values: dict) -> list[str]:
    subscriber = _subscriber(address)
    if subscriber is None:
        return []
    confirmed = set(
        subscriber.subscriptions.filter(status=Subscription.Status.CONFIRMED).values_list("topic_id", flat=True)
    )
    keep = {int(topic_id) for topic_id in values.get("topics", [])} & confirmed if "topics" in values else confirmed
    name = values.get("name", subscriber.name) or ""
    language = values.get("language") or subscriber.language
    changed = [
        field for field, before, after in (
            ("name", subscriber.name, name.strip()), ("language", subscriber.language, language),
            ("topics", confirmed, keep),
        ) if before != after
    ]
    if changed:
        preferences_update(subscriber=subscriber, keep_topic_ids=keep, language=language, name=name)
    return changed


registry.register(
    registry.Source(
        key="newsletter",
        title=_("Newsletter and e-mails"),
        explanation=_("Your newsletter profile, what you subscribed to with proof of your consent, and the e-mails "
                      "we sent you."),
        models=(
            "newsletter.Subscriber", "newsletter.Subscription", "newsletter.ConsentProof", "newsletter.Delivery",
            "newsletter.Bounce", "mail.OutboxMessage",
        ),
        kinds=(
            registry.Kind("subscriber", _("Your profile: address, name and the language of our e-mails.")),
            registry.Kind("subscriptions", _("Each topic you asked for, and whether it is confirmed or stopped.")),
            registry.Kind(
                "consent_proofs",
                _("Proof of each consent: when and on which page you gave it, the exact text you agreed to, a "
                  "shortened IP address, and when you confirmed it by e-mail."),
            ),
            registry.Kind("deliveries", _("Which of our campaigns were sent to you, and when.")),
            registry.Kind(
                "bounces", _("Messages to you that came back undelivered or that you reported as spam, with the "
                             "reason your mail server gave."),
            ),
            registry.Kind(
                "transactional_emails",
                _("E-mails you asked for, such as confirmation links and links to this page (without their "
                  "contents)."),
            ),
        ),
        export=export,
        erase=erase,
        addresses=addresses,
        correction=registry.Correction(fields=correction_fields, apply=correction_apply),
        address_change=lambda old, new: subscriber_address_change(old_email=old, new_email=new),
        processing=registry.Processing(
            activity=_("Newsletter and the e-mails people ask for"),
            purposes=(
                _("Sending the newsletter on the topics each person subscribed to, with a welcome message."),
                _("Proving each consent: when, on which page and to which text it was given, and its confirmation."),
                _("Sending the e-mails people ask for (confirmation links, links to their data)."),
                _("Handling bounces and spam complaints, so that failing addresses are no longer mailed."),
            ),
            bases=(
                registry.Basis(
                    registry.LegalBasis.CONSENT,
                    _("Each topic is subscribed to by the person and confirmed from their mailbox (double "
                      "opt-in); it can be withdrawn at any time."),
                ),
                registry.Basis(
                    registry.LegalBasis.LEGAL_OBLIGATION,
                    _("We must be able to demonstrate each consent (GDPR Art. 7(1)): the consent proofs."),
                ),
                registry.Basis(
                    registry.LegalBasis.LEGITIMATE_INTEREST,
                    _("Our interest in delivering the e-mails people asked for and in not mailing addresses that "
                      "bounce or complain."),
                ),
            ),
            subjects=(
                _("Newsletter subscribers, including people who asked to subscribe but did not confirm"),
                _("People who asked for an e-mail from the website (a confirmation or a link to their data)"),
            ),
            data=(
                _("E-mail address, name (optional) and language"),
                _("Topics and the status of each subscription"),
                _("Consent proofs: time, page, the text agreed to and its version, the IP address shortened to its "
                  "network, origin, and the time of confirmation"),
                _("Campaigns sent to the person, bounces and spam complaints with the reason given"),
                _("Records of the e-mails people asked for (their links removed once sent)"),
            ),
            processors=(registry.Processor.HOSTING, registry.Processor.MAIL),
            retention=(
                "newsletter_unconfirmed", "newsletter_unsubscribed", "inactive_profiles", "newsletter_bounces",
                "transactional_mail", "bounce_mail",
            ),
        ),
        opted_in_at=opted_in_at,
        order=10,
    )
)


# --- Retention ----------------------------------------------------------------------------

retention.register(retention.Rule(
    key="newsletter_unconfirmed", what=_("Newsletter requests that were never confirmed"),
    setting="NEWSLETTER_PENDING_RETENTION_DAYS", counted_from=_("after the request"),
    why=_("Without confirmation we may not send anything; the request has no further use."),
    run=lambda ctx: newsletter_retention.unconfirmed_purge(ctx=ctx), order=10,
))
retention.register(retention.Rule(
    key="newsletter_unsubscribed", what=_("Details of people who unsubscribed from everything"),
    setting="NEWSLETTER_UNSUBSCRIBED_KEEP_DAYS", counted_from=_("after the last unsubscribe"),
    why=_("Kept briefly to answer questions; afterwards only a keyed hash of the address stays on the suppression "
          "list, so no campaign reaches it again."),
    run=lambda ctx: newsletter_retention.unsubscribed_purge(ctx=ctx), order=11,
))
retention.register(retention.Rule(
    key="newsletter_bounces", what=_("Reports of bounced e-mails and spam complaints"),
    setting="NEWSLETTER_BOUNCE_KEEP_DAYS", counted_from=_("after the report"),
    why=_("To see why an address stopped receiving our e-mails. The address stays on the suppression list only as a "
          "keyed hash."),
    run=lambda ctx: newsletter_retention.bounces_purge(ctx=ctx), order=14,
))
retention.register(retention.Rule(
    key="inactive_profiles", what=_("Newsletter profiles without any activity"), setting="INACTIVE_PROFILE_DAYS",
    counted_from=_("after the last confirmation, preference change, data request or answer to our e-mail"),
    why=_("As our privacy statement promises. You get an e-mail 30 days before, in which you can choose to stay."),
    run=lambda ctx: newsletter_retention.inactive_profiles_purge(ctx=ctx), order=12,
))
