"""Send-time suppression through a real Celery worker and an SMTP server on loopback: an
address on either suppression list gets no campaign message, however confirmed its
subscription is. (test_sending.py checks the same in this process, batch by batch.)"""

import datetime
import time

import pytest
from django.utils import timezone

from datarights import services as datarights
from mail.services import suppression_add
from newsletter.models import Campaign, Delivery, Subscription
from newsletter.services import campaign_status

from .factories import campaign_with_content, confirmed_subscriber

pytestmark = pytest.mark.django_db(transaction=True)  # the worker process must see the rows


def test_a_worker_sends_nothing_to_a_suppressed_address(smtp_server, start_worker, topic):
    for address in ("ok@example.com", "bounced@example.com", "complained@example.com", "erased@example.com"):
        confirmed_subscriber(address, topic)
    suppression_add(email="bounced@example.com", reason="bounce", source="csv")
    suppression_add(email="complained@example.com", reason="complaint", source="webhook")
    # Erased, then back from a backup with its old opt-in: only the keyed hash remembers it.
    datarights.erase_everything("erased@example.com")
    confirmed_subscriber("erased@example.com", topic, at=timezone.now() - datetime.timedelta(days=30))
    assert Subscription.objects.filter(status="confirmed").count() == 4

    start_worker(beat=False)
    campaign = campaign_with_content(topic)
    campaign_status.campaign_schedule(campaign_id=campaign.pk)
    deadline = time.monotonic() + 45
    while Campaign.objects.get(pk=campaign.pk).status != "sent":
        assert time.monotonic() < deadline, list(Delivery.objects.values_list("subscriber__email", "status"))
        time.sleep(0.1)

    assert [r.rcpt for r in smtp_server.received] == ["ok@example.com"]
    assert set(smtp_server.attempts) == {"ok@example.com"}  # not even tried
    statuses = dict(Delivery.objects.filter(campaign=campaign).values_list("subscriber__email", "status"))
    assert statuses == {"ok@example.com": "sent", "bounced@example.com": "skipped",
                        "complained@example.com": "skipped", "erased@example.com": "skipped"}
