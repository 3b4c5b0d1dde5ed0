"""Spam complaints: each is tied to the message it was about, and a campaign that draws too
many while it is still sending pauses for a person to look at it.

Mailbox providers turn away senders whose complaint rate passes 0.3%; the suppression list
(services.suppressions) already keeps the complainer from getting anything more.
"""

import datetime
import re

from django.conf import settings
from django.utils import timezone

from core.email import email_normalize
from newsletter.models import Campaign, Delivery
from newsletter.selectors import with_complaint_counts
from newsletter.services.campaign_status import campaign_pause_automatically

# A complaint without the message's id is about the latest campaign message sent to that address.
LOOKBACK = datetime.timedelta(days=30)
# The ids messages.message_id_make gives campaign messages: <c{campaign}.d{delivery}.{uuid hex}@domain>
_CAMPAIGN_MESSAGE_ID = re.compile(r"<c(\d+)\.d(\d+)\.[0-9a-f]{32}@[^<>\s]+>")


def _complained_delivery(email: str, message_id: str) -> Delivery | None:
    sent = Delivery.objects.filter(subscriber__email=email, status=Delivery.Status.SENT)
    message_id = message_id.strip()
    if message_id and not message_id.startswith("<"):  # some feedback loops drop the brackets
        message_id = f"<{message_id}>"
    match = _CAMPAIGN_MESSAGE_ID.fullmatch(message_id)
    if match:
        return sent.filter(campaign_id=match[1], pk=match[2], message_id=match[0]).first()
    return sent.filter(sent_at__gte=timezone.now() - LOOKBACK).order_by("-sent_at").first()


def complaint_record(email: str, message_id: str = "") -> int | None:
    """Mark the message complained about; returns its campaign's id, None when no sent message matches."""
    delivery = _complained_delivery(email_normalize(email), message_id)
    if delivery is None:
        return None
    Delivery.objects.filter(pk=delivery.pk, complained_at__isnull=True).update(complained_at=timezone.now())
    _pause_if_complaints(delivery.campaign_id)
    return delivery.campaign_id


def _pause_if_complaints(campaign_id: int) -> None:
    counted = with_complaint_counts(Campaign.objects.filter(pk=campaign_id))
    sent, complained = counted.values_list("sent", "complained").get()
    if sent >= settings.NEWSLETTER_COMPLAINT_MIN_SAMPLE and complained / sent > settings.NEWSLETTER_COMPLAINT_THRESHOLD:
        campaign_pause_automatically(
            campaign_id=campaign_id,
            note=f"Paused automatically: {complained} spam complaints for {sent} messages sent "
            f"({100 * complained / sent:.2f}%, limit {100 * settings.NEWSLETTER_COMPLAINT_THRESHOLD:.2f}%).",
        )
