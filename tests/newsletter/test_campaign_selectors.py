"""Which campaigns need work (beat) or a person (the admin index warning)."""

import datetime

import pytest
from django.utils import timezone

from newsletter.models import Campaign, Delivery
from newsletter.selectors import campaigns_due, campaigns_waiting_for_a_person
from newsletter.services import sending

from .factories import campaign_sending, campaign_with_content, confirmed_subscribers

pytestmark = pytest.mark.django_db


def _sending_with_lease_expired(topic, ago: datetime.timedelta, *, status: str = "sending") -> Campaign:
    campaign = campaign_sending(campaign_with_content(topic))
    sending.deliveries_claim(campaign_id=campaign.pk, worker="gone", limit=1)
    Delivery.objects.filter(campaign=campaign, status="sending").update(lease_expires_at=timezone.now() - ago)
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    return campaign


def test_on_hold_and_long_stuck_campaigns_wait_for_a_person(topic):
    confirmed_subscribers(2, topic)
    on_hold = campaign_with_content(topic, status="on_hold")
    stuck = _sending_with_lease_expired(topic, datetime.timedelta(minutes=11))
    _sending_with_lease_expired(topic, datetime.timedelta(minutes=1))  # beat may simply not have run yet
    _sending_with_lease_expired(topic, datetime.timedelta(hours=1), status="paused")  # a person already knows
    campaign_with_content(topic, status="draft")

    assert set(campaigns_waiting_for_a_person()) == {on_hold, stuck}


def test_due_means_scheduled_for_now_or_earlier(topic):
    now = timezone.now()
    due = campaign_with_content(topic)
    later = campaign_with_content(topic)
    Campaign.objects.filter(pk=due.pk).update(status="scheduled", scheduled_at=now - datetime.timedelta(days=3))
    Campaign.objects.filter(pk=later.pk).update(status="scheduled", scheduled_at=now + datetime.timedelta(minutes=1))
    campaign_with_content(topic, status="paused")

    assert list(campaigns_due(now=now)) == [due]
