""""View in browser" (issue 13, point 4): a campaign published in the archive links its web version
from every message, the same address for every reader of a language; a campaign without a web
version that a visitor could open links nothing. Received over SMTP (aiosmtpd)."""

import re
import urllib.request

import pytest

from newsletter.models import Campaign, Topic
from newsletter.services import campaign_status
from newsletter.services.archive import campaign_archive_slug_ensure
from newsletter.services.campaigns import campaign_test_send
from tests.polling import wait_until

from .factories import campaign_sending, campaign_with_content, confirmed_subscriber, send_all

pytestmark = pytest.mark.django_db

SITE = "https://www.ilumen.be"
LINK_TEXT = {"nl": "Deze e-mail in uw browser bekijken", "en": "View this e-mail in your browser"}


def _public(topic: Topic) -> Topic:
    Topic.objects.filter(pk=topic.pk).update(archive_public=True)
    topic.refresh_from_db()
    return topic


def _mark_published(campaign: Campaign) -> str:
    Campaign.objects.filter(pk=campaign.pk).update(archive_published=True)
    slug = campaign_archive_slug_ensure(campaign_id=campaign.pk)
    assert slug
    return slug


def _web_links(received) -> tuple[str | None, str | None]:
    """The "view in browser" address in the HTML part and in the plain-text part of one message."""
    html = received.message.get_body(("html",)).get_content()
    text = received.message.get_body(("plain",)).get_content()
    words = "|".join(LINK_TEXT.values())
    in_html = re.search(rf'<a href="([^"]+)"[^>]*>(?:{words})</a>', html)
    in_text = re.search(rf"^(?:{words}): (\S+)\r?$", text, re.M)
    return (in_html.group(1) if in_html else None), (in_text.group(1) if in_text else None)


@pytest.mark.django_db(transaction=True)
def test_every_reader_gets_the_same_link_to_a_page_without_their_data(live_server, settings, smtp_server,
                                                                      start_worker, topic):
    settings.SITE_URL = live_server.url
    _public(topic)
    for name, language in (("ann", "nl"), ("bob", "nl"), ("cas", "en")):
        confirmed_subscriber(f"{name}@example.com", topic, language=language, name=f"{name.title()} Zwaluw")
    campaign = campaign_with_content(topic)
    slug = _mark_published(campaign)
    start_worker(site_url=live_server.url)
    campaign_status.campaign_schedule(campaign_id=campaign.pk)  # "send now": a real worker sends
    wait_until(lambda: Campaign.objects.get(pk=campaign.pk).status == "sent", timeout=45, what="campaign sent")

    links = {}
    for name in ("ann", "bob", "cas"):
        [received] = smtp_server.to(f"{name}@example.com")
        in_html, in_text = _web_links(received)
        assert in_html == in_text, name
        links[name] = in_html
    assert links["ann"] == links["bob"] == f"{live_server.url}/nl/newsletter/archive/{slug}/"
    assert links["cas"] == f"{live_server.url}/en/newsletter/archive/{slug}/"
    for name, url in links.items():
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the test's own server
            page = response.read().decode()
        assert "Lentenieuws" in page or "Spring news" in page
        assert "Zwaluw" not in page and f"{name}@example.com" not in page and "/newsletter/unsubscribe/" not in page


def test_the_link_names_the_language_the_reader_gets_the_content_in(settings, smtp_mail, topic):
    settings.SITE_URL = SITE
    _public(topic)
    confirmed_subscriber("ann@example.com", topic, language="en")  # written in Dutch only: she gets it in Dutch
    campaign = campaign_with_content(topic, languages=("nl",))
    slug = _mark_published(campaign)
    send_all(campaign_sending(campaign))
    [received] = smtp_mail.received
    assert _web_links(received) == (f"{SITE}/nl/newsletter/archive/{slug}/",) * 2
    assert LINK_TEXT["nl"] in received.message.get_body(("html",)).get_content()


@pytest.mark.parametrize("why", ["not published", "topic not public", "unpublished while sending"])
def test_no_link_without_a_web_version_a_visitor_can_open(settings, smtp_mail, topic, why):
    settings.SITE_URL = SITE
    if why != "topic not public":
        _public(topic)
    confirmed_subscriber("ann@example.com", topic, language="nl")
    campaign = campaign_with_content(topic)
    if why != "not published":
        _mark_published(campaign)
    campaign_sending(campaign)
    if why == "unpublished while sending":
        Campaign.objects.filter(pk=campaign.pk).update(archive_published=False)
    send_all(campaign)
    [received] = smtp_mail.received
    assert _web_links(received) == (None, None)
    assert "/newsletter/archive/" not in received.raw.decode()


def test_a_test_send_links_no_page_that_does_not_exist_yet(settings, smtp_mail, topic):
    settings.SITE_URL = SITE
    _public(topic)
    campaign = campaign_with_content(topic)
    _mark_published(campaign)
    results = campaign_test_send(campaign=Campaign.objects.get(pk=campaign.pk), addresses=["me@ilumen.be"])
    assert [r.error for r in results] == ["", ""] and len(smtp_mail.received) == 2
    for received in smtp_mail.received:
        assert _web_links(received) == (None, None)
    # once it is sending, the same campaign links its web version
    confirmed_subscriber("ann@example.com", topic, language="en")
    smtp_mail.received.clear()
    send_all(campaign_sending(campaign))
    [received] = smtp_mail.received
    assert _web_links(received)[0] == f"{SITE}/en/newsletter/archive/lentenieuws/"
