"""Spam complaints: tied to the message they are about, a campaign still sending pauses when
too many come in, and the admin warns about campaigns above the 0.1% aim."""

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from mail.models import Suppression
from newsletter.models import Delivery
from newsletter.selectors import campaign_progress
from newsletter.services import sending

from .factories import campaign_sending, campaign_with_content, confirmed_subscriber, confirmed_subscribers, send_all

pytestmark = pytest.mark.django_db

WEBHOOK = "/en/newsletter/webhooks/suppressions/"


def _complain(events: list[dict], settings) -> dict:
    settings.NEWSLETTER_WEBHOOK_TOKEN = "s3cret-token"
    response = Client().post(WEBHOOK, json.dumps({"events": events}), content_type="application/json",
                             HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    return response.json()


def test_complaints_while_sending_pause_the_campaign_and_are_counted(smtp_mail, topic, settings):
    settings.NEWSLETTER_BATCH_SIZE = 20
    settings.NEWSLETTER_COMPLAINT_MIN_SAMPLE = 10
    settings.NEWSLETTER_COMPLAINT_THRESHOLD = 0.05
    confirmed_subscribers(40, topic)
    campaign = campaign_sending(campaign_with_content(topic))
    assert sending.batch_send(campaign_id=campaign.pk, worker="w1").claimed == 20  # half of the list is out
    [received] = smtp_mail.to("reader0@example.com")
    # One complaint names its message (as a feedback-loop report does), one only the address.
    named = {"email": "reader0@example.com", "type": "complaint", "message_id": received.message["Message-ID"]}
    _complain([named], settings)
    campaign.refresh_from_db()
    assert campaign.status == "sending"  # 1 of 20 is exactly 5%: not above the threshold
    _complain([{"email": "Reader1@example.com", "type": "complaint"}], settings)

    campaign.refresh_from_db()
    assert campaign.status == "paused"
    assert "2 spam complaints for 20 messages" in campaign.status_note
    complained = Delivery.objects.filter(campaign=campaign, complained_at__isnull=False)
    assert set(complained.values_list("subscriber__email", flat=True)) == {"reader0@example.com", "reader1@example.com"}
    assert Suppression.objects.filter(reason="complaint").count() == 2
    assert campaign_progress(campaign.pk).as_dict()["complaints"] == 2
    send_all(campaign)
    assert len(smtp_mail.received) == 20  # the other half waits for a person
    assert Delivery.objects.filter(campaign=campaign, status="pending").count() == 20


def test_a_complaint_is_tied_to_the_message_it_names(smtp_mail, topic, settings):
    confirmed_subscriber("ann@example.com", topic)
    confirmed_subscriber("bob@example.com", topic)
    spring = campaign_sending(campaign_with_content(topic))
    send_all(spring)
    summer = campaign_sending(campaign_with_content(topic))
    send_all(summer)
    spring_to_ann = Delivery.objects.get(campaign=spring, subscriber__email="ann@example.com")
    bob_summer_id = Delivery.objects.get(campaign=summer, subscriber__email="bob@example.com").message_id

    # The older campaign, named without angle brackets; then a message to Bob under Ann's address.
    _complain([{"email": "ann@example.com", "type": "complaint", "message_id": spring_to_ann.message_id[1:-1]}],
              settings)
    _complain([{"email": "ann@example.com", "type": "complaint", "message_id": bob_summer_id}], settings)

    complained = Delivery.objects.filter(complained_at__isnull=False)
    assert list(complained.values_list("campaign", "subscriber__email")) == [(spring.pk, "ann@example.com")]
    for campaign in (spring, summer):
        campaign.refresh_from_db()
        assert campaign.status == "sent"  # a finished campaign has nothing left to pause


def test_the_complaint_is_part_of_the_complainers_data(smtp_mail, topic, settings):
    from datarights.selectors import personal_data_export

    confirmed_subscriber("ann@example.com", topic)
    send_all(campaign_sending(campaign_with_content(topic)))
    _complain([{"email": "ann@example.com", "type": "complaint"}], settings)
    export = personal_data_export("ann@example.com")
    newsletter = {k["key"]: k["records"] for p in export["parts"] if p["key"] == "newsletter" for k in p["kinds"]}
    [delivery] = newsletter["deliveries"]
    assert delivery["complained_at"] == Delivery.objects.get().complained_at.isoformat()


def test_the_csv_import_ties_complaints_to_messages_too(smtp_mail, topic, tmp_path):
    confirmed_subscriber("ann@example.com", topic)
    send_all(campaign_sending(campaign_with_content(topic)))
    delivery = Delivery.objects.get()
    path = tmp_path / "complaints.csv"
    path.write_text(f"email,type,message_id\nann@example.com,complaint,{delivery.message_id}\nnobody@example.com,complaint,\n")
    call_command("newsletter_suppress", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    delivery.refresh_from_db()
    assert delivery.complained_at is not None
    assert Suppression.objects.filter(reason="complaint").count() == 2  # an unknown address is suppressed all the same


def test_no_pause_below_the_minimum_sample(smtp_mail, topic, settings):
    settings.NEWSLETTER_COMPLAINT_MIN_SAMPLE = 50
    confirmed_subscribers(20, topic)
    campaign = campaign_sending(campaign_with_content(topic))
    settings.NEWSLETTER_BATCH_SIZE = 10
    sending.batch_send(campaign_id=campaign.pk, worker="w1")
    _complain([{"email": f"reader{i}@example.com", "type": "complaint"} for i in range(5)], settings)
    campaign.refresh_from_db()
    assert campaign.status == "sending"  # 5 of 10 is a lot, but 10 messages say little yet
    assert Delivery.objects.filter(campaign=campaign, complained_at__isnull=False).count() == 5


def test_the_admin_warns_about_campaigns_above_the_aim(smtp_mail, topic, settings, group_member):
    confirmed_subscribers(20, topic)
    campaign = campaign_sending(campaign_with_content(topic))
    send_all(campaign)
    client = Client()
    client.force_login(group_member("Marketing"))
    warning = "drew spam complaints from more than"  # the index's warning, not Marketing's panel of counts
    assert warning not in client.get("/en/admin/").content.decode()

    settings.NEWSLETTER_COMPLAINT_AIM = 0.1
    _complain([{"email": f"reader{i}@example.com", "type": "complaint"} for i in range(2)], settings)
    assert warning not in client.get("/en/admin/").content.decode()  # 2 of 20 is exactly the aim
    _complain([{"email": "reader2@example.com", "type": "complaint"}], settings)
    page = client.get("/en/admin/").content.decode()
    assert "1 campaign of the last 30 days drew spam complaints from more than 10% of its recipients." in page
    assert "kreeg spamklachten van meer dan 10%" in client.get("/nl/admin/").content.decode()
