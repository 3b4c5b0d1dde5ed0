"""Unsubscribing (link and RFC 8058 one-click), preferences, suppressions from webhook and CSV."""

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from mail.hashing import address_hash
from mail.models import Suppression
from newsletter.models import Subscription, Topic
from newsletter.tokens import preferences_token_make, unsubscribe_token_make

from .factories import confirmed_subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(topic):
    surveys, _created = Topic.objects.get_or_create(
        slug="surveys", defaults={"name_nl": "Enquêtes", "name_en": "Surveys"}
    )
    subscriber = confirmed_subscriber("ann@example.com", topic, language="nl", name="Ann")
    Subscription.objects.create(
        subscriber=subscriber, topic=surveys, status="confirmed", proof=subscriber.proofs.first(),
        confirmed_at=subscriber.created_at,
    )
    return subscriber


def _status(subscriber, slug: str) -> str:
    return Subscription.objects.get(subscriber=subscriber, topic__slug=slug).status


@pytest.mark.parametrize(("language", "button"), [("nl", "Uitschrijven"), ("en", "Unsubscribe")])
def test_get_shows_a_button_and_post_unsubscribes_from_that_topic(ann, topic, language, button):
    url = f"/{language}/newsletter/unsubscribe/{unsubscribe_token_make(ann.uuid, [topic.pk])}/"
    client = Client(enforce_csrf_checks=True)
    page = client.get(url)
    assert page.status_code == 200 and button in page.content.decode()
    assert _status(ann, "newsletter") == "confirmed"

    done = client.post(url)  # the button: no CSRF token needed
    assert done.status_code == 200
    assert _status(ann, "newsletter") == "unsubscribed" and _status(ann, "surveys") == "confirmed"


def test_one_click_post_needs_no_cookie_or_csrf_and_answers_2xx_without_redirect(ann, topic):
    url = f"/en/newsletter/unsubscribe/{unsubscribe_token_make(ann.uuid, [topic.pk])}/"
    client = Client(enforce_csrf_checks=True)
    response = client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and "Location" not in response.headers
    assert response["Content-Type"].startswith("text/plain")
    assert _status(ann, "newsletter") == "unsubscribed"
    again = client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert again.status_code == 200  # idempotent


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("List-Unsubscribe=One-Click&pad=" + "x" * (3 * 1024 * 1024), "application/x-www-form-urlencoded"),
        ("List-Unsubscribe=One-Click" + "&f=1" * 1001, "application/x-www-form-urlencoded"),
        ("--b\r\nContent-Disposition: form-data; name=List-Unsubscribe\r\n\r\nOne-Click", "multipart/form-data"),
    ],
    ids=["3 MiB", "too many fields", "malformed multipart"],
)
def test_an_unreadable_one_click_body_is_refused_before_anything_is_done(ann, topic, body, content_type):
    url = f"/nl/newsletter/unsubscribe/{unsubscribe_token_make(ann.uuid, [topic.pk])}/"
    response = Client().post(url, body, content_type=content_type)
    assert response.status_code == 400 and "Er is niets gewijzigd" in response.content.decode()
    assert _status(ann, "newsletter") == "confirmed"


def test_forged_unsubscribe_token_is_a_clear_error(ann, topic):
    token = unsubscribe_token_make(ann.uuid, [topic.pk])
    forged = token[:-3] + ("xyz" if not token.endswith("xyz") else "abc")
    response = Client().post(f"/nl/newsletter/unsubscribe/{forged}/", "List-Unsubscribe=One-Click",
                             content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "werkt niet" in response.content.decode()
    assert _status(ann, "newsletter") == "confirmed"
    assert Client().get(f"/en/newsletter/preferences/{forged}/").status_code == 400


def test_coming_back_needs_a_new_opt_in(ann, topic, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    Client().post(f"/nl/newsletter/unsubscribe/{unsubscribe_token_make(ann.uuid, None)}/")
    assert _status(ann, "newsletter") == _status(ann, "surveys") == "unsubscribed"
    browser = Client(headers={"Sec-Fetch-Site": "same-origin"})  # the subscription form, posted from the site
    response = browser.post("/nl/newsletter/", {"email": "ann@example.com", "language": "nl", "topics": [topic.pk],
                                                "consent": "on"}, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302
    assert _status(ann, "newsletter") == "unsubscribed"  # until the new link is confirmed


def test_preferences_change_language_and_topics_or_everything(ann, topic):
    client = Client(headers={"Sec-Fetch-Site": "same-origin"})  # the page's own form, in a browser
    url = f"/nl/newsletter/preferences/{preferences_token_make(ann.uuid)}/"
    page = client.get(url)
    assert page.status_code == 200 and "ann@example.com" in page.content.decode()
    response = client.post(url, {"name": "Ann B", "language": "en", "topics": [str(topic.pk)], "action": "save"})
    assert response.status_code == 200 and "bewaard" in response.content.decode()
    ann.refresh_from_db()
    assert (ann.language, ann.name) == ("en", "Ann B")
    assert _status(ann, "newsletter") == "confirmed" and _status(ann, "surveys") == "unsubscribed"
    # A topic that was not confirmed cannot be added here (it needs an opt-in).
    surveys = Topic.objects.get(slug="surveys")
    bad = client.post(url, {"language": "en", "topics": [str(surveys.pk)], "action": "save"})
    assert bad.status_code == 400 and _status(ann, "surveys") == "unsubscribed"
    client.post(url, {"action": "unsubscribe_all"})
    assert _status(ann, "newsletter") == "unsubscribed"


def test_webhook_needs_its_token_and_adds_suppressions(client, settings):
    url = "/en/newsletter/webhooks/suppressions/"
    settings.NEWSLETTER_WEBHOOK_TOKEN = ""
    assert client.post(url, "{}", content_type="application/json").status_code == 404  # off without a token
    settings.NEWSLETTER_WEBHOOK_TOKEN = "s3cret-token"
    payload = {"events": [
        {"email": "Bounced@Example.com", "type": "bounce", "detail": "550 5.1.1"},
        {"email": "angry@example.com", "type": "complaint"},
        {"email": "not an address", "type": "bounce"},
        {"email": "x@example.com", "type": "delivered"},
    ]}
    assert client.post(url, json.dumps(payload), content_type="application/json").status_code == 401
    wrong = client.post(url, json.dumps(payload), content_type="application/json", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 401
    response = client.post(url, json.dumps(payload), content_type="application/json",
                           HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    assert response.json() == {"added": 2, "already_suppressed": 0, "rejected": [2, 3]}
    assert set(Suppression.objects.values_list("address_hash", "reason", "source")) == {
        (address_hash("bounced@example.com"), "bounce", "webhook"),
        (address_hash("angry@example.com"), "complaint", "webhook"),
    }
    bad = client.post(url, "not json", content_type="application/json", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert bad.status_code == 400 and "error" in bad.json()


def test_csv_command_imports_suppressions(tmp_path):
    path = tmp_path / "bounces.csv"
    path.write_text("email,type,detail\nA@example.com,bounce,550\nb@example.com,complaint,\nbroken,bounce,\n")
    out, err = io.StringIO(), io.StringIO()
    call_command("newsletter_suppress", str(path), stdout=out, stderr=err)
    assert "Added 2, already suppressed 0, rejected 1." in out.getvalue()
    assert "line 4" in err.getvalue()
    assert set(Suppression.objects.values_list("address_hash", flat=True)) == {
        address_hash("a@example.com"), address_hash("b@example.com")
    }
