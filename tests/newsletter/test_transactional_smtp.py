"""Every kind of transactional e-mail leaves through a real SMTP server on loopback, as it does in
production, not only through Django's in-memory backend (the contact forward: tests/contact)."""

import datetime
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from core import retention
from mail.services import outbox_deliver
from newsletter.models import ConsentProof, Topic
from newsletter.services.subscriptions import ConsentShown, subscription_confirm, subscription_request

from .conftest import SmtpServer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://testserver"


def _received_by(server: SmtpServer, address: str):
    outbox_deliver(limit=50)
    [received] = server.to(address)
    assert received.mail_from, "no envelope sender"
    return received.message


def _link(message, pattern: str) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"http://testserver(/\S*" + pattern + r"\S*)", text)
    assert found, text
    return found.group(1)


@pytest.mark.parametrize(("language", "subject_word"), [("nl", "bevestig"), ("en", "confirm")])
def test_the_confirmation_request(smtp_mail, language, subject_word):
    topic = Topic.objects.get(slug="newsletter")
    data = {"email": "ann@example.com", "name": "Ann", "language": language, "topics": [topic.pk], "consent": "on"}
    assert Client(headers={"Sec-Fetch-Site": "same-origin"}).post(f"/{language}/newsletter/", data).status_code == 302
    message = _received_by(smtp_mail, "ann@example.com")
    assert subject_word in message["Subject"].casefold()
    assert message["To"] == "ann@example.com" or "ann@example.com" in message["To"]
    confirm = _link(message, "/newsletter/confirm/")
    assert Client().get(confirm).status_code == 200


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_my_data_link(smtp_mail, language):
    assert Client().post(f"/{language}/privacy/my-data/", {"email": "bert@example.com"}).status_code == 302
    message = _received_by(smtp_mail, "bert@example.com")
    opened = Client().post(_link(message, "/my-data/open/"))
    assert opened.status_code == 302
    assert opened["Location"] == f"/{language}/privacy/my-data/view/"


def test_the_inactivity_warning(smtp_mail, settings):
    topic = Topic.objects.get(slug="newsletter")
    long_ago = timezone.now() - datetime.timedelta(days=settings.INACTIVE_PROFILE_DAYS - 10)
    with time_machine.travel(long_ago, tick=False):
        subscription_request(email="sleeper@example.org", name="Sam", language="nl", topics=[topic],
                             consent=ConsentShown("text", "1"), source="/nl/newsletter/", ip=None)
        subscription_confirm(nonce=ConsentProof.objects.get(subscriber__email="sleeper@example.org").nonce)
        outbox_deliver(limit=50)  # the confirmation request of back then
    smtp_mail.received.clear()
    [rule] = [rule for rule in retention.rules() if rule.key == "inactive_profiles"]
    assert retention.rule_run(rule)["inactive profiles warned"] == 1
    message = _received_by(smtp_mail, "sleeper@example.org")
    stay = _link(message, "/my-data/stay/")
    assert stay.startswith("/nl/")
    assert Client().get(stay).status_code == 200
