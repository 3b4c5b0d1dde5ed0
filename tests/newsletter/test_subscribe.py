"""Subscribing: the form (page and footer), double opt-in, tokens, proof of consent, purge."""

import datetime
import re
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from core import retention
from mail.models import OutboxMessage
from mail.selectors import address_suppressed
from mail.services import outbox_deliver, suppression_add
from newsletter import selectors
from newsletter.models import ConsentProof, Subscriber, Subscription, Topic
from newsletter.services.subscriptions import ConsentShown, subscription_request
from newsletter.tokens import confirm_token_make, preferences_token_make, unsubscribe_token_make
from tests.polling import wait_until

from .conftest import reset_celery_connections

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def _subscribe(client, language="en", email="ann@example.com", topics=None, **extra):
    topics = topics or [Topic.objects.get(slug="newsletter").pk]
    data = {"email": email, "name": "Ann", "language": language, "topics": topics, "consent": "on", **extra}
    return client.post(f"/{language}/newsletter/", data, REMOTE_ADDR=extra.pop("ip", "192.0.2.77"))


def _deliver_outbox() -> list:
    outbox_deliver()
    return mail.outbox


def _confirm_link(message) -> str:
    return re.search(r"https?://\S+/newsletter/confirm/[^/\s]+/", message.body).group(0)


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_double_opt_in_in_both_languages(client, language):
    response = _subscribe(client, language)
    assert response.status_code == 302 and response["Location"] == f"/{language}/newsletter/thanks/"
    subscription = Subscription.objects.get(subscriber__email="ann@example.com")
    assert subscription.status == "pending"

    [message] = _deliver_outbox()
    assert message.to == ["ann@example.com"]
    assert ("Bevestig" in message.subject) == (language == "nl")
    html = message.alternatives[0].content
    link = _confirm_link(message)
    assert link in html and f"/{language}/newsletter/confirm/" in link

    page = client.get(_path(link))  # what a mail scanner does: nothing happens
    assert page.status_code == 200
    assert b'method="post"' in page.content
    subscription.refresh_from_db()
    assert subscription.status == "pending"

    done = client.post(_path(link))
    assert done.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == "confirmed"
    proof = subscription.proof
    assert proof.confirmed_at and proof.language == language and proof.ip_truncated == "192.0.2.0"
    assert proof.source == f"/{language}/newsletter/"
    assert "unsubscribe" in proof.consent_text.lower() or "uitschrijven" in proof.consent_text.lower()
    assert f"/{language}/privacy/" in proof.consent_text and proof.consent_version.startswith("1")

    again = client.post(_path(link))  # a reused link
    assert again.status_code == 400
    assert b"already" in again.content or b"al gebruikt" in again.content


def test_the_answer_is_the_same_for_new_pending_and_confirmed_addresses(client):
    first = _subscribe(client, email="new@example.com")
    pending = _subscribe(client, email="new@example.com")
    subscriber = Subscriber.objects.get(email="new@example.com")
    proof = subscriber.proofs.first()
    Subscription.objects.filter(subscriber=subscriber).update(
        status="confirmed", proof=proof, confirmed_at=timezone.now()
    )
    confirmed = _subscribe(client, email="NEW@example.com")
    assert first.status_code == pending.status_code == confirmed.status_code == 302
    assert first["Location"] == pending["Location"] == confirmed["Location"]
    assert OutboxMessage.objects.count() == 3
    # Asking again changes nothing until the new link is confirmed.
    assert Subscription.objects.get(subscriber=subscriber).status == "confirmed"


def test_a_new_request_changes_name_and_language_only_once_confirmed(client):
    _subscribe(client, "en", email="ann@example.com")
    [first] = _deliver_outbox()
    assert client.post(_path(_confirm_link(first))).status_code == 200
    subscriber = Subscriber.objects.get(email="ann@example.com")
    assert (subscriber.name, subscriber.language) == ("Ann", "en")

    # Anyone can type Ann's address: until the new link is confirmed, nothing of hers changes.
    mail.outbox.clear()
    client.post("/nl/newsletter/", {"email": "ann@example.com", "name": "Eve", "language": "nl",
                                    "topics": [Topic.objects.get(slug="newsletter").pk], "consent": "on"},
                REMOTE_ADDR="192.0.2.78")
    subscriber.refresh_from_db()
    assert (subscriber.name, subscriber.language) == ("Ann", "en")

    [second] = _deliver_outbox()
    assert client.post(_path(_confirm_link(second))).status_code == 200
    subscriber.refresh_from_db()
    assert (subscriber.name, subscriber.language) == ("Eve", "nl")


@pytest.mark.parametrize("reason", ["bounce", "complaint"])
def test_a_confirmed_new_opt_in_lifts_an_earlier_suppression(client, reason):
    _subscribe(client, email="back@example.com")
    [first] = _deliver_outbox()
    client.post(_path(_confirm_link(first)))
    suppression_add(email="back@example.com", reason=reason, source="webhook")

    mail.outbox.clear()
    _subscribe(client, email="back@example.com")
    [second] = _deliver_outbox()
    assert address_suppressed("back@example.com")  # asking is not enough
    assert client.post(_path(_confirm_link(second))).status_code == 200
    assert not address_suppressed("back@example.com")


def test_honeypot_and_missing_consent(client):
    bot = _subscribe(client, email="bot@example.com", website="http://spam.example")
    assert bot.status_code == 302
    assert not Subscriber.objects.filter(email="bot@example.com").exists()

    topic = Topic.objects.get(slug="newsletter")
    response = client.post(
        "/nl/newsletter/", {"email": "x@example.com", "language": "nl", "topics": [topic.pk]}, REMOTE_ADDR="192.0.2.1"
    )
    assert response.status_code == 400
    assert "Vink het vakje aan" in response.content.decode()
    response = client.post("/en/newsletter/", {"email": "not-an-address", "consent": "on"}, REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 400
    assert "Choose at least one topic." in response.content.decode()
    assert not OutboxMessage.objects.exists()


def test_rate_limits_per_ip_and_per_address(client, settings):
    settings.NEWSLETTER_SUBSCRIBE_PER_IP = 3
    settings.NEWSLETTER_SUBSCRIBE_PER_EMAIL = 2
    for _i in range(3):
        assert _subscribe(client, email="same@example.com").status_code == 302
    # The address's own limit: the same answer, but no third e-mail.
    assert OutboxMessage.objects.filter(to_email="same@example.com").count() == 2
    blocked = _subscribe(client, email="other@example.com")
    assert blocked.status_code == 429
    assert "Too many requests" in blocked.content.decode()
    assert _subscribe(client, email="other@example.com", ip="198.51.100.9").status_code == 302


def test_footer_form_on_every_page(client):
    page = client.get("/nl/")
    html = page.content.decode()
    assert 'action="/nl/newsletter/"' in html and 'name="consent"' in html
    assert re.search(r'<input type="checkbox" name="consent" id="nlf-consent" required>', html)  # not pre-ticked
    assert 'href="/nl/privacy/"' in html
    assert "Nieuwsbrief" in html


def test_forged_and_expired_confirmation_links(client, settings):
    _subscribe(client, "nl")
    [message] = _deliver_outbox()
    link = _path(_confirm_link(message))
    forged = link[:-6] + ("A" if link[-6] != "A" else "B") + link[-5:]
    response = client.get(forged)
    assert response.status_code == 400
    assert "werkt niet" in response.content.decode()
    assert reverse("newsletter:subscribe") in response.content.decode()
    # A subscriber's tokens are no confirmation tokens (different salts).
    subscriber = Subscriber.objects.get()
    for token in (preferences_token_make(subscriber.uuid), unsubscribe_token_make(subscriber.uuid, None)):
        assert client.get(f"/nl/newsletter/confirm/{token}/").status_code == 400

    later = timezone.now() + datetime.timedelta(days=settings.NEWSLETTER_CONFIRM_MAX_AGE_DAYS, hours=1)
    with time_machine.travel(later):
        expired = client.get(link)
        assert expired.status_code == 410
        assert "verlopen" in expired.content.decode()
        assert client.post(link).status_code == 410
        assert Subscription.objects.get().status == "pending"
        # A link scanner's GET of the "new link" button's address sends nothing.
        assert client.get(link + "new-link/", REMOTE_ADDR="192.0.2.5").status_code == 405
        assert not OutboxMessage.objects.filter(status="pending").exists()
        resend = client.post(link + "new-link/", REMOTE_ADDR="192.0.2.5")
        assert resend.status_code == 302
        mail.outbox.clear()
        [new_message] = _deliver_outbox()
        new_link = _path(_confirm_link(new_message))
        assert new_link != link
        assert client.post(new_link).status_code == 200
    assert Subscription.objects.get().status == "confirmed"


def test_unknown_nonce_is_a_clear_page(client):
    import uuid

    response = client.get(f"/en/newsletter/confirm/{confirm_token_make(uuid.uuid4())}/")
    assert response.status_code == 400
    assert "does not work" in response.content.decode()


def test_unconfirmed_requests_are_deleted_after_the_retention_time(client, settings):
    _subscribe(client, email="never@example.com")
    _subscribe(client, email="keep@example.com")
    keep = ConsentProof.objects.get(subscriber__email="keep@example.com")
    settings.NEWSLETTER_PENDING_RETENTION_DAYS = 30
    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        ConsentProof.objects.filter(pk=keep.pk).update(confirmed_at=timezone.now())
        Subscription.objects.filter(subscriber__email="keep@example.com").update(
            status="confirmed", proof=keep, confirmed_at=timezone.now()
        )
        retention.retention_run_all(only=["newsletter_unconfirmed"])
    assert not Subscriber.objects.filter(email="never@example.com").exists()
    assert not ConsentProof.objects.filter(subscriber__email="never@example.com").exists()
    assert Subscription.objects.get(subscriber__email="keep@example.com").status == "confirmed"


def test_confirmation_mail_survives_a_broker_outage(client, settings, django_capture_on_commit_callbacks):
    """The request writes the outbox row; a dead broker only delays the mail until the sweep."""
    from ilumen_site.celery import app

    old = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = "redis://127.0.0.1:1/0", False  # nothing listens there
    reset_celery_connections(app)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = _subscribe(client, "nl", email="outage@example.com")
    finally:
        app.conf.broker_url, app.conf.task_always_eager = old
        reset_celery_connections(app)
    assert response.status_code == 302
    row = OutboxMessage.objects.get(to_email="outage@example.com")
    assert row.status == "pending" and not mail.outbox
    from mail.tasks import outbox_sweep

    outbox_sweep()  # what beat runs
    row.refresh_from_db()
    assert row.status == "sent" and row.context == {}
    assert mail.outbox[0].to == ["outage@example.com"]


def test_only_the_topics_offered_can_be_asked_for(client):
    """The form checks the topics against the public ones it was given, without a query of its own."""
    retired = Topic.objects.get(slug="privacy-changes")  # not offered: every subscriber gets it anyway
    newsletter = Topic.objects.get(slug="newsletter")
    for topics in ([retired.pk], [newsletter.pk, retired.pk], ["x"]):
        response = _subscribe(client, email="picky@example.com", topics=topics)
        assert response.status_code == 400
        assert "not one of the available choices" in response.content.decode()
    assert not Subscriber.objects.filter(email="picky@example.com").exists()
    assert not OutboxMessage.objects.exists()


def test_a_topic_made_public_in_the_admin_is_offered_and_accepted_at_once(client, group_member, monkeypatch):
    """The public topics are kept in the process for a moment; a change in the admin forgets them."""
    # Kept for as long as the test may take on a slow machine, from this test's first page on.
    monkeypatch.setattr(selectors, "TOPICS_LOCAL_SECONDS", 600)
    selectors.topics_cache_clear()
    assert "Jobs" not in client.get("/en/newsletter/").content.decode()
    staff = Client()
    staff.force_login(group_member("Marketing"))
    with translation.override("en"):
        add_url = reverse("admin:newsletter_topic_add")
    saved = staff.post(add_url, {
        "slug": "jobs", "name_nl": "Vacatures", "name_en": "Jobs", "description_nl": "", "description_en": "",
        "is_public": "on", "position": 5, "welcomes-TOTAL_FORMS": 0, "welcomes-INITIAL_FORMS": 0,
        "welcomes-MIN_NUM_FORMS": 0, "welcomes-MAX_NUM_FORMS": 2,
    })
    assert saved.status_code == 302
    jobs = Topic.objects.get(slug="jobs")
    assert "Jobs" in client.get("/en/newsletter/").content.decode()
    assert _subscribe(client, email="jobs@example.com", topics=[jobs.pk]).status_code == 302
    assert Subscription.objects.get(subscriber__email="jobs@example.com").topic == jobs


def test_asking_again_with_another_topic_adds_it_and_leaves_the_confirmed_one_as_it_was(client):
    newsletter, surveys = Topic.objects.get(slug="newsletter"), Topic.objects.get(slug="surveys")
    _subscribe(client, email="ann@example.com", topics=[newsletter.pk])
    [first] = _deliver_outbox()
    client.post(_path(_confirm_link(first)))
    confirmed = Subscription.objects.get(subscriber__email="ann@example.com", topic=newsletter)
    assert confirmed.status == "confirmed"

    mail.outbox.clear()
    _subscribe(client, email="ANN@example.com", topics=[surveys.pk, newsletter.pk])
    subscriber = Subscriber.objects.get(email="ann@example.com")
    rows = {row.topic_id: row for row in Subscription.objects.filter(subscriber=subscriber)}
    assert rows.keys() == {newsletter.pk, surveys.pk}
    kept = rows[newsletter.pk]
    assert (kept.status, kept.proof_id, kept.confirmed_at, kept.created_at) == (
        "confirmed", confirmed.proof_id, confirmed.confirmed_at, confirmed.created_at
    )
    assert (rows[surveys.pk].status, rows[surveys.pk].proof_id) == ("pending", None)
    latest = subscriber.proofs.latest("given_at")
    assert set(latest.topics.values_list("slug", flat=True)) == {"newsletter", "surveys"}
    assert latest.confirmed_at is None and latest.requested_name == "Ann"
    [second] = _deliver_outbox()
    client.post(_path(_confirm_link(second)))
    assert set(Subscription.objects.filter(subscriber=subscriber).values_list("status", flat=True)) == {"confirmed"}


def test_a_request_names_each_topic_once_in_the_order_topics_are_shown():
    newsletter, surveys = Topic.objects.get(slug="newsletter"), Topic.objects.get(slug="surveys")
    subscription_request(
        email="ann@example.com", name="Ann", language="en", topics=[surveys, newsletter, surveys],
        consent=ConsentShown("Yes", "1"), source="/en/newsletter/", ip=None,
    )
    assert ConsentProof.objects.get(subscriber__email="ann@example.com").topics.count() == 2
    assert Subscription.objects.filter(subscriber__email="ann@example.com").count() == 2
    row = OutboxMessage.objects.get(to_email="ann@example.com")
    assert row.context["topics"] == [newsletter.name("en"), surveys.name("en")]


@pytest.mark.django_db(transaction=True)
def test_the_same_new_address_sent_twice_at_once_makes_one_subscriber():
    """A double click: the second request's insert waits for the first one's row, then finds it."""
    # Transactional tests empty the tables: the topic the migration made may be gone.
    topic, _ = Topic.objects.get_or_create(slug="newsletter", defaults={"name_nl": "Nieuwsbrief", "name_en": "News"})
    written, commit = threading.Event(), threading.Event()
    failures = []

    def request(hold: bool) -> None:
        try:
            with transaction.atomic():
                subscription_request(
                    email="twice@example.com", name="Ann", language="en", topics=[topic],
                    consent=ConsentShown("Yes", "1"), source="/en/newsletter/", ip=None,
                )
                written.set()
                if hold:
                    commit.wait(timeout=10)
        except Exception as error:
            failures.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=request, args=(True,))
    first.start()
    assert written.wait(timeout=10)
    written.clear()
    second = threading.Thread(target=request, args=(False,))
    second.start()

    def second_waits_for_a_lock() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return cursor.fetchone()[0] == 1

    wait_until(second_waits_for_a_lock, timeout=10, what="the second request waiting for the first one's row")
    assert not written.is_set()
    commit.set()
    first.join(timeout=10)
    second.join(timeout=10)
    assert not failures
    subscriber = Subscriber.objects.get(email="twice@example.com")
    assert subscriber.proofs.count() == 2
    assert Subscription.objects.filter(subscriber=subscriber).count() == 1
    assert OutboxMessage.objects.filter(to_email="twice@example.com").count() == 2
