"""The campaign builder: whatever name is stored (even one saved before names were validated),
the message it produces has one To header and no header lines the name brought in; and every
campaign message names its sender (legal name and form, enterprise number, register, office)."""

import email
import email.policy
import uuid
from email.utils import getaddresses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsletter.messages import CampaignMessages, Recipient, content_render, topic_list
from pages.models import CompanyProfile

from .factories import campaign_sending, campaign_with_content, confirmed_subscriber, send_all

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = [
    "Eve\r\nBcc: attacker@evil.example\r\nX-Injected: yes",
    "Eve\nBcc: attacker@evil.example\nX-Injected: yes",
    "Eve\rBcc: attacker@evil.example\rX-Injected: yes",
    "Ève\r\nBcc: attacker@evil.example\r\nX-Injected: yes",  # not ASCII: an encoded word
    "Eve\u2028Bcc: attacker@evil.example\u2029X-Injected: yes",
    "Eve\x00\x0bBcc: attacker@evil.example\x0cX-Injected: yes",
    "\r\n\r\nBcc: attacker@evil.example",  # an empty line would end the header section
]


@pytest.fixture
def builder(topic) -> CampaignMessages:
    content = content_render(language="en", subject="Spring news", body="Our **new** battery.")
    return CampaignMessages(contents={"en": content}, topics=topic_list([topic]))


def _parsed(builder: CampaignMessages, name: str) -> email.message.EmailMessage:
    message = builder.build(Recipient(email="eve@example.com", name=name, language="en", uuid=uuid.uuid4()))
    return email.message_from_bytes(message.data, policy=email.policy.default)


def _header_lines(data: bytes) -> list[bytes]:
    head = data.split(b"\r\n\r\n", 1)[0]
    return [line for line in head.split(b"\r\n") if not line.startswith((b" ", b"\t"))]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_stored_name_cannot_add_headers(builder, name):
    message = builder.build(Recipient(email="eve@example.com", name=name, language="en", uuid=uuid.uuid4()))
    head = message.data.split(b"\r\n\r\n", 1)[0]
    assert b"\n" not in head.replace(b"\r\n", b"") and b"\r" not in head.replace(b"\r\n", b"")
    names = [line.split(b":", 1)[0].lower() for line in _header_lines(message.data)]
    assert names.count(b"to") == 1 and b"bcc" not in names and b"x-injected" not in names

    parsed = email.message_from_bytes(message.data, policy=email.policy.default)
    assert len(parsed.get_all("To")) == 1 and parsed.get_all("Bcc") is None and parsed.get_all("X-Injected") is None
    [(display, address)] = getaddresses(parsed.get_all("To"))
    assert address == "eve@example.com"
    assert "Bcc: attacker@evil.example" in display  # kept as text on one line, not dropped or split
    # The greeting uses the same one-line name.
    greeting = parsed.get_body(("plain",)).get_content().splitlines()[0]
    assert greeting.startswith("Hello ") and "Bcc: attacker@evil.example" in greeting


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=200))
def test_any_name_gives_one_to_header_and_nothing_else(builder, name):
    parsed = _parsed(builder, name + "\r\nBcc: attacker@evil.example")
    assert len(parsed.get_all("To")) == 1
    assert parsed.get_all("Bcc") is None
    assert [address for _display, address in getaddresses(parsed.get_all("To"))] == ["eve@example.com"]
    assert parsed.get_content_type() == "multipart/alternative"


# --- The sender's identity (Code of Companies and Associations art. 2:20, Code of Economic Law book XII) ---

IDENTITY = {"legal_form": "NV", "enterprise_number": "0123.456.749",
            "register_court": "RPR Antwerpen, afdeling Hasselt", "vat_number": "BE 0123.456.749"}
LABELS = {"nl": ("Ondernemingsnummer 0123.456.749, RPR Antwerpen, afdeling Hasselt", "Maatschappelijke zetel",
                 "België", "Btw-nummer BE 0123.456.749"),
          "en": ("Enterprise number 0123.456.749, RPR Antwerpen, afdeling Hasselt", "Registered office",
                 "Belgium", "VAT number BE 0123.456.749")}


@pytest.fixture
def company(db) -> CompanyProfile:
    profile = CompanyProfile.objects.get()
    for field, value in IDENTITY.items():
        setattr(profile, field, value)
    profile.save()
    return profile


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_campaign_message_names_the_sender_in_both_parts(smtp_mail, topic, company, language):
    confirmed_subscriber("ann@example.com", topic, language=language, name="Ann")
    confirmed_subscriber("bob@example.com", topic, language=language)
    send_all(campaign_sending(campaign_with_content(topic)))

    assert len(smtp_mail.received) == 2
    for received in smtp_mail.received:
        message = received.message
        for part in (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()):
            part = " ".join(part.split())
            assert "iLumen NV" in part
            assert "Ambachtsstraat 19, Poort West-Limburg 1060, B-3980 Tessenderlo" in part
            for label in LABELS[language]:
                assert label in part


def test_a_profile_with_only_the_required_fields_still_builds_every_message(builder_for, topic, company):
    for field in [*IDENTITY, "street_extra"]:
        setattr(company, field, "")
    company.save()
    text = builder_for("en").build(_eve()).text
    assert "iLumen · Registered office: Ambachtsstraat 19, B-3980 Tessenderlo, Belgium" in text
    assert "Enterprise number" not in text and "VAT" not in text and "None" not in text


def test_without_a_company_profile_messages_are_still_built(builder_for, topic):
    CompanyProfile.objects.all().delete()
    message = builder_for("nl").build(_eve())
    assert "Uitschrijven" in message.text and "Maatschappelijke zetel" not in message.text


@pytest.fixture
def builder_for(topic):
    def make(language: str) -> CampaignMessages:
        content = content_render(language=language, subject="News", body="News.")
        return CampaignMessages(contents={language: content}, topics=topic_list([topic]))

    return make


def _eve() -> Recipient:
    return Recipient(email="eve@example.com", name="Eve", language="en", uuid=uuid.uuid4())


def test_an_address_the_builder_refuses_fails_its_delivery_and_the_batch_goes_on(smtp_mail, topic):
    """An address stored unchecked (an old import) that would break the envelope or a header."""
    confirmed_subscriber("ann@example.com", topic)
    confirmed_subscriber("eve@example.com\r\nbcc: attacker@evil.example", topic)
    confirmed_subscriber("zed@example.com", topic)
    campaign = campaign_sending(campaign_with_content(topic))
    send_all(campaign)

    assert sorted(received.rcpt for received in smtp_mail.received) == ["ann@example.com", "zed@example.com"]
    refused = campaign.deliveries.get(subscriber__email__startswith="eve@")
    assert refused.status == "failed" and refused.last_error.startswith("not sent: not a recipient address")
