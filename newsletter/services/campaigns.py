"""Campaign life cycle: schedule, start, pause, resume, cancel; test sends; privacy notices.

    draft ──schedule──▶ scheduled ──beat/now──▶ sending ──▶ sent
                 ▲          │ (found long overdue)    │ ▲
                 └─ on_hold ◀┘            pause ──▶ paused ─┘ resume
    any state before sent ──cancel──▶ cancelled
"""

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from newsletter.dispatch import enqueue
from newsletter.mailer import SendFailed, Transport
from newsletter.messages import Recipient, campaign_message, content_render, site_url
from newsletter.models import PRIVACY_TOPIC_SLUG, Campaign, CampaignContent, Delivery, Subscription, Topic
from newsletter.services.sending import campaign_pause as _pause
from newsletter.services.sending import campaign_populate

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def _dispatch_start(campaign_id: int) -> None:
    enqueue("campaign_start", campaign_id)


def dispatch_senders(campaign_id: int, count: int | None = None) -> None:
    for _i in range(count or settings.NEWSLETTER_PARALLEL_BATCHES):
        if not enqueue("campaign_send", campaign_id):
            return


def missing_languages(campaign: Campaign) -> list[tuple[str, int]]:
    """Languages of this topic's subscribers that have no content: (language, subscribers)."""
    have = set(campaign.contents.values_list("language", flat=True))
    counts = (
        Subscription.objects.filter(topic_id=campaign.topic_id, status=Subscription.Status.CONFIRMED)
        .values("subscriber__language")
        .annotate(n=Count("id"))
    )
    return sorted((row["subscriber__language"], row["n"]) for row in counts if row["subscriber__language"] not in have)


def campaign_schedule(*, campaign: Campaign, at: datetime.datetime | None = None) -> Campaign:
    """Send at `at`, or now. A draft, or a campaign held back as overdue, can be scheduled."""
    if not campaign.contents.exists():
        raise ValidationError(_("Write the subject and text in at least one language first."))
    now = timezone.now()
    when = at or now
    with transaction.atomic():
        updated = Campaign.objects.filter(
            pk=campaign.pk, status__in=[Campaign.Status.DRAFT, Campaign.Status.SCHEDULED, Campaign.Status.ON_HOLD]
        ).update(status=Campaign.Status.SCHEDULED, scheduled_at=when, status_note="")
        if not updated:
            raise ValidationError(_("Only a draft or a scheduled campaign can be scheduled."))
        if when <= now:
            transaction.on_commit(lambda: _dispatch_start(campaign.pk))
    campaign.refresh_from_db()
    return campaign


def campaign_start(campaign_id: int) -> str:
    """Start a due scheduled campaign (idempotent); returns the campaign's status afterwards."""
    now = timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
        if campaign is None:
            return ""
        if campaign.status == Campaign.Status.SCHEDULED and campaign.scheduled_at <= now:
            overdue = (now - campaign.scheduled_at).total_seconds() > settings.NEWSLETTER_OVERDUE_SECONDS
            if overdue:
                campaign.status = Campaign.Status.ON_HOLD
                campaign.status_note = _("Found overdue (scheduled for %(when)s); not sent without a person.") % {
                    "when": timezone.localtime(campaign.scheduled_at).strftime("%Y-%m-%d %H:%M")
                }
            else:
                campaign.status = Campaign.Status.SENDING
                campaign.started_at = campaign.started_at or now
            campaign.save(update_fields=["status", "status_note", "started_at"])
        status = campaign.status
        populated = campaign.populated
    if status == Campaign.Status.SENDING and not populated:
        campaign_populate(campaign_id)
    return status


def campaign_resume(*, campaign: Campaign) -> Campaign:
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status != Campaign.Status.PAUSED:
            raise ValidationError(_("Only a paused campaign can be resumed."))
        if campaign.started_at is None:
            # Paused before it started: it goes back to its schedule (now, if that has passed).
            campaign.status = Campaign.Status.SCHEDULED
            campaign.scheduled_at = max(campaign.scheduled_at or timezone.now(), timezone.now())
            transaction.on_commit(lambda: _dispatch_start(campaign.pk))
        else:
            campaign.status = Campaign.Status.SENDING
            transaction.on_commit(lambda: dispatch_senders(campaign.pk))
        campaign.status_note = ""
        campaign.save(update_fields=["status", "scheduled_at", "status_note"])
    return campaign


def campaign_pause(*, campaign: Campaign) -> Campaign:
    if not _pause(campaign.pk, note=_("Paused by a person.")):
        raise ValidationError(_("Only a scheduled or sending campaign can be paused."))
    campaign.refresh_from_db()
    return campaign


def campaign_cancel(*, campaign: Campaign) -> Campaign:
    with transaction.atomic():
        updated = Campaign.objects.filter(pk=campaign.pk).exclude(
            status__in=[Campaign.Status.SENT, Campaign.Status.CANCELLED]
        ).update(status=Campaign.Status.CANCELLED, finished_at=timezone.now())
        if not updated:
            raise ValidationError(_("This campaign is already finished."))
        Delivery.objects.filter(campaign=campaign, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.SKIPPED, last_error="campaign cancelled"
        )
    campaign.refresh_from_db()
    return campaign


@dataclass(frozen=True)
class TestSendResult:
    address: str
    language: str
    error: str = ""


def campaign_test_send(*, campaign: Campaign, addresses: list[str]) -> list[TestSendResult]:
    """Each content language to each address, marked as a test; nothing is recorded as sent."""
    contents = list(CampaignContent.objects.filter(campaign=campaign))
    results = []
    with Transport() as transport:
        for address in addresses:
            for content in contents:
                rendered = content_render(language=content.language, subject=content.subject, body=content.body)
                # A made-up subscriber: the links in a test message lead nowhere.
                recipient = Recipient(email=address, name="", language=content.language, uuid=uuid.uuid4())
                message = campaign_message(
                    content=rendered, recipient=recipient, topic_id=campaign.topic_id, topic_slug=campaign.topic.slug,
                    topic_name=campaign.topic.name(content.language), subject_prefix="[TEST] ",
                )
                try:
                    transport.send(message)
                except SendFailed as failure:
                    results.append(TestSendResult(address, content.language, failure.detail))
                else:
                    results.append(TestSendResult(address, content.language))
    return results


def campaign_from_privacy_document(*, document_slug: str, user: AbstractBaseUser | None) -> Campaign:
    """A draft notice to the "privacy statement changes" topic, with each language's latest change summary."""
    from privacy.models import Version  # read-only use of the privacy app

    topic, _created = Topic.objects.get_or_create(
        slug=PRIVACY_TOPIC_SLUG,
        defaults={"name_nl": "Wijzigingen in de privacyverklaring", "name_en": "Privacy statement changes"},
    )
    versions = {}
    for language in LANGUAGE_CODES:
        version = (
            Version.objects.published()
            .filter(document__slug=document_slug, language=language)
            .select_related("document")
            .order_by("-number")
            .first()
        )
        if version:
            versions[language] = version
    if not versions:
        raise ValidationError(_("This document has no published version."))
    first = next(iter(versions.values()))
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=_("Privacy statement change: %(document)s v%(numbers)s")
            % {"document": first.document.name, "numbers": "/".join(str(v.number) for v in versions.values())},
            topic=topic,
            created_by=user if user is not None and user.is_authenticated else None,
        )
        for language, version in versions.items():
            with translation.override(language):
                url = site_url("privacy:statement", language)
                if document_slug != settings.PRIVACY_PRIMARY_DOCUMENT:
                    url = site_url("privacy:document", language, slug=document_slug)
                summary = version.change_summary or _("We have updated our privacy statement.")
                body = "\n\n".join([
                    _("We have published a new version of our privacy statement (version %(number)s, last amended "
                      "%(date)s).") % {"number": version.number, "date": version.last_amended.isoformat()},
                    "**" + _("What changed") + "**",
                    summary,
                    _("Read the full statement: %(link)s") % {"link": f"[{url}]({url})"},
                ])
                CampaignContent.objects.create(
                    campaign=campaign, language=language, subject=_("Our privacy statement has changed"), body=body,
                )
    return campaign
