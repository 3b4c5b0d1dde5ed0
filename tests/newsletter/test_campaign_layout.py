"""What subscribers receive, over SMTP from a real Celery worker: the confirmation mail in the
layout's family without promotion, then a campaign in the branded layout (CSS inlined, the
600 px table, dark mode, the preheader, the sender's identity, the unsubscribe and preference
links) with the plain-text part staff wrote in place of the automatic one."""

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from newsletter.models import Campaign, CampaignContent, Delivery
from newsletter.services import campaign_status
from pages.models import CompanyProfile
from tests.polling import wait_until

from .factories import campaign_sending, campaign_with_content, confirmed_subscriber, send_all

pytestmark = pytest.mark.django_db(transaction=True)

SITE = "https://www.ilumen.be"
LOGO = f'<img class="logo" alt="iLumen" src="{SITE}/static/img/email-logo.png" width="160" height="40" style="'


def _parts(received) -> tuple[str, str, str]:
    message = received.message
    return (message.get_body(("plain",)).get_content().replace("\r\n", "\n"),
            message.get_body(("html",)).get_content(), received.raw.decode("ascii"))


def _style_block(html: str) -> str:
    [style] = re.findall(r"<style>(.*?)</style>", html, re.S)
    return style


def _in_the_family(html: str, identity: str = "Ondernemingsnummer 0123.456.749") -> None:
    assert html.startswith("<!DOCTYPE html>") and LOGO in html
    assert '<meta name="color-scheme" content="light dark">' in html
    assert re.search(r'<table class="container" role="presentation"[^>]* width="600"[^>]* style="width: 600px;'
                     r"max-width: 600px;", html)
    assert re.search(r'<body style="margin: 0;[^"]*background-color: #f3f6f4;', html)  # inlined
    style = _style_block(html)
    # Only what cannot be inlined stays in the block: dark mode and narrow screens.
    assert "@media (prefers-color-scheme: dark)" in style and "@media (max-width: 620px)" in style
    assert ".content a { color: #0b5d1e" not in style and not re.search(r"^body \{", style, re.M)
    assert identity in html  # the sender's identity in the footer


def test_confirmation_then_a_branded_campaign_through_a_real_worker(settings, smtp_server, start_worker, topic):
    settings.SITE_URL = SITE
    # An earlier transactional test may have emptied the table the pages migration seeds.
    CompanyProfile.objects.update_or_create(singleton=True, defaults={
        "legal_name": "iLumen", "legal_form": "NV", "enterprise_number": "0123.456.749",
        "register_court": "RPR Antwerpen", "street": "Ambachtsstraat 19", "postal_code": "B-3980",
        "city": "Tessenderlo", "email": "info@ilumen.be",
    })
    start_worker(site_url=SITE)
    client = Client(headers={"Sec-Fetch-Site": "same-origin"})  # posts the subscription form as a browser
    assert client.post("/nl/newsletter/", {"email": "ann@example.com", "name": "Ann", "language": "nl",
                                           "topics": [topic.pk], "consent": "on"}).status_code == 302

    smtp_server.wait_for(lambda: len(smtp_server.received) == 1, what="the confirmation mail")
    [confirmation] = smtp_server.received
    text, html, raw = _parts(confirmation)
    _in_the_family(html)
    assert "Mijn inschrijving bevestigen" in html and 'class="button"' in html
    # Transactional: nothing of a campaign.
    assert "List-Unsubscribe" not in raw and "/newsletter/unsubscribe/" not in raw
    assert 'class="preheader"' not in html and "U ontvangt deze e-mail" not in text
    confirm = re.search(re.escape(SITE) + r"(/nl/newsletter/confirm/[^/\s]+/)", text).group(1)
    assert client.post(confirm).status_code == 200

    confirmed_subscriber("bob@example.com", topic, language="en")
    campaign = campaign_with_content(topic)
    CampaignContent.objects.filter(campaign=campaign, language="nl").update(
        preheader="De nieuwe batterij is er", text="Handgeschreven tekst.\n\nMet een tweede alinea.",
    )
    smtp_server.received.clear()
    campaign_status.campaign_schedule(campaign_id=campaign.pk)
    wait_until(lambda: Campaign.objects.get(pk=campaign.pk).status == "sent", timeout=45,
               what=lambda: list(Delivery.objects.values_list("subscriber__email", "status", "last_error")))

    [ann] = smtp_server.to("ann@example.com")
    text, html, raw = _parts(ann)
    _in_the_family(html)
    assert re.search(r'<div class="preheader" style="display: none;[^"]*">De nieuwe batterij is er\u034f', html)
    assert "Beste Ann," in html and "<strong>nieuwe</strong>" in html  # the body's HTML stays
    # The plain text staff wrote replaces the automatic one; greeting and footer stay around it.
    assert text.startswith("Beste Ann,\n\nHandgeschreven tekst.\n\nMet een tweede alinea.\n\n-- \n")
    assert "Onze nieuwe batterij" not in text
    one_click = re.fullmatch(r"<(.+)>", ann.message["List-Unsubscribe"]).group(1)
    assert urlsplit(one_click).path.startswith("/nl/newsletter/unsubscribe/")
    preferences = re.search(re.escape(SITE) + r"/nl/newsletter/preferences/[^/\s]+/", text).group(0)
    for part in (text, html):
        assert one_click in part and preferences in part
        assert "Ondernemingsnummer 0123.456.749, RPR Antwerpen" in " ".join(part.split())
    assert f'<a href="{one_click}" style="color: #0b5d1e;' in html

    [bob] = smtp_server.to("bob@example.com")
    text, html, _raw = _parts(bob)
    _in_the_family(html, "Enterprise number 0123.456.749")
    assert 'class="preheader"' not in html  # no preheader written in English
    assert text.startswith("Hello,\n\nNews\n====\n\nOur new battery. Read more (https://www.ilumen.be/en/battery).")


@pytest.mark.django_db
def test_a_mail_backend_that_is_not_smtp_gets_the_campaign_too(topic, mailoutbox):
    """`make run` prints mail on the console: the same message through Django's own backends."""
    confirmed_subscriber("ann@example.com", topic, language="nl", name="Ann")
    send_all(campaign_sending(campaign_with_content(topic)))
    [message] = mailoutbox
    assert message.subject == "Lentenieuws" and message.body.startswith("Beste Ann,")
    assert message.message()["MIME-Version"] == "1.0" and "<table class=\"container\"" in message.alternatives[0][0]
