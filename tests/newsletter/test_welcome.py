"""Welcome messages (issue 13, point 6): after a confirmation a real worker sends one message,
however many topics were confirmed together, naming them all, in the subscriber's language, with
each topic's welcome text, List-Unsubscribe for those topics and the sender's identity; a second
click or a retried task sends nothing more; nothing without a welcome text, nothing to a
suppressed address."""

import re
import time
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mail.services import suppression_add
from mail.throughput import domain_of
from newsletter import tasks
from newsletter.models import ConsentProof, Subscriber, Subscription, Topic, TopicWelcome, Welcome
from newsletter.services import subscriptions as subs
from newsletter.services.welcome import welcome_send, welcomes_reap
from newsletter.tokens import unsubscribe_token_read
from pages.models import CompanyProfile
from tests.polling import wait_until

from .factories import confirmed_subscriber

pytestmark = pytest.mark.django_db

SITE = "https://www.ilumen.be"
WELCOMES = {
    ("news", "nl"): ("Welkom bij ons productnieuws", "Elke maand **het nieuwste** van iLumen."),
    ("news", "en"): ("Welcome to our product news", "Every month **the latest** from iLumen."),
    ("events", "en"): ("Welcome to our events", "We invite you to *open days*."),  # no Dutch text
}


@pytest.fixture
def topics(settings) -> dict[str, Topic]:
    settings.SITE_URL = SITE
    made = {
        "news": Topic.objects.create(slug="news", name_nl="Productnieuws", name_en="Product news", position=1),
        "events": Topic.objects.create(slug="events", name_nl="Evenementen", name_en="Events", position=2),
        "jobs": Topic.objects.create(slug="jobs", name_nl="Vacatures", name_en="Jobs", position=3),  # no welcome
    }
    for (slug, language), (subject, body) in WELCOMES.items():
        TopicWelcome.objects.create(topic=made[slug], language=language, subject=subject, body=body)
    return made


def _request(address: str, language: str, topics: list[Topic]) -> ConsentProof:
    subs.subscription_request(
        email=address, name="Ann", language=language, topics=topics,
        consent=subs.ConsentShown("Yes, send me news.", "1"), source="/test/", ip=None,
    )
    return ConsentProof.objects.filter(subscriber__email=address).latest("given_at")


def _parts(received) -> tuple[str, str]:
    message = received.message
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n"), message.get_body(("html",)).get_content()


@pytest.mark.django_db(transaction=True)
def test_one_welcome_per_confirmation_naming_every_topic_through_a_real_worker(
    topics, settings, smtp_server, start_worker
):
    CompanyProfile.objects.update_or_create(singleton=True, defaults={
        "legal_name": "iLumen", "legal_form": "NV", "enterprise_number": "0123.456.749",
        "register_court": "RPR Antwerpen", "street": "Ambachtsstraat 19", "postal_code": "B-3980",
        "city": "Tessenderlo", "email": "info@ilumen.be",
    })
    start_worker(site_url=SITE)
    client = Client(headers={"Sec-Fetch-Site": "same-origin"})  # posts the subscription form as a browser
    chosen = [topics["news"].pk, topics["events"].pk, topics["jobs"].pk]
    assert client.post("/nl/newsletter/", {"email": "ann@example.com", "name": "Ann", "language": "nl",
                                           "topics": chosen, "consent": "on"}).status_code == 302
    smtp_server.wait_for(lambda: len(smtp_server.received) == 1, what="the confirmation mail")
    text, _html = _parts(smtp_server.received[0])
    confirm = re.search(re.escape(SITE) + r"(/nl/newsletter/confirm/[^/\s]+/)", text).group(1)
    smtp_server.received.clear()
    assert client.post(confirm).status_code == 200

    smtp_server.wait_for(lambda: len(smtp_server.received) >= 1, what="the welcome")
    welcome = Welcome.objects.get()
    wait_until(lambda: Welcome.objects.get().status == "sent", timeout=30,
               what=lambda: Welcome.objects.values().first())
    # A second click, a retried task and the sweeps meanwhile: still the one welcome.
    assert client.post(confirm).status_code == 400
    tasks.welcome_send.delay(welcome.pk)
    time.sleep(3)  # three sweeps at NEWSLETTER_TICK_SECONDS=1, and the retried task
    [received] = smtp_server.received
    message = received.message
    assert received.rcpt == "ann@example.com" and Welcome.objects.get().message_id == message["Message-ID"]

    # In Dutch, naming the three topics, with both welcome texts (Events' only in English) under their names.
    assert message["Subject"] == "Welkom: Productnieuws, Evenementen en Vacatures"
    text, html = _parts(received)
    assert text.startswith("Beste Ann,\n\nBedankt voor uw bevestiging: voortaan ontvangt u Productnieuws, "
                           "Evenementen en Vacatures van ons.")
    assert "Elke maand het nieuwste van iLumen." in text and "<strong>het nieuwste</strong>" in html
    assert "We invite you to open days." in text and "Every month" not in text
    assert re.search(r"<h2[^>]*>Productnieuws</h2>", html) and re.search(r"<h2[^>]*>Evenementen</h2>", html)
    assert "Ondernemingsnummer 0123.456.749, RPR Antwerpen" in " ".join(text.split())  # the sender's identity
    # A list message: one-click unsubscribe from exactly the three topics it welcomed to.
    assert message["List-Id"] == f"<events+jobs+news.{domain_of(settings.NEWSLETTER_FROM_EMAIL)}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = re.fullmatch(r"<(https://[^>]+)>", message["List-Unsubscribe"]).group(1)
    token = urlsplit(one_click).path.rstrip("/").rsplit("/", 1)[1]
    assert set(unsubscribe_token_read(token).topic_ids) == {t.pk for t in topics.values()}
    assert one_click in text


def test_the_welcome_is_in_the_subscribers_language_and_names_only_what_it_newly_confirmed(
    topics, smtp_mail, django_capture_on_commit_callbacks
):
    ann = confirmed_subscriber("ann@example.com", topics["events"], language="nl")
    proof = _request("ann@example.com", "en", [topics["news"], topics["events"]])  # Events she already follows
    with django_capture_on_commit_callbacks(execute=True):
        assert subs.subscription_confirm(nonce=proof.nonce) is subs.ConfirmOutcome.CONFIRMED
    welcome = Welcome.objects.get(proof=proof)
    assert list(welcome.topics.all()) == [topics["news"]]
    assert welcome.status == "sent"  # the task ran on commit
    [received] = smtp_mail.to("ann@example.com")
    text, html = _parts(received)
    # She chose English this time: the subscriber's language now, and News' own subject.
    assert received.message["Subject"] == "Welcome to our product news"
    assert "from now on you receive Product news from us." in text and "Every month the latest" in text
    assert "<h2" not in html.split("Every month")[0].split("from us.")[1]  # one topic: no heading
    assert Subscriber.objects.get(pk=ann.pk).language == "en"


def test_no_welcome_without_a_welcome_text(topics, django_capture_on_commit_callbacks):
    proof = _request("bob@example.com", "nl", [topics["jobs"]])
    with django_capture_on_commit_callbacks() as callbacks:
        subs.subscription_confirm(nonce=proof.nonce)
    assert not Welcome.objects.exists()
    assert not [c for c in callbacks if "welcome" in getattr(c, "__qualname__", "")]
    assert Subscription.objects.get(subscriber__email="bob@example.com").status == "confirmed"


def test_a_confirmed_request_gets_its_welcome_once_however_it_is_retried(
    topics, smtp_mail, django_capture_on_commit_callbacks
):
    proof = _request("ann@example.com", "nl", [topics["news"]])
    with django_capture_on_commit_callbacks(execute=False):
        subs.subscription_confirm(nonce=proof.nonce)
        assert subs.subscription_confirm(nonce=proof.nonce) is subs.ConfirmOutcome.ALREADY_USED
    [welcome] = Welcome.objects.all()
    assert welcome_send(welcome_id=welcome.pk, worker="w1") == "sent"
    assert welcome_send(welcome_id=welcome.pk, worker="w2") == "sent"  # a retried task
    tasks.welcomes_sweep()
    assert len(smtp_mail.received) == 1


def test_no_welcome_to_an_address_suppressed_before_it_went(topics, smtp_mail, django_capture_on_commit_callbacks):
    proof = _request("ann@example.com", "nl", [topics["news"]])
    with django_capture_on_commit_callbacks(execute=False):  # the task is lost: the sweep finds the row
        subs.subscription_confirm(nonce=proof.nonce)
    suppression_add(email="ann@example.com", reason="complaint", source="webhook")
    tasks.welcomes_sweep()
    welcome = Welcome.objects.get()
    assert (welcome.status, welcome.last_error) == ("skipped", "address on the suppression list")
    assert smtp_mail.received == []


def test_no_welcome_to_topics_left_before_it_went(topics, smtp_mail, django_capture_on_commit_callbacks):
    proof = _request("ann@example.com", "nl", [topics["news"]])
    with django_capture_on_commit_callbacks(execute=False):
        subs.subscription_confirm(nonce=proof.nonce)
    subs.unsubscribe(subscriber_uuid=proof.subscriber.uuid)
    assert welcome_send(welcome_id=Welcome.objects.get().pk, worker="w1") == "skipped"
    assert smtp_mail.received == []


def test_a_welcome_is_retried_after_a_temporary_refusal_and_its_lease_comes_back(
    topics, smtp_mail, settings, django_capture_on_commit_callbacks
):
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 0
    proof = _request("ann@example.com", "nl", [topics["news"]])
    with django_capture_on_commit_callbacks(execute=False):
        subs.subscription_confirm(nonce=proof.nonce)
    smtp_mail.temporary["ann@example.com"] = 1
    welcome = Welcome.objects.get()
    assert welcome_send(welcome_id=welcome.pk, worker="w1") == "pending"
    Welcome.objects.filter(pk=welcome.pk).update(status="sending", lease_expires_at="2000-01-01T00:00Z")
    assert welcomes_reap() == 1  # a worker that died holding it
    tasks.welcomes_sweep()
    assert Welcome.objects.get().status == "sent" and len(smtp_mail.to("ann@example.com")) == 1


def test_a_welcome_whose_worker_keeps_dying_fails_instead_of_coming_back_for_ever(
    topics, smtp_mail, settings, django_capture_on_commit_callbacks
):
    proof = _request("ann@example.com", "nl", [topics["news"]])
    with django_capture_on_commit_callbacks(execute=False):
        subs.subscription_confirm(nonce=proof.nonce)
    held = Welcome.objects.filter(status="pending")
    # A worker died holding it with tries to spare: it comes back.
    held.update(status="sending", lease_expires_at="2000-01-01T00:00Z", tries=settings.NEWSLETTER_MAX_TRIES - 1)
    assert welcomes_reap() == 1 and Welcome.objects.get().status == "pending"
    # The next one died too, with the last try: it fails, and the sweep leaves it.
    held.update(status="sending", lease_expires_at="2000-01-01T00:00Z", tries=settings.NEWSLETTER_MAX_TRIES)
    assert welcomes_reap() == 0
    tasks.welcomes_sweep()
    welcome = Welcome.objects.get()
    assert (welcome.status, welcome.lease_expires_at) == ("failed", None)
    assert welcome.last_error == "worker lost while sending, too often"
    assert smtp_mail.received == []


def _topic_url(name: str, *args: object) -> str:
    with translation.override("en"):
        return reverse(f"admin:newsletter_topic_{name}", args=args)


def test_marketing_writes_and_previews_a_welcome_like_a_campaign(topics, group_member):
    client = Client()
    client.force_login(group_member("Marketing"))
    jobs = topics["jobs"]
    data = {
        "slug": "jobs", "name_nl": "Vacatures", "name_en": "Jobs", "description_nl": "", "description_en": "",
        "is_public": "on", "position": 3,
        "welcomes-TOTAL_FORMS": 1, "welcomes-INITIAL_FORMS": 0, "welcomes-MIN_NUM_FORMS": 0,
        "welcomes-MAX_NUM_FORMS": 2, "welcomes-0-language": "nl", "welcomes-0-subject": "Welkom",
        "welcomes-0-body": "Kijk: ![pixel](https://tracker.example/p.gif)",
    }
    refused = client.post(_topic_url("change", jobs.pk), data)
    assert refused.status_code == 200 and not TopicWelcome.objects.filter(topic=jobs).exists()
    data["welcomes-0-body"] = "Wij zoeken **collega's**."
    assert client.post(_topic_url("change", jobs.pk), data).status_code == 302
    page = client.get(_topic_url("welcome_preview", jobs.pk, "nl")).content.decode()
    assert "Welkom" in page and "Wij zoeken collega&#x27;s." in page
    assert client.get(_topic_url("welcome_preview", jobs.pk, "en")).status_code == 200  # falls back to Dutch
    frame = client.get(_topic_url("welcome_preview_html", jobs.pk, "nl")).content.decode()
    assert re.search(r"<strong>collega(&#x27;|')s</strong>", frame) and "Beste Jane," in frame
    assert client.get(_topic_url("welcome_preview", jobs.pk, "xx")).status_code == 404
