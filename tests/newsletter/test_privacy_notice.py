"""A material change of the privacy statement is announced to every confirmed subscriber (issue 15,
point 2): offered by the publish page (four eyes: one person edits, another publishes), sent by the
campaign engine to each person once, in their language, with the visitor diff and List-Unsubscribe,
never to a suppressed address; a minor change sends nothing."""

import re

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mail.services import suppression_add
from newsletter.models import PRIVACY_TOPIC_SLUG, Campaign, Delivery, Subscriber, Subscription, Topic
from newsletter.services import campaigns, privacy_notice
from newsletter.tokens import unsubscribe_token_read
from privacy.models import Version
from privacy.services.statements import draft_from_version, version_save

from .factories import confirmed_subscriber, send_all, statement_change_published

pytestmark = pytest.mark.django_db


@pytest.fixture
def publisher(group_member):
    """A member of Legal: publishes statements and may announce them."""
    return group_member("Legal")


@pytest.fixture
def readers(seeded):
    """Confirmed readers of several topics, one reading Dutch, one following two topics, one only the
    retired privacy topic, one suppressed, one only pending, one who left."""
    news, events = Topic.objects.get(slug="newsletter"), Topic.objects.create(
        slug="events", name_nl="Evenementen", name_en="Events")
    privacy_topic = Topic.objects.get(slug=PRIVACY_TOPIC_SLUG)
    ann = confirmed_subscriber("ann@example.com", news, language="nl")
    bob = confirmed_subscriber("bob@example.com", news, language="en")
    Subscription.objects.create(subscriber=bob, topic=events, status="confirmed", proof=bob.proofs.get(),
                                confirmed_at=bob.created_at)
    confirmed_subscriber("cas@example.com", privacy_topic, language="en")
    confirmed_subscriber("dee@example.com", events, language="nl")
    suppression_add(email="dee@example.com", reason="complaint", source="test")
    pending = Subscriber.objects.create(email="eve@example.com", language="en")
    Subscription.objects.create(subscriber=pending, topic=news)
    gone = confirmed_subscriber("fay@example.com", news, language="en")
    Subscription.objects.filter(subscriber=gone).update(status="unsubscribed")
    return {"ann": ann, "bob": bob}


def _publish_through_the_admin(client: Client, editor, publisher, language: str, material: str):
    """Four eyes: `editor` writes the draft in the admin's service, `publisher` publishes it on the page."""
    in_force = Version.objects.published().filter(document__slug="ilumen", language=language).order_by("-number")[0]
    draft = draft_from_version(version=in_force, user=editor)
    draft.body += "\n\nWe now keep access logs for 30 days."
    draft.change_summary = {"en": "Access logs: 30 days.", "nl": "Toegangslogs: 30 dagen."}[language]
    version_save(version=draft, user=editor)
    client.force_login(publisher)
    with translation.override("en"):
        url = reverse("admin:privacy_version_publish", args=[draft.pk])
    return draft, client.post(url, {"material": material})


def _notice_url(version) -> str:
    with translation.override("en"):
        return reverse("admin:newsletter_campaign_privacy_notice", args=[version.pk])


def _send(notice: Campaign) -> None:
    campaigns.campaign_start(campaign_id=notice.pk)
    send_all(notice)


def test_a_material_change_is_offered_previewed_and_sent_to_every_subscriber_once(
    readers, legal_editor, publisher, smtp_mail
):
    client = Client()
    draft, response = _publish_through_the_admin(client, legal_editor, publisher, "en", "yes")
    assert response.status_code == 302 and response["Location"] == _notice_url(draft)
    draft.refresh_from_db()

    page = client.get(_notice_url(draft)).content.decode()
    assert "Access logs: 30 days." in page  # prefilled with the change note
    assert f"/en/privacy/diff/?from={draft.number - 1}&amp;to={draft.number}" in page
    # Dutch has no version for this change: warned, and no Dutch text is offered
    assert "has not been updated for this change" in page and 'name="body_nl"' not in page
    assert "4 confirmed subscribers" in page  # ann, bob (two topics: once), cas, dee (skipped when sending)

    preview = client.post(_notice_url(draft), {
        "subject_en": "Our privacy statement has changed", "body_en": "Edited **before** sending.", "preview": "1",
    }).content.decode()
    assert "Edited <strong>before</strong> sending." in preview and not Campaign.objects.exists()

    response = client.post(_notice_url(draft), {
        "subject_en": "Our privacy statement has changed",
        "body_en": privacy_notice.privacy_notice_draft(version_id=draft.pk).texts["en"].body, "send": "1",
    })
    assert response.status_code == 302
    notice = Campaign.objects.get()
    assert notice.kind == "privacy_notice" and notice.announces_id == draft.pk and notice.status == "scheduled"
    _send(notice)

    rcpts = sorted(received.rcpt for received in smtp_mail.received)
    assert rcpts == ["ann@example.com", "bob@example.com", "cas@example.com"]  # each once, none suppressed
    assert Delivery.objects.get(subscriber__email="dee@example.com").status == "skipped"
    bob = smtp_mail.to("bob@example.com")[0].message
    text = bob.get_body(("plain",)).get_content()
    assert f"/en/privacy/diff/?from={draft.number - 1}&to={draft.number}" in text
    assert "It contains no advertising" in text and "Access logs: 30 days." in text
    assert bob["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert bob["List-Id"].startswith("<privacy_notices.")
    token = re.search(r"/unsubscribe/([^/>]+)/", bob["List-Unsubscribe"]).group(1)
    assert unsubscribe_token_read(token).topic_ids is None  # one click leaves every topic
    assert "Registered office" in text  # the sender's identity in the footer


def test_each_reader_gets_the_notice_in_their_language_when_both_were_updated(readers, publisher, smtp_mail):
    english = statement_change_published("en", publisher=publisher, summary="Access logs: 30 days.")
    dutch = statement_change_published("nl", publisher=publisher, summary="Toegangslogs: 30 dagen.")
    draft = privacy_notice.privacy_notice_draft(version_id=dutch.pk)
    assert set(draft.texts) == {"nl", "en"} and draft.not_updated == []
    notice = privacy_notice.privacy_notice_send(version_id=dutch.pk, texts=draft.texts, user=publisher)
    _send(notice)
    ann = smtp_mail.to("ann@example.com")[0].message
    assert ann["Subject"] == "Onze privacyverklaring is gewijzigd"
    text = ann.get_body(("plain",)).get_content()
    assert "Toegangslogs: 30 dagen." in text and f"/nl/privacy/diff/?from={dutch.number - 1}&to={dutch.number}" in text
    bob = smtp_mail.to("bob@example.com")[0].message.get_body(("plain",)).get_content()
    assert "Access logs: 30 days." in bob and f"/en/privacy/diff/?from={english.number - 1}&to={english.number}" in bob


def test_a_minor_change_sends_nothing(readers, legal_editor, publisher):
    client = Client()
    draft, response = _publish_through_the_admin(client, legal_editor, publisher, "en", "no")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert response["Location"] == reverse("admin:privacy_version_change", args=[draft.pk])
    assert client.get(_notice_url(draft)).status_code == 302  # back to the version, with the reason
    with pytest.raises(Exception, match="material change"):
        privacy_notice.privacy_notice_draft(version_id=draft.pk)
    assert not Campaign.objects.exists()


def test_a_change_is_announced_once_and_a_notice_is_never_archived(readers, publisher):
    version = statement_change_published("en", publisher=publisher)
    texts = privacy_notice.privacy_notice_draft(version_id=version.pk).texts
    notice = privacy_notice.privacy_notice_send(version_id=version.pk, texts=texts, user=publisher)
    with pytest.raises(Exception, match="already been announced"):
        privacy_notice.privacy_notice_send(version_id=version.pk, texts=texts, user=publisher)
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.filter(pk=notice.pk).update(archive_published=True)


def test_only_staff_who_may_announce_open_the_notice_page(readers, publisher, group_member):
    version = statement_change_published("en", publisher=publisher)
    for role, status in (("Legal", 200), ("Marketing", 403), ("Support", 403)):
        client = Client()
        client.force_login(publisher if role == "Legal" else group_member(role))
        assert client.get(_notice_url(version)).status_code == status, role


def test_the_privacy_topic_is_retired_but_its_subscribers_keep_it(readers):
    privacy_topic = Topic.objects.get(slug=PRIVACY_TOPIC_SLUG)
    assert privacy_topic.is_public is False
    assert Subscription.objects.filter(topic=privacy_topic, status="confirmed").count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Topic.objects.filter(pk=privacy_topic.pk).update(is_public=True)
