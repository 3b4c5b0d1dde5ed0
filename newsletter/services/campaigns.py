"""Campaigns: starting a due one, test sends, duplicates. Every status change is made by
services.campaign_status (privacy notices: services.privacy_notice)."""

import uuid
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mail.transport import SendFailed, Transport
from newsletter.messages import Recipient, campaign_content_render, campaign_message, campaign_topic_list
from newsletter.models import Campaign, CampaignContent
from newsletter.selectors import campaign_audience_languages
from newsletter.services import campaign_status
from newsletter.services.archive import campaign_archive_slug_ensure
from newsletter.services.sending import campaign_populate


def missing_languages(campaign: Campaign) -> list[tuple[str, int]]:
    """Languages of the campaign's audience that have no content: (language, people)."""
    have = set(campaign.contents.values_list("language", flat=True))
    counts = campaign_audience_languages(campaign=campaign)
    return sorted((language, n) for language, n in counts.items() if language not in have)


def campaign_start(*, campaign_id: int) -> str:
    """Start a due scheduled campaign, or hold it when found long overdue (idempotent); list its
    recipients if it is sending and they are not all listed yet. Returns its status afterwards."""
    now = timezone.now()
    if not campaign_status.campaign_hold_overdue(campaign_id=campaign_id, now=now):
        campaign_status.campaign_start_sending(campaign_id=campaign_id, now=now)
    campaign = Campaign.objects.filter(pk=campaign_id).values("status", "populated").first()
    if campaign is None:
        return ""
    if campaign["status"] == Campaign.Status.SENDING and not campaign["populated"]:
        # Its web version's address exists before the first message goes out.
        campaign_archive_slug_ensure(campaign_id=campaign_id)
        campaign_populate(campaign_id)
    return campaign["status"]


@dataclass(frozen=True)
class TestSendResult:
    address: str
    language: str
    error: str = ""


def campaign_test_send(*, campaign: Campaign, addresses: list[str]) -> list[TestSendResult]:
    """Each content language to each address, marked as a test; nothing is recorded as sent."""
    contents = list(CampaignContent.objects.filter(campaign=campaign))
    topics = campaign_topic_list(campaign)
    results = []
    with Transport() as transport:
        for address in addresses:
            for content in contents:
                rendered = campaign_content_render(content=content)
                # A made-up subscriber: the links in a test message lead nowhere.
                recipient = Recipient(email=address, name="", language=content.language, uuid=uuid.uuid4())
                message = campaign_message(
                    content=rendered, recipient=recipient, topics=topics, subject_prefix="[TEST] ",
                )
                try:
                    transport.send(message)
                except SendFailed as failure:
                    results.append(TestSendResult(address, content.language, failure.detail))
                else:
                    results.append(TestSendResult(address, content.language))
    return results


# What a copy leaves behind: it starts as a new draft, unscheduled, sent to nobody, not in the archive.
_NOT_COPIED = {"id", "status", "scheduled_at", "started_at", "finished_at", "populated", "status_note",
               "archive_published", "archive_slug", "created_at", "created_by"}
_NAME_MAX = Campaign._meta.get_field("name").max_length


def campaign_duplicate(*, campaign_id: int, user: AbstractBaseUser | None) -> Campaign:
    """A new draft with the campaign's audience and its content in every language (subject,
    preheader, body, plain-text part); never its status, schedule, deliveries or archive flag."""
    original = Campaign.objects.get(pk=campaign_id)
    copied = {
        field.attname: getattr(original, field.attname) for field in Campaign._meta.concrete_fields
        if field.attname not in _NOT_COPIED and field.name not in _NOT_COPIED
    }
    name = _("%(name)s (copy)") % {"name": original.name}
    with transaction.atomic():
        campaign = Campaign.objects.create(
            **{**copied, "name": name[:_NAME_MAX]},
            created_by=user if user is not None and user.is_authenticated else None,
        )
        for field in Campaign._meta.many_to_many:
            getattr(campaign, field.name).set(getattr(original, field.name).all())
        CampaignContent.objects.bulk_create([
            CampaignContent(campaign=campaign, **{
                field.attname: getattr(content, field.attname) for field in CampaignContent._meta.concrete_fields
                if field.name not in ("id", "campaign")
            })
            for content in original.contents.all()
        ])
    return campaign
