"""RFC 8058 one-click unsubscribe on every message kind that goes to a list: a campaign and a
privacy-statement notice (both sent by a real Celery worker) and a test send from the admin.

What the test SMTP server received is read with the older compat32 parser, header by header as
sent: each message carries exactly one List-Unsubscribe (an https or http unsubscribe link) and
one List-Unsubscribe-Post, and the DKIM signature covers both (RFC 8058 section 4). For real
campaigns the link, POSTed without cookie or CSRF token, unsubscribes from that message's topic.
"""

import email.policy
import re
import time
from email.parser import BytesHeaderParser
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from newsletter.models import PRIVACY_TOPIC_SLUG, Campaign, Delivery, Subscription, Topic
from newsletter.services import campaign_status, privacy_notice

from .conftest import Received
from .factories import campaign_with_content, confirmed_subscriber, statement_change_published

pytestmark = pytest.mark.django_db(transaction=True)

ONE_CLICK = re.compile(r"<(https?://[^>\s]+/(?:nl|en)/newsletter/unsubscribe/[^/>\s]+/)>")


def _one_click_url(received: Received) -> str:
    head = BytesHeaderParser(policy=email.policy.compat32).parsebytes(received.raw)
    lists = head.get_all("List-Unsubscribe") or []
    posts = head.get_all("List-Unsubscribe-Post") or []
    kind = f"{received.rcpt}: {head['Subject']}"
    assert len(lists) == 1, kind
    assert [post.strip() for post in posts] == ["List-Unsubscribe=One-Click"], kind
    found = ONE_CLICK.fullmatch(" ".join(lists[0].split()))
    assert found, f"{kind}: {lists[0]}"
    [signature] = head.get_all("DKIM-Signature")
    tags = dict(part.strip().split("=", 1) for part in "".join(signature.split()).split(";") if "=" in part)
    assert {"list-unsubscribe", "list-unsubscribe-post"} <= set(tags["h"].lower().split(":")), kind
    return found.group(1)


def _wait_until_sent(*campaign_ids: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if set(Campaign.objects.filter(pk__in=campaign_ids).values_list("status", flat=True)) == {"sent"}:
            return
        time.sleep(0.1)
    raise AssertionError(list(Campaign.objects.filter(pk__in=campaign_ids).values_list("name", "status")))


def test_every_list_message_kind_carries_one_click_unsubscribe(
    smtp_mail, start_worker, topic, seeded, admin_client, settings, dkim_key, legal_publisher
):
    dkim = {"DKIM_PRIVATE_KEY": dkim_key, "DKIM_SELECTOR": "mail2026", "DKIM_DOMAIN": "ilumen.be"}
    for name, value in dkim.items():
        setattr(settings, name, value)
    start_worker(**dkim)
    privacy_topic, _created = Topic.objects.get_or_create(
        slug=PRIVACY_TOPIC_SLUG,
        defaults={"name_nl": "Privacywijzigingen", "name_en": "Privacy changes", "is_public": False},  # retired
    )
    for address, language in (("ann@example.com", "nl"), ("bob@example.com", "en")):
        subscriber = confirmed_subscriber(address, topic, language=language)
        Subscription.objects.create(
            subscriber=subscriber, topic=privacy_topic, status="confirmed", proof=subscriber.proofs.get(),
            confirmed_at=subscriber.created_at,
        )

    news = campaign_with_content(topic)
    version = statement_change_published("en", publisher=legal_publisher)
    notice = privacy_notice.privacy_notice_send(
        version_id=version.pk, texts=privacy_notice.privacy_notice_draft(version_id=version.pk).texts, user=None,
    )  # sent at once, as the notice page's button does
    with translation.override("en"):
        test_send_url = reverse("admin:newsletter_campaign_test_send", args=[news.pk])
    assert admin_client.post(test_send_url, {"addresses": "me@ilumen.be"}).status_code == 302
    campaign_status.campaign_schedule(campaign_id=news.pk)
    _wait_until_sent(news.pk, notice.pk)

    kinds: dict[str, list[Received]] = {"campaign": [], "privacy notice": [], "test send": []}
    campaign_of = dict(Delivery.objects.values_list("message_id", "campaign_id"))
    for received in smtp_mail.received:
        message_id = received.message["Message-ID"]
        if received.rcpt == "me@ilumen.be":
            kinds["test send"].append(received)
        else:
            kinds["campaign" if campaign_of[message_id] == news.pk else "privacy notice"].append(received)
    assert {kind: len(messages) for kind, messages in kinds.items()} == {
        "campaign": 2, "privacy notice": 2, "test send": 2,  # the test send: one message per language
    }

    for received in kinds["test send"]:
        _one_click_url(received)
    for kind, topic_of_kind in (("campaign", topic), ("privacy notice", privacy_topic)):
        for received in kinds[kind]:
            url = _one_click_url(received)
            response = Client(enforce_csrf_checks=True).post(
                urlsplit(url).path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
            )
            assert response.status_code == 200, (kind, received.rcpt)
            statuses = dict(Subscription.objects.filter(subscriber__email=received.rcpt).values_list(
                "topic_id", "status"))
            assert statuses[topic_of_kind.pk] == "unsubscribed", (kind, received.rcpt)
            if kind == "campaign":  # the message's own list only
                assert statuses[privacy_topic.pk] == "confirmed", received.rcpt
            else:  # a privacy notice comes to a subscriber as such: one click leaves every topic
                assert set(statuses.values()) == {"unsubscribed"}, received.rcpt
