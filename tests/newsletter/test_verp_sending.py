"""VERP while sending (issue 14, point 3): each campaign message goes out with the envelope
sender of its own delivery, so that a bounce arriving later names it; the From header stays the
newsletter's address; welcomes and transactional mail keep the plain envelope sender."""

from email.utils import parseaddr

import pytest

from mail.services import outbox_deliver
from mail.verp import verp_read
from newsletter.models import Campaign, ConsentProof, Delivery, TopicWelcome
from newsletter.services import campaign_status
from newsletter.services import subscriptions as subs
from tests.polling import wait_until

from .factories import campaign_sending, campaign_with_content, confirmed_subscriber, send_all

pytestmark = pytest.mark.django_db

BOUNCE_DOMAIN = "bounce.ilumen.be"


def _address(setting: str) -> str:
    return parseaddr(setting)[1]


@pytest.mark.django_db(transaction=True)
def test_each_campaign_message_has_its_own_envelope_sender_naming_its_delivery_through_a_real_worker(
    settings, smtp_server, start_worker, topic
):
    settings.MAIL_BOUNCE_DOMAIN = BOUNCE_DOMAIN  # this process reads the addresses the worker signed
    people = ["ann@example.com", "bob@example.com", "carol@example.com"]
    for index, email in enumerate(people):
        confirmed_subscriber(email, topic, language="nl" if index % 2 else "en")
    campaign = campaign_with_content(topic)
    start_worker(MAIL_BOUNCE_DOMAIN=BOUNCE_DOMAIN)
    campaign_status.campaign_schedule(campaign_id=campaign.pk)

    wait_until(lambda: Campaign.objects.get(pk=campaign.pk).status == "sent", timeout=45,
               what=lambda: f"campaign sent: {list(Delivery.objects.values_list('subscriber__email', 'status'))}")
    deliveries = dict(Delivery.objects.filter(campaign=campaign).values_list("subscriber__email", "pk"))
    senders = set()
    for email in people:
        [received] = smtp_server.to(email)
        local, _at, domain = received.mail_from.partition("@")
        assert domain == BOUNCE_DOMAIN and received.mail_from == received.mail_from.lower() and len(local) <= 64
        assert verp_read(address=received.mail_from) == f"d{deliveries[email]}"
        assert _address(received.message["From"]) == _address(settings.NEWSLETTER_FROM_EMAIL)
        senders.add(received.mail_from)
    assert len(senders) == len(people)


def test_without_a_bounce_domain_the_envelope_sender_is_the_from_address(settings, smtp_mail, topic):
    settings.MAIL_BOUNCE_DOMAIN = ""
    confirmed_subscriber("ann@example.com", topic)
    send_all(campaign_sending(campaign_with_content(topic)))
    [received] = smtp_mail.to("ann@example.com")
    assert received.mail_from == _address(settings.NEWSLETTER_FROM_EMAIL)
    assert _address(received.message["From"]) == received.mail_from


def test_welcomes_and_transactional_mail_keep_the_plain_envelope_sender(
    settings, smtp_mail, topic, django_capture_on_commit_callbacks
):
    """Only campaign messages have a delivery a bounce can be tied to."""
    settings.MAIL_BOUNCE_DOMAIN = BOUNCE_DOMAIN
    settings.SITE_URL = "http://testserver"
    TopicWelcome.objects.create(topic=topic, language="en", subject="Welcome", body="Every month the latest.")
    with django_capture_on_commit_callbacks(execute=True):
        subs.subscription_request(
            email="ann@example.com", name="Ann", language="en", topics=[topic],
            consent=subs.ConsentShown("Yes, send me news.", "1"), source="/test/", ip=None,
        )
    outbox_deliver(limit=50)
    [confirmation] = smtp_mail.to("ann@example.com")
    assert confirmation.mail_from == _address(settings.DEFAULT_FROM_EMAIL)
    nonce = ConsentProof.objects.get(subscriber__email="ann@example.com").nonce
    with django_capture_on_commit_callbacks(execute=True):
        assert subs.subscription_confirm(nonce=nonce) is subs.ConfirmOutcome.CONFIRMED
    welcome = smtp_mail.to("ann@example.com")[1]
    assert welcome.message["Subject"] == "Welcome"
    assert welcome.mail_from == _address(settings.NEWSLETTER_FROM_EMAIL)
