"""mail's pre-rendered builder: whatever header values and per-recipient values it is given, no
header line can be added (a CR, LF or other control character is refused or encoded), text that
is not ASCII is encoded so that it reads back the same, and the stand-ins are filled in."""

import email
import email.policy
from email.utils import getaddresses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mail.prerendered import PrerenderedMessage, stand_in

UNSUBSCRIBE = stand_in("unsubscribe")
LINE_BREAKERS = ["\r\n", "\n", "\r", "\x00", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"]


def _message(**overrides) -> PrerenderedMessage:
    arguments = {
        "from_email": "iLumen <info@ilumen.be>", "subject": "Spring news",
        "text": f"Hello {stand_in('name')},\nUnsubscribe: {UNSUBSCRIBE}\n",
        "html": f"<p>Hello {stand_in('name')},</p><a href=\"{UNSUBSCRIBE}\">Unsubscribe</a>",
        "headers": {"List-Id": "<news.ilumen.be>", "List-Unsubscribe": f"<{UNSUBSCRIBE}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    }
    return PrerenderedMessage(**{**arguments, **overrides})


def _build(message: PrerenderedMessage, **overrides):
    arguments = {"to_email": "eve@example.com", "to_name": "Eve", "message_id": "<c1.d2@ilumen.be>",
                 "values": {"name": "Eve", "unsubscribe": "https://www.ilumen.be/en/newsletter/unsubscribe/t0k3n/"}}
    return message.build(**{**arguments, **overrides})


def _header_names(data: bytes) -> list[str]:
    head = data.split(b"\r\n\r\n", 1)[0]
    assert b"\r" not in head.replace(b"\r\n", b"") and b"\n" not in head.replace(b"\r\n", b"")
    lines = [line for line in head.split(b"\r\n") if not line.startswith((b" ", b"\t"))]  # not continuations
    return [line.split(b":", 1)[0].decode().lower() for line in lines]


def _parsed(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


EXPECTED_HEADERS = ["from", "to", "subject", "date", "message-id", "list-id", "list-unsubscribe",
                    "list-unsubscribe-post", "mime-version", "content-type"]


def test_the_stand_ins_are_filled_in_every_part_and_header():
    raw = _build(_message())
    parsed = _parsed(raw.data)
    assert _header_names(raw.data) == EXPECTED_HEADERS
    assert parsed["List-Unsubscribe"] == "<https://www.ilumen.be/en/newsletter/unsubscribe/t0k3n/>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed.get_body(("plain",)).get_content().splitlines() == [
        "Hello Eve,", "Unsubscribe: https://www.ilumen.be/en/newsletter/unsubscribe/t0k3n/",
    ]
    html = parsed.get_body(("html",)).get_content()
    assert '<a href="https://www.ilumen.be/en/newsletter/unsubscribe/t0k3n/">' in html
    assert (raw.from_email, raw.to_email, raw.message_id) == ("info@ilumen.be", "eve@example.com", "<c1.d2@ilumen.be>")


def test_a_value_is_escaped_in_the_html_part_only():
    raw = _build(_message(), values={"name": "<b>Eve & Co</b>", "unsubscribe": "https://x.example/u/"})
    assert "Hello <b>Eve & Co</b>," in raw.text
    assert "Hello &lt;b&gt;Eve &amp; Co&lt;/b&gt;," in raw.html


def test_a_missing_value_is_refused():
    with pytest.raises(ValueError, match="unsubscribe"):
        _build(_message(), values={"name": "Eve"})


@pytest.mark.parametrize("breaker", LINE_BREAKERS)
def test_a_per_recipient_value_that_breaks_a_line_is_refused(breaker):
    hostile = f"https://www.ilumen.be/u/{breaker}Bcc: attacker@evil.example"
    with pytest.raises(ValueError, match="one line"):
        _build(_message(), values={"name": "Eve", "unsubscribe": hostile})
    with pytest.raises(ValueError, match="one line"):
        _build(_message(), values={"name": f"Eve{breaker}Bcc: attacker@evil.example", "unsubscribe": "https://x/"})


@pytest.mark.parametrize("breaker", LINE_BREAKERS)
def test_a_header_value_that_breaks_a_line_is_refused(breaker):
    with pytest.raises(ValueError, match="List-Id"):
        _message(headers={"List-Id": f"<news.ilumen.be>{breaker}Bcc: attacker@evil.example"})


@pytest.mark.parametrize("name", ["To", "bcc", "Subject", "Content-Type", "MIME-Version", "X Bad", "X:Bad",
                                  "X-Bad\r\nBcc", "", "Émoji"])
def test_a_header_the_builder_writes_or_no_valid_field_name_is_refused(name):
    with pytest.raises(ValueError, match="header"):
        _message(headers={name: "value"})


@pytest.mark.parametrize("to_email", ["eve@example.com\r\nBcc: attacker@evil.example", "eve @example.com",
                                      "<eve@example.com>", "eve", "eve@example.com\x00"])
def test_a_recipient_address_that_is_not_one_address_is_refused(to_email):
    with pytest.raises(ValueError, match="recipient"):
        _build(_message(), to_email=to_email)


@pytest.mark.parametrize("message_id", ["<c1@ilumen.be>\r\nBcc: attacker@evil.example", "c1@ilumen.be", "<c 1@x>"])
def test_a_message_id_that_is_not_one_is_refused(message_id):
    with pytest.raises(ValueError, match="Message-ID"):
        _build(_message(), message_id=message_id)


def test_a_header_longer_than_a_line_is_refused():
    with pytest.raises(ValueError, match="longer than a line"):
        _build(_message(), values={"name": "Eve", "unsubscribe": "https://x.example/" + "a" * 1000})


@pytest.mark.parametrize("breaker", LINE_BREAKERS)
def test_typed_text_in_the_subject_and_display_name_is_made_one_line_not_refused(breaker):
    hostile = f"News{breaker}Bcc: attacker@evil.example{breaker}{breaker}X-Injected: yes"
    raw = _build(_message(subject=hostile), to_name=hostile)
    assert _header_names(raw.data) == EXPECTED_HEADERS
    parsed = _parsed(raw.data)
    assert parsed.get_all("Bcc") is None and parsed.get_all("X-Injected") is None
    assert "Bcc: attacker@evil.example" in parsed["Subject"]
    [(display, address)] = getaddresses(parsed.get_all("To"))
    assert address == "eve@example.com" and "Bcc: attacker@evil.example" in display


def test_text_that_is_not_ascii_is_encoded_and_reads_back_the_same():
    message = _message(from_email="Énergie Ïlumen <info@ilumen.be>", subject="Lentenieuws: zonnepanelen €",
                       headers={"List-Unsubscribe": f"<{UNSUBSCRIBE}>", "X-Topic": "Énergie"})
    raw = _build(message, to_email="zoe@bücher.example", to_name="Zoë Dupré",
                 values={"name": "Zoë", "unsubscribe": "https://www.ilumen.be/u/t/"})
    raw.data.decode("ascii")  # every header encoded, both parts quoted-printable
    parsed = _parsed(raw.data)
    assert parsed["Subject"] == "Lentenieuws: zonnepanelen €"
    assert parsed["X-Topic"] == "Énergie"
    # A display name is encoded on its own; the address stays a plain address (RFC 2047 section 5).
    assert (parsed["From"].addresses[0].display_name, parsed["From"].addresses[0].addr_spec) == (
        "Énergie Ïlumen", "info@ilumen.be"
    )
    assert (parsed["To"].addresses[0].display_name, parsed["To"].addresses[0].addr_spec) == (
        "Zoë Dupré", "zoe@xn--bcher-kva.example"
    )
    assert raw.to_email == "zoe@xn--bcher-kva.example"
    assert parsed.get_body(("plain",)).get_content().startswith("Hello Zoë,")


@given(
    subject=st.text(max_size=80), to_name=st.text(max_size=80), value=st.text(max_size=80),
    header=st.text(max_size=80),
)
def test_whatever_it_is_given_the_header_section_holds_exactly_its_own_headers(subject, to_name, value, header):
    try:
        message = _message(subject=subject, headers={"List-Id": header, "List-Unsubscribe": f"<{UNSUBSCRIBE}>"})
        raw = _build(message, to_name=to_name, values={"name": "Eve", "unsubscribe": value})
    except ValueError:
        return  # refused: nothing was written
    assert _header_names(raw.data) == ["from", "to", "subject", "date", "message-id", "list-id", "list-unsubscribe",
                                       "mime-version", "content-type"]
    parsed = _parsed(raw.data)
    assert [address.addr_spec for address in parsed["To"].addresses] == ["eve@example.com"]
    assert parsed.get_content_type() == "multipart/alternative"


def test_the_date_header_is_the_time_of_building_to_the_second():
    import datetime
    from email.utils import parsedate_to_datetime

    import time_machine

    for moment in ("2026-03-29 00:59:59.5 +00:00", "2026-03-29 01:00:00 +00:00", "2026-12-01 09:30:00 +00:00"):
        with time_machine.travel(moment, tick=False):
            now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
            assert parsedate_to_datetime(_parsed(_build(_message()).data)["Date"]) == now
