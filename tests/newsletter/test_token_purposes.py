"""Each link does one job: the List-Unsubscribe link only unsubscribes, the preferences link
only opens the preference page, and that page changes nothing for a post from another site."""

import re

import pytest
from django.core import mail, signing
from django.test import Client

from mail.models import OutboxMessage
from mail.services import outbox_deliver
from newsletter.messages import Recipient, campaign_message, content_render, topic_list
from newsletter.models import Subscriber, Subscription
from newsletter.tokens import LEGACY_SUBSCRIBER_SALT, preferences_token_make, unsubscribe_token_make

from .factories import confirmed_subscriber

pytestmark = pytest.mark.django_db

ONE_CLICK = {"data": "List-Unsubscribe=One-Click", "content_type": "application/x-www-form-urlencoded"}
CHANGES = {"name": "Mallory", "language": "en", "topics": [], "action": "save"}


@pytest.fixture
def ann(topic, settings):
    settings.SITE_URL = "https://www.ilumen.be"
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    return confirmed_subscriber("ann@example.com", topic, language="nl", name="Ann")


def _links(ann: Subscriber, topic) -> tuple[str, str]:
    """The paths of the List-Unsubscribe link and the preferences link of a real campaign message."""
    message = campaign_message(
        content=content_render(language="nl", subject="Lentenieuws", body="Nieuws."),
        recipient=Recipient(email=ann.email, name=ann.name, language=ann.language, uuid=ann.uuid),
        topics=topic_list([topic]),
    )
    one_click = re.fullmatch(r"<https://www\.ilumen\.be(/nl/newsletter/unsubscribe/[^/]+/)>",
                             message.headers["List-Unsubscribe"]).group(1)
    preferences = re.search(r"https://www\.ilumen\.be(/nl/newsletter/preferences/[^/\s]+/)", message.text).group(1)
    return one_click, preferences


def _unchanged(ann: Subscriber) -> bool:
    ann.refresh_from_db()
    status = Subscription.objects.get(subscriber=ann).status
    return (ann.name, ann.language, status) == ("Ann", "nl", "confirmed")


def test_the_list_unsubscribe_link_cannot_open_or_change_the_preferences(ann, topic):
    one_click, _preferences = _links(ann, topic)
    token = one_click.split("/")[-2]
    url = f"/nl/newsletter/preferences/{token}/"
    page = Client().get(url)
    assert page.status_code == 400 and "ann@example.com" not in page.content.decode()
    refused = Client(headers={"Sec-Fetch-Site": "same-origin"}).post(url, CHANGES)
    assert refused.status_code == 400 and _unchanged(ann)
    assert Client().post(one_click, **ONE_CLICK).status_code == 200  # its own job still works
    assert Subscription.objects.get(subscriber=ann).status == "unsubscribed"


def test_the_preferences_link_cannot_unsubscribe_in_one_click(ann, topic):
    _one_click, preferences = _links(ann, topic)
    assert Client().get(preferences).status_code == 200
    token = preferences.split("/")[-2]
    for language in ("nl", "en"):
        response = Client().post(f"/{language}/newsletter/unsubscribe/{token}/", **ONE_CLICK)
        assert response.status_code == 400
    assert _unchanged(ann)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "null", "Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another site's page too
        {"Origin": "https://evil.example"},  # a browser without Fetch Metadata
        {"Origin": "null"},  # a form with referrerpolicy="no-referrer" on another site
        {},  # no browser at all: nothing shows where it comes from
    ],
    ids=["cross-site", "same-site", "evil origin", "null origin", "no headers"],
)
def test_a_post_from_another_site_changes_nothing(ann, topic, headers):
    _one_click, preferences = _links(ann, topic)
    for data in (CHANGES, {"action": "unsubscribe_all"}):
        response = Client(headers=headers).post(preferences, data)
        assert response.status_code == 403
        assert "Dit formulier werd vanaf een andere website verstuurd" in response.content.decode()
        assert _unchanged(ann)


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "null", "Sec-Fetch-Site": "same-origin"}, {"Origin": "http://testserver"}],
    ids=["fetch metadata", "origin"],
)
def test_the_pages_own_form_changes_the_preferences(ann, topic, headers):
    _one_click, preferences = _links(ann, topic)
    page = Client().get(preferences)
    assert page["Referrer-Policy"] == "same-origin"  # so that the form's post carries the true Origin
    response = Client(headers=headers).post(preferences, CHANGES)
    assert response.status_code == 200
    ann.refresh_from_db()
    assert (ann.name, ann.language) == ("Mallory", "en")
    assert Subscription.objects.get(subscriber=ann).status == "unsubscribed"


def _legacy(ann: Subscriber, topic_id: int | None) -> str:
    """A link from an e-mail sent before each purpose had its own salt."""
    value = ann.uuid.hex if topic_id is None else f"{ann.uuid.hex}.{topic_id}"
    return signing.Signer(salt=LEGACY_SUBSCRIBER_SALT).sign(value)


def test_an_old_link_with_a_topic_may_only_unsubscribe(ann, topic):
    token = _legacy(ann, topic.pk)
    assert Client().get(f"/nl/newsletter/preferences/{token}/").status_code == 400
    assert Client().post(f"/nl/newsletter/unsubscribe/{token}/", **ONE_CLICK).status_code == 200
    assert Subscription.objects.get(subscriber=ann).status == "unsubscribed"


def test_an_old_link_without_a_topic_still_opens_the_preferences_only(ann, topic):
    token = _legacy(ann, None)
    assert Client().post(f"/nl/newsletter/unsubscribe/{token}/", **ONE_CLICK).status_code == 400
    assert _unchanged(ann)
    page = Client().get(f"/nl/newsletter/preferences/{token}/")
    assert page.status_code == 200 and "ann@example.com" in page.content.decode()


def test_the_unsubscribe_pages_offer_a_mail_not_a_preferences_link(ann, topic):
    one_click, _preferences = _links(ann, topic)
    client = Client()
    pages = [client.get(one_click), client.post(one_click)]
    assert [page.status_code for page in pages] == [200, 200]
    assert Subscription.objects.get(subscriber=ann).status == "unsubscribed"
    for page in pages:
        html = page.content.decode()
        assert "/newsletter/preferences/" not in html and preferences_token_make(ann.uuid) not in html
        assert "Mail mij een link naar mijn voorkeuren" in html

    asked = client.post(one_click + "preferences-link/")
    assert asked.status_code == 200 and "/newsletter/preferences/" not in asked.content.decode()
    outbox_deliver()
    [message] = mail.outbox
    assert message.to == ["ann@example.com"] and "voorkeuren" in message.subject  # her language
    link = re.search(r"https://www\.ilumen\.be(/nl/newsletter/preferences/[^/\s]+/)", message.body).group(1)
    assert link in message.alternatives[0].content
    page = client.get(link)
    assert page.status_code == 200 and "ann@example.com" in page.content.decode()


def test_asking_for_the_preferences_link_always_gets_the_same_answer(ann, topic, settings):
    settings.NEWSLETTER_SUBSCRIBE_PER_EMAIL = 2
    url = f"/en/newsletter/unsubscribe/{unsubscribe_token_make(ann.uuid, [topic.pk])}/preferences-link/"
    answers = [Client().post(url, REMOTE_ADDR="192.0.2.60") for _ in range(4)]
    gone = Subscriber.objects.create(email="gone@example.com", language="en")
    gone_url = f"/en/newsletter/unsubscribe/{unsubscribe_token_make(gone.uuid, [topic.pk])}/preferences-link/"
    gone.delete()
    answers.append(Client().post(gone_url, REMOTE_ADDR="192.0.2.61"))
    assert {answer.status_code for answer in answers} == {200}
    assert len({re.search(r'<div class="nl-page">.*?</div>', a.content.decode(), re.S).group(0) for a in answers}) == 1
    assert OutboxMessage.objects.filter(to_email="ann@example.com").count() == 2  # the rest were held back
    assert not OutboxMessage.objects.filter(to_email="gone@example.com").exists()


@pytest.mark.parametrize("method", ["get", "head"])
def test_a_link_scanner_following_the_preferences_link_button_sends_nothing(ann, topic, method):
    url = f"/nl/newsletter/unsubscribe/{unsubscribe_token_make(ann.uuid, [topic.pk])}/preferences-link/"
    answer = getattr(Client(), method)(url)
    assert answer.status_code == 405
    assert answer["Referrer-Policy"] == "no-referrer" and answer["Cache-Control"] == "no-store"
    assert not OutboxMessage.objects.exists()
