"""The e-mail service's bounce, complaint and unsubscribe events through django-anymail
(newsletter.provider_webhooks, newsletter.services.provider_events): payloads in Postmark's and
Mailgun's documented formats, posted with basic auth to the real URL, applied once each."""

import base64
import hashlib
import hmac
import importlib
import json
import time

import pytest
from anymail.webhooks.amazon_ses import AmazonSESTrackingWebhookView
from django.test import override_settings
from django.urls import clear_url_caches
from django.utils import timezone

import ilumen_site.urls
from mail.selectors import address_suppressed
from newsletter.models import Bounce, Delivery, Subscription, Topic
from newsletter.provider_webhooks import provider_webhook_check
from newsletter.services.provider_events import provider_event_apply
from tests.site.test_production import _deploy_check

from .factories import confirmed_subscriber

pytestmark = pytest.mark.django_db

SECRET = "hook:correct-horse-battery"
SIGNING_KEY = "key-0123456789abcdef0123456789abcdef"
AUTH = "Basic " + base64.b64encode(SECRET.encode()).decode()


def _urls_reload() -> None:
    importlib.reload(ilumen_site.urls)
    clear_url_caches()


@pytest.fixture
def provider(request):
    """The site configured for the provider the test names (indirect parameter), its URL mounted."""
    configured = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    with override_settings(MAIL_PROVIDER=request.param, ANYMAIL=configured):
        _urls_reload()
        yield request.param
    _urls_reload()


postmark = pytest.mark.parametrize("provider", ["postmark"], indirect=True)
mailgun = pytest.mark.parametrize("provider", ["mailgun"], indirect=True)



def _post(client, provider: str, payload: dict, *, auth: str | None = AUTH):
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return client.post(f"/webhooks/anymail/{provider}/tracking/", json.dumps(payload),
                       content_type="application/json", **headers)


def _nothing_changed(sent) -> None:
    assert not Bounce.objects.exists()
    assert not address_suppressed("ann@example.com")
    assert Delivery.objects.get(pk=sent["ann@example.com"].pk).status == "sent"
    assert Subscription.objects.filter(subscriber__email="ann@example.com", status="confirmed").exists()


# --- Postmark: basic auth only ------------------------------------------------------------------


def _postmark_bounce(email: str = "ann@example.com", *, id_: int = 4323372036854775807, type_: str = "HardBounce",
                     details: str = "smtp;550 5.1.1 The email account that you tried to reach does not exist") -> dict:
    return {
        "RecordType": "Bounce", "MessageStream": "broadcast", "ID": id_, "Type": type_, "TypeCode": 1,
        "Name": "Hard bounce", "Tag": "", "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483", "Metadata": {},
        "ServerID": 23, "Description": "The server was unable to deliver your message (ex: unknown user, "
        "mailbox not found).", "Details": details, "Email": email, "From": "nieuws@ilumen.be",
        "BouncedAt": timezone.now().isoformat(), "DumpAvailable": True, "Inactive": True, "CanActivate": True,
        "Subject": "Spring news", "Content": "",
    }


def _postmark_complaint(email: str = "ann@example.com") -> dict:
    return {
        "RecordType": "SpamComplaint", "MessageStream": "broadcast", "ID": 42, "Type": "SpamComplaint",
        "TypeCode": 512, "Name": "Spam complaint", "Tag": "", "MessageID": "00000000-0000-0000-0000-000000000000",
        "Metadata": {}, "ServerID": 1234, "Description": "", "Details": "Test spam complaint details",
        "Email": email, "From": "nieuws@ilumen.be", "BouncedAt": timezone.now().isoformat(), "DumpAvailable": True,
        "Inactive": True, "CanActivate": False, "Subject": "Spring news", "Content": "",
    }


def _postmark_subscription_change(email: str = "ann@example.com", *, reason: str = "ManualSuppression") -> dict:
    return {
        "RecordType": "SubscriptionChange", "MessageID": "00000000-0000-0000-0000-000000000000", "ServerID": 23,
        "MessageStream": "broadcast", "ChangedAt": timezone.now().isoformat(), "Recipient": email,
        "Origin": "Recipient", "SuppressSending": True, "SuppressionReason": reason, "Tag": "", "Metadata": {},
    }


@postmark
@pytest.mark.parametrize("auth", [None, "Basic " + base64.b64encode(b"hook:wrong").decode(), "Bearer " + SECRET])
def test_missing_or_wrong_basic_auth_is_refused_and_changes_nothing(client, sent, provider, auth):
    response = _post(client, provider, _postmark_bounce(), auth=auth)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    _nothing_changed(sent)


@postmark
def test_a_postmark_hard_bounce_suppresses_the_address(client, sent, provider):
    response = _post(client, provider, _postmark_bounce())
    assert response.status_code == 200
    bounce = Bounce.objects.get()
    assert (bounce.kind, bounce.source, bounce.status_code) == ("hard", "webhook:postmark", "5.1.1")
    assert bounce.event_key.startswith("webhook:postmark:4323372036854775807:")
    assert "ann@example.com" not in bounce.event_key
    assert "5.1.1 The email account" in bounce.reason
    assert bounce.subscriber == sent["ann@example.com"].subscriber
    assert address_suppressed("ann@example.com")
    assert not address_suppressed("bob@example.com")
    # Postmark quotes only its own message id: a bounce without our reference is about no message.
    assert bounce.delivery is None


@postmark
def test_our_message_id_found_in_the_payload_ties_the_bounce_to_its_delivery(client, sent, provider):
    # Postmark returns X-PM-Metadata-* headers of the message as "Metadata"; any place will do.
    ann = sent["ann@example.com"]
    payload = {**_postmark_bounce("Ann@Example.com"), "Metadata": {"message-id": ann.message_id}}
    assert _post(client, provider, payload).status_code == 200
    assert Bounce.objects.get().delivery_id == ann.pk
    assert (Delivery.objects.get(pk=ann.pk).status, Delivery.objects.get(pk=ann.pk).failure) == ("failed", "permanent")
    assert Delivery.objects.get(pk=sent["bob@example.com"].pk).status == "sent"


@postmark
def test_one_event_id_for_several_recipients_applies_to_each(client, sent, provider):
    # Amazon SES reports every bounced recipient of a message under one notification id.
    assert _post(client, provider, _postmark_bounce("ann@example.com", id_=7)).status_code == 200
    assert _post(client, provider, _postmark_bounce("bob@example.com", id_=7)).status_code == 200
    assert Bounce.objects.count() == 2
    assert address_suppressed("bob@example.com")


@postmark
def test_the_same_event_twice_is_applied_once(client, sent, provider, settings):
    settings.NEWSLETTER_SOFT_BOUNCE_LIMIT = 2  # a second soft bounce counted would suppress
    payload = _postmark_bounce(type_="SoftBounce", details="smtp;452 4.2.2 Mailbox full")
    assert _post(client, provider, payload).status_code == 200
    assert _post(client, provider, payload).status_code == 200
    assert Bounce.objects.get().kind == "soft"
    assert not address_suppressed("ann@example.com")


@postmark
def test_a_postmark_soft_bounce_without_a_status_is_soft(client, sent, provider):
    assert _post(client, provider, _postmark_bounce(type_="SoftBounce", details="")).status_code == 200
    assert Bounce.objects.get().kind == "soft"
    assert not address_suppressed("ann@example.com")


@postmark
def test_a_postmark_spam_complaint_marks_the_latest_message_and_suppresses(client, sent, provider):
    assert _post(client, provider, _postmark_complaint()).status_code == 200
    bounce = Bounce.objects.get()
    assert (bounce.kind, bounce.delivery_id) == ("complaint", sent["ann@example.com"].pk)
    assert Delivery.objects.get(pk=sent["ann@example.com"].pk).complained_at is not None
    assert Delivery.objects.get(pk=sent["bob@example.com"].pk).complained_at is None
    assert address_suppressed("ann@example.com")


@postmark
def test_an_unsubscribe_leaves_every_topic_and_suppresses(client, sent, provider, topic):
    other = Topic.objects.create(slug="events", name_nl="Evenementen", name_en="Events")
    confirmed_subscriber("carl@example.com", topic)
    ann = sent["ann@example.com"].subscriber
    Subscription.objects.create(subscriber=ann, topic=other, status="confirmed", proof=ann.proofs.first(),
                                confirmed_at=timezone.now())
    assert _post(client, provider, _postmark_subscription_change()).status_code == 200
    assert set(Subscription.objects.filter(subscriber=ann).values_list("status", flat=True)) == {"unsubscribed"}
    assert address_suppressed("ann@example.com")
    assert Subscription.objects.get(subscriber__email="bob@example.com").status == "confirmed"
    assert not Bounce.objects.exists()


@postmark
def test_an_event_without_an_id_is_keyed_by_its_hash_and_applied_once(client, sent, provider):
    payload = _postmark_subscription_change(reason="HardBounce")  # anymail: bounced, no event id
    assert _post(client, provider, payload).status_code == 200
    assert _post(client, provider, payload).status_code == 200
    bounce = Bounce.objects.get()
    assert bounce.kind == "hard"
    assert bounce.event_key.startswith("webhook:postmark:sha256:")
    assert "ann@example.com" not in bounce.event_key


@postmark
@pytest.mark.parametrize("payload", [
    _postmark_bounce("nobody@example.com"), _postmark_complaint("nobody@example.com"),
    _postmark_subscription_change("nobody@example.com"),
])
def test_an_event_about_an_unknown_address_changes_nothing_and_answers_200(client, sent, provider, payload):
    assert _post(client, provider, payload).status_code == 200
    assert not Bounce.objects.exists()
    assert not address_suppressed("nobody@example.com")


@postmark
def test_an_event_whose_recipient_is_no_address_changes_nothing(client, sent, provider):
    assert _post(client, provider, {**_postmark_bounce(), "Email": 7}).status_code == 200
    _nothing_changed(sent)


@postmark
def test_a_transient_failure_is_ignored_the_provider_still_retries(client, sent, provider):
    assert _post(client, provider, _postmark_bounce(type_="Transient")).status_code == 200
    _nothing_changed(sent)


@postmark
@pytest.mark.parametrize("body", ["{not json", "[]", '"Bounce"'])
def test_a_malformed_body_is_a_clear_400(client, sent, provider, body):
    response = client.post(f"/webhooks/anymail/{provider}/tracking/", body, content_type="application/json",
                           HTTP_AUTHORIZATION=AUTH)
    assert response.status_code == 400
    _nothing_changed(sent)


@postmark
def test_only_the_configured_providers_tracking_webhook_is_served(client, provider):
    assert _post(client, "mailgun", {}).status_code == 404
    assert client.post("/webhooks/anymail/postmark/inbound/", "{}", content_type="application/json",
                       HTTP_AUTHORIZATION=AUTH).status_code == 404


def test_no_webhook_when_no_provider_is_configured(client):
    assert _post(client, "postmark", _postmark_bounce()).status_code == 404


# --- Mailgun: basic auth and a signature --------------------------------------------------------


MAILGUN_TOKEN = "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"  # Mailgun's per-event nonce


def _mailgun(event_data: dict, *, key: str = SIGNING_KEY, token: str = MAILGUN_TOKEN) -> dict:
    timestamp = str(int(time.time()))
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"signature": {"timestamp": timestamp, "token": token, "signature": signature}, "event-data": event_data}


def _mailgun_failed(delivery: Delivery, *, severity: str = "permanent") -> dict:
    email = delivery.subscriber.email
    return {
        "event": "failed", "id": "G9Bn5sl1TC6nu79C8C0bwg", "timestamp": time.time(), "log-level": "error",
        "severity": severity, "reason": "bounce", "recipient": email, "recipient-domain": "example.com",
        "message": {
            "headers": {"to": email, "message-id": delivery.message_id.strip("<>"), "from": "nieuws@ilumen.be",
                        "subject": "Spring news"},
            "attachments": [], "size": 111,
        },
        "delivery-status": {
            "tls": True, "mx-host": "smtp-in.example.com", "code": 550, "description": "",
            "attempt-no": 1, "message": "5.1.1 The email account that you tried to reach does not exist",
            "certificate-verified": True,
        },
        "flags": {"is-routed": False, "is-authenticated": True, "is-system-test": False, "is-test-mode": False},
        "envelope": {"transport": "smtp", "sender": "nieuws@ilumen.be", "targets": email},
        "tags": [], "user-variables": {},
    }


def _mailgun_engagement(event: str, delivery: Delivery) -> dict:
    return {
        "event": event, "id": "-Agny091SquKnsrW2NEKUA", "timestamp": time.time(), "log-level": "warn",
        "recipient": delivery.subscriber.email, "tags": [], "user-variables": {}, "campaigns": [],
        "message": {"headers": {"message-id": delivery.message_id.strip("<>")}},
        "flags": {"is-test-mode": False},
    }


@mailgun
def test_a_mailgun_bounce_with_a_valid_signature_fails_the_delivery_and_suppresses(client, sent, provider):
    ann = sent["ann@example.com"]
    assert _post(client, provider, _mailgun(_mailgun_failed(ann))).status_code == 200
    delivery = Delivery.objects.get(pk=ann.pk)
    assert (delivery.status, delivery.failure) == ("failed", "permanent")
    bounce = Bounce.objects.get()
    assert (bounce.kind, bounce.delivery_id, bounce.status_code) == ("hard", ann.pk, "5.1.1")
    assert bounce.event_key.startswith(f"webhook:mailgun:{MAILGUN_TOKEN}:")
    assert address_suppressed("ann@example.com")
    assert Delivery.objects.get(pk=sent["bob@example.com"].pk).status == "sent"


@mailgun
def test_a_mailgun_bounce_with_a_temporary_status_is_soft(client, sent, provider):
    # Mailgun gives up after its retries ("old") and reports the last, temporary answer.
    ann = sent["ann@example.com"]
    event = _mailgun_failed(ann)
    event["reason"] = "old"
    event["delivery-status"].update(code=452, message="4.2.2 The email account that you tried to reach is over quota")
    assert _post(client, provider, _mailgun(event)).status_code == 200
    assert (Bounce.objects.get().kind, Bounce.objects.get().status_code) == ("soft", "4.2.2")
    assert Delivery.objects.get(pk=ann.pk).failure == "temporary"
    assert not address_suppressed("ann@example.com")


@mailgun
def test_a_mailgun_event_with_an_invalid_signature_is_refused_and_changes_nothing(client, sent, provider):
    forged = _mailgun(_mailgun_failed(sent["ann@example.com"]), key="key-not-the-one-mailgun-has")
    assert _post(client, provider, forged).status_code == 401
    _nothing_changed(sent)


@mailgun
def test_a_mailgun_temporary_failure_is_ignored(client, sent, provider):
    assert _post(client, provider, _mailgun(_mailgun_failed(sent["ann@example.com"], severity="temporary"))
                 ).status_code == 200
    _nothing_changed(sent)


@mailgun
def test_a_mailgun_complaint_marks_the_message_it_names(client, sent, provider):
    bob = sent["bob@example.com"]
    assert _post(client, provider, _mailgun(_mailgun_engagement("complained", bob))).status_code == 200
    assert Delivery.objects.get(pk=bob.pk).complained_at is not None
    assert Bounce.objects.get().delivery_id == bob.pk
    assert address_suppressed("bob@example.com")
    assert not address_suppressed("ann@example.com")


@mailgun
def test_a_mailgun_unsubscribe_unsubscribes(client, sent, provider):
    assert _post(client, provider, _mailgun(_mailgun_engagement("unsubscribed", sent["bob@example.com"]))
                 ).status_code == 200
    assert Subscription.objects.get(subscriber__email="bob@example.com").status == "unsubscribed"
    assert Subscription.objects.get(subscriber__email="ann@example.com").status == "confirmed"


# --- Amazon SES: its view needs boto3 (not installed), so anymail's SES parser is called directly


def _ses_events(delivery: Delivery, *, bounce_type: str, diagnostic: str | None) -> list:
    """What anymail makes of an SNS notification of an SES bounce of this delivery's message."""
    email = delivery.subscriber.email
    recipient = {"emailAddress": email, "action": "failed", "status": "5.1.1"}
    if diagnostic:
        recipient["diagnosticCode"] = diagnostic
    ses_event = {
        "notificationType": "Bounce",
        "bounce": {"bounceType": bounce_type, "bounceSubType": "General", "bouncedRecipients": [recipient],
                   "timestamp": timezone.now().isoformat(), "feedbackId": "0100018c-f00d-4e41-9c0c-000000000000",
                   "reportingMTA": "dsn; a8-70.smtp-out.amazonses.com"},
        "mail": {
            "timestamp": timezone.now().isoformat(), "source": "nieuws@ilumen.be",
            "messageId": "0100018c9e9a5c2b-ses-id-000000", "destination": [email], "headersTruncated": False,
            "headers": [{"name": "From", "value": "iLumen <nieuws@ilumen.be>"}, {"name": "To", "value": email},
                        {"name": "Message-ID", "value": delivery.message_id}],
            "commonHeaders": {"from": ["iLumen <nieuws@ilumen.be>"], "to": [email], "messageId": delivery.message_id,
                              "subject": "Spring news"},
        },
    }
    sns_message = {"Type": "Notification", "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
                   "Timestamp": timezone.now().isoformat(), "Message": json.dumps(ses_event)}
    return AmazonSESTrackingWebhookView.esp_to_anymail_events(None, ses_event, sns_message)


def test_an_amazon_ses_bounce_is_tied_by_the_message_id_in_its_headers(sent):
    ann = sent["ann@example.com"]
    for event in _ses_events(ann, bounce_type="Permanent", diagnostic="smtp; 550 5.1.1 user unknown"):
        provider_event_apply(event=event, esp_name="Amazon SES")
    bounce = Bounce.objects.get()
    assert (bounce.kind, bounce.delivery_id, bounce.source) == ("hard", ann.pk, "webhook:amazon_ses")
    assert Delivery.objects.get(pk=ann.pk).failure == "permanent"
    assert address_suppressed("ann@example.com")


def test_an_amazon_ses_transient_bounce_without_a_status_is_soft(sent):
    ann = sent["ann@example.com"]
    for event in _ses_events(ann, bounce_type="Transient", diagnostic=None):
        provider_event_apply(event=event, esp_name="Amazon SES")
    assert Bounce.objects.get().kind == "soft"
    assert Delivery.objects.get(pk=ann.pk).failure == "temporary"


# --- The system check ---------------------------------------------------------------------------


@pytest.mark.parametrize(("provider_name", "anymail", "ids"), [
    ("", {}, set()),
    ("postmark", {"WEBHOOK_SECRET": SECRET}, set()),
    ("postmark", {"WEBHOOK_SECRET": ""}, {"newsletter.E011"}),
    ("postmark", {"WEBHOOK_SECRET": "no-password"}, {"newsletter.E011"}),
    ("mailgun", {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}, set()),
    ("mailgun", {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": ""}, {"newsletter.E013"}),
    ("postmarc", {"WEBHOOK_SECRET": SECRET}, {"newsletter.E012"}),
    ("amazon_ses", {"WEBHOOK_SECRET": SECRET}, {"newsletter.E014"}),  # needs boto3, not installed
])
def test_the_check_refuses_a_provider_without_its_secrets(provider_name, anymail, ids):
    with override_settings(MAIL_PROVIDER=provider_name, ANYMAIL=anymail):
        assert {error.id for error in provider_webhook_check(None)} == ids


def test_the_deploy_check_stays_clean_with_a_provider_and_refuses_one_without_its_secret():
    configured = {"SILENCED_SYSTEM_CHECKS": "mail.W001", "MAIL_PROVIDER": "mailgun",
                  "MAIL_PROVIDER_WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    result = _deploy_check(**configured)
    assert result.returncode == 0, result.stdout + result.stderr
    refused = _deploy_check(**configured | {"MAIL_PROVIDER_WEBHOOK_SECRET": ""})
    assert "newsletter.E011" in refused.stderr
