"""The pre-rendered builder encodes the text between stand-ins once and each recipient's values
on their own: whatever the text and the values, each part decodes to the filled-in text exactly,
and no encoded line is longer than quoted-printable allows (76 characters)."""

import email
import email.policy
import quopri

from hypothesis import given, settings
from hypothesis import strategies as st

from mail.prerendered import PrerenderedMessage, stand_in

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=300)
VALUE = st.text(max_size=120).filter(str.isprintable)  # what the builder takes as a value


def _bodies(data: bytes) -> list[bytes]:
    """The raw (still encoded) bodies of the two parts."""
    parts = email.message_from_bytes(data, policy=email.policy.default).iter_parts()
    return [part.get_payload(decode=False).encode("ascii") for part in parts]


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(TEXT, min_size=1, max_size=4), value=VALUE, other=VALUE)
def test_each_part_decodes_to_the_filled_in_text(pieces, value, other):
    marks = [stand_in("one"), stand_in("two")]
    template = "".join(piece + (marks[index % 2] if index < len(pieces) - 1 else "")
                       for index, piece in enumerate(pieces))
    message = PrerenderedMessage(from_email="info@ilumen.be", subject="S", text=template, html=f"<p>{template}</p>")
    built = message.build(to_email="eve@example.com", message_id="<c1@ilumen.be>",
                          values={"one": value, "two": other})
    text_body, html_body = _bodies(built.data)
    for body, expected in ((text_body, built.text), (html_body, built.html)):
        assert quopri.decodestring(body).decode("utf-8") == expected.replace("\r\n", "\n").replace("\n", "\r\n")
        assert all(len(line) <= 76 for line in body.split(b"\r\n"))
    assert built.text == template.replace(marks[0], value).replace(marks[1], other)
