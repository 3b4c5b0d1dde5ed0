"""The contact form: stored, forwarded over real SMTP, protected against bots, handled in the admin."""

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.models import Permission, User

from contact.models import ContactMessage
from contact.services import message_forward
from mail.models import OutboxMessage
from mail.services import outbox_deliver
from tests.newsletter.conftest import SmtpServer, free_port

pytestmark = pytest.mark.django_db

VALID = {"name": "Dirk Peeters", "email": "dirk@example.be", "subject": "Offerte batterij",
         "message": "Graag een offerte voor een thuisbatterij."}


@pytest.fixture
def smtp(settings):
    server = SmtpServer(port=free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5}}}
    settings.CONTACT_FORWARD_TO = ["info@ilumen.be"]
    yield server
    controller.stop()


def _send(client, language="nl", ip="192.0.2.50", **overrides):
    return client.post(f"/{language}/contact/", {**VALID, **overrides}, REMOTE_ADDR=ip)


@pytest.mark.parametrize(("language", "heading"), [("nl", "<h1>Contact</h1>"), ("en", "<h1>Let's connect</h1>")])
def test_form_in_both_languages(client, language, heading):
    page = client.get(f"/{language}/contact/")
    assert page.status_code == 200
    body = page.content.decode()
    assert heading in body and 'name="website"' in body and "<div hidden>" in body


def test_a_message_is_stored_and_forwarded_by_smtp(client, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(client)
    assert response.status_code == 302 and response["Location"] == "/nl/contact/thanks/"
    stored = ContactMessage.objects.get()
    assert (stored.name, stored.email, stored.language, stored.handled) == ("Dirk Peeters", "dirk@example.be", "nl",
                                                                            False)
    assert stored.forwarded_at is not None
    [received] = smtp.to("info@ilumen.be")
    message = received.message
    assert message["Reply-To"] == "dirk@example.be"
    assert "Offerte batterij" in message["Subject"]
    assert "Graag een offerte voor een thuisbatterij." in message.get_content()
    assert client.get("/nl/contact/thanks/").status_code == 200


def test_the_forwarded_mail_is_plain_text_as_typed(client, smtp, django_capture_on_commit_callbacks):
    typed = {"name": 'Tom "T" O\'Brien & Zn.', "subject": "Tom's <offerte> & co", "message": "Prijs < 5 000 & 'snel'?"}
    with django_capture_on_commit_callbacks(execute=True):
        assert _send(client, **typed).status_code == 302
    [received] = smtp.to("info@ilumen.be")
    message = received.message
    assert message["Subject"] == "[iLumen contactformulier] Tom's <offerte> & co"
    body = message.get_content()
    assert f"Naam: {typed['name']}" in body
    assert typed["subject"] in body and typed["message"] in body
    assert "&amp;" not in body and "&#x27;" not in body and "&lt;" not in body


def test_a_stored_subject_with_line_breaks_cannot_add_headers(smtp):
    # The form refuses control characters; a row written another way still makes one header line.
    stored = ContactMessage.objects.create(
        name="Eve\r\nX-Injected: 1", email="eve@example.be", subject="Hallo\r\nBcc: victim@example.org",
        message="m", language="nl",
    )
    message_forward(stored)
    assert outbox_deliver() == 1
    [received] = smtp.received
    message = received.message
    assert message["Subject"] == "[iLumen contactformulier] Hallo Bcc: victim@example.org"
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert [r.rcpt for r in smtp.received] == ["info@ilumen.be"]


def test_forwarding_survives_a_mail_server_outage(client, settings, django_capture_on_commit_callbacks):
    port = free_port()  # nothing listens here yet
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2}}}
    with django_capture_on_commit_callbacks(execute=True):
        assert _send(client).status_code == 302  # the visitor is not bothered; the worker found no server
    stored = ContactMessage.objects.get()
    [waiting] = OutboxMessage.objects.all()
    assert (waiting.status, waiting.tries, waiting.reply_to) == ("pending", 0, "dirk@example.be")
    assert "unreachable" in waiting.last_error and stored.forwarded_at is not None
    server = SmtpServer(port=port)
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert outbox_deliver() == 1  # what the outbox sweep runs
        assert outbox_deliver() == 0  # once only
    finally:
        controller.stop()
    [received] = server.received
    assert received.rcpt == "info@ilumen.be" and received.message["Reply-To"] == "dirk@example.be"
    assert "Graag een offerte" in received.message.get_content()


def test_honeypot_stores_nothing(client):
    response = _send(client, website="http://spam.example")
    assert response.status_code == 302 and not ContactMessage.objects.exists()


@pytest.mark.parametrize(("field", "value", "dutch"), [
    ("email", "geen-adres", "geldig e-mailadres"),
    ("subject", "Hallo\r\nBcc: victim@example.org", "één regel"),
    # Not control characters, but line breaks or invisible text all the same: the one rule of
    # core.validators, as for names (the subject's own looser check let these through).
    ("subject", "Hallo\u2028Bcc: victim@example.org", "één regel"),
    ("subject", "Hallo\u2029Bcc: victim@example.org", "één regel"),
    ("subject", "Offerte \u202egro.elpmaxe", "één regel"),
    ("message", "", "verplicht"),
])
def test_bad_input_is_a_clear_error_in_the_visitor_language(client, field, value, dutch):
    response = _send(client, **{field: value})
    assert response.status_code == 400
    assert dutch in response.content.decode()
    assert not ContactMessage.objects.exists()


def test_a_subject_in_any_script_is_accepted(client):
    subject = "Offerte 👨\u200d👩\u200d👧 Zoë, Ελένη, 東京"  # emoji joined by zero-width joiners
    assert _send(client, subject=subject).status_code == 302
    assert ContactMessage.objects.get().subject == subject


def test_the_per_address_limit_holds_and_answers_like_a_success(client, settings, smtp,
                                                                 django_capture_on_commit_callbacks):
    settings.CONTACT_RATE_LIMIT_PER_ADDRESS = 2
    settings.CONTACT_RATE_LIMIT_PER_IP = 10
    answers = []
    with django_capture_on_commit_callbacks(execute=True):
        for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"):
            response = _send(client, ip=ip)
            answers.append((response.status_code, response["Location"], response.get("Retry-After")))
    # Nothing tells the third and fourth sender that this address was used before ...
    assert answers == [(302, "/nl/contact/thanks/", None)] * 4
    # ... yet only the first two were kept and forwarded.
    assert ContactMessage.objects.count() == 2
    assert len(smtp.to("info@ilumen.be")) == 2
    # Another address from the same network still gets through.
    with django_capture_on_commit_callbacks(execute=True):
        assert _send(client, ip="192.0.2.4", email="ander@example.be").status_code == 302
    assert ContactMessage.objects.filter(email="ander@example.be").count() == 1


def test_the_per_network_limit_answers_429_in_the_visitor_language(client, settings):
    settings.CONTACT_RATE_LIMIT_PER_ADDRESS = 10
    settings.CONTACT_RATE_LIMIT_PER_IP = 3
    assert _send(client, ip="192.0.2.9", email="a@example.be").status_code == 302
    assert _send(client, ip="192.0.2.9", email="b@example.be").status_code == 302
    assert _send(client, ip="192.0.2.9", email="c@example.be").status_code == 302
    limited = _send(client, ip="192.0.2.9", email="d@example.be", language="en")
    assert limited.status_code == 429 and limited["Retry-After"] == "3600"
    assert "try again in an hour" in limited.content.decode()
    assert "over een uur" in _send(client, ip="192.0.2.9", email="e@example.be").content.decode()
    assert ContactMessage.objects.count() == 3
    assert _send(client, ip="192.0.2.10", email="d@example.be").status_code == 302


def test_staff_mark_messages_handled(client):
    clerk = User.objects.create_user("clerk", "c@ilumen.be", "a-long-test-password", is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(content_type__app_label="contact"))
    message = ContactMessage.objects.create(name="n", email="e@example.be", subject="s", message="m", language="nl")
    client.force_login(clerk)
    listing = client.get("/en/admin/contact/contactmessage/").content.decode()
    assert "Contact message #" in listing
    client.post("/en/admin/contact/contactmessage/", {"action": "mark_handled", "_selected_action": [message.pk]})
    message.refresh_from_db()
    assert message.handled and message.handled_at and message.handled_by == clerk
    response = client.post(f"/en/admin/contact/contactmessage/{message.pk}/change/", {"handled": ""})
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.handled, message.handled_at, message.handled_by) == (False, None, None)
    # The admin's history never names the sender.
    from django.contrib.admin.models import LogEntry

    assert not LogEntry.objects.filter(object_repr__icontains="e@example.be").exists()
