"""The campaign builder: whatever name is stored (even one saved before names were validated),
the message it produces has one To header and no header lines the name brought in."""

import email
import email.policy
import uuid
from email.utils import getaddresses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsletter.messages import CampaignMessages, Recipient, content_render

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
    return CampaignMessages(contents={"en": content}, topic_id=topic.pk, topic_slug=topic.slug,
                            topic_names={"en": "Newsletter"})


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
