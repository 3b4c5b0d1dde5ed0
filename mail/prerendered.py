"""One message rendered once and sent to many: the parts and headers are given with stand-ins
(`stand_in("name")`), and each recipient costs the filling-in of plain values, the
quoted-printable encoding and the header lines, not a template rendering.

Measured (docs/benchmarks.md, "Newsletter sending"): building every message through Django's
template engine and the email package took four times as long as sending it.

Header-safe whatever it is given: a header name is a valid field name and never one the
builder writes itself; static header values and per-recipient values must be one line (a line
break or any other control character is refused with ValueError, never written); text that
staff or visitors typed (the subject, display names) is made one line and encoded (RFC 2047)
instead, so that a stored name still gets its mail; anything not ASCII is encoded.
"""

import html as html_text
import quopri
import re
import uuid
from collections.abc import Mapping
from email.header import Header
from email.utils import parseaddr

from core.validators import is_one_line, one_line
from mail.messages import RawMessage, ascii_address, header_value, mailbox
from mail.throughput import date_header

# NUL never comes out of a template or out of text staff type (Django's form fields refuse it).
_STAND_IN = re.compile("\x00([a-z_]+)\x00")
# RFC 5322 field name: printable ASCII but the colon.
_FIELD_NAME = re.compile(r"[!-9;-~]+")
# The headers the builder writes itself: a second one of these would be an injected header.
_OWN_HEADERS = frozenset({
    "from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version", "content-type",
    "content-transfer-encoding",
})
_MESSAGE_ID = re.compile(r"<[!-;=?-~]+@[!-;=?-~]+>")
_ENVELOPE_ADDRESS = re.compile(r"[!-;=?-~]+@[!-;=?-~]+")  # printable ASCII without space, < and >
_LINE_LIMIT = 996  # RFC 5322 section 2.1.1: 998 characters a line, less ": "


def stand_in(name: str) -> str:
    """The mark a per-recipient value replaces, in a part or a header value."""
    if not re.fullmatch("[a-z_]+", name):
        raise ValueError(f"a stand-in name is lower-case letters and underscores: {name!r}")
    return f"\x00{name}\x00"


class _Filled:
    """A text split once around its stand-ins; filled in per recipient by one join."""

    def __init__(self, text: str) -> None:
        self.parts = _STAND_IN.split(text)  # literal, name, literal, name, …, literal
        self.names = frozenset(self.parts[1::2])

    def fill(self, values: Mapping[str, str]) -> str:
        if len(self.parts) == 1:
            return self.parts[0]
        parts = self.parts.copy()
        for index in range(1, len(parts), 2):
            parts[index] = values[parts[index]]
        return "".join(parts)


def _qp(text: str) -> bytes:
    body = quopri.encodestring(text.replace("\r\n", "\n").encode("utf-8"))
    return body.replace(b"\n", b"\r\n")


# A soft line break (RFC 2045 6.7): decoders join the lines around it as if it were not there.
_SOFT_BREAK = b"=\r\n"
_QP_LINE = 76  # characters an encoded line may have, a soft break's "=" included


def _qp_piece(text: str) -> bytes:
    """`_qp`, leaving its last line room for the "=" of a soft break after it."""
    body = _qp(text)
    start = body.rfind(b"\n") + 1
    if len(body) - start < _QP_LINE:
        return body
    cut = start + _QP_LINE - 1
    while b"=" in body[cut - 2:cut]:  # never inside an =XX escape
        cut -= 1
    return body[:cut] + _SOFT_BREAK + body[cut:]


class _Encoded:
    """A part's quoted-printable body, its text between stand-ins encoded once.

    Encoding the whole part for every recipient was the largest cost of a message once the
    layout's inlined CSS made the HTML part a few kilobytes (docs/benchmarks.md). Each piece
    is encoded on its own and the pieces are joined by soft line breaks, so every piece starts
    a new line and no line grows past the limit; the decoded part is the filled-in text exactly.
    """

    def __init__(self, filled: _Filled) -> None:
        self.pieces = [_qp_piece(piece) if index % 2 == 0 else piece for index, piece in enumerate(filled.parts)]

    def encode(self, values: Mapping[str, str]) -> bytes:
        if len(self.pieces) == 1:
            return self.pieces[0]
        pieces = self.pieces.copy()
        for index in range(1, len(pieces), 2):
            pieces[index] = _qp_piece(values[pieces[index]])
        return _SOFT_BREAK.join(pieces)


def _encoded(name: str, value: str) -> str:
    if not value.isascii():
        return Header(value, "utf-8").encode(linesep="\r\n")
    if len(name) + len(value) > _LINE_LIMIT:
        raise ValueError(f"the {name} header is longer than a line may be")
    return value


class PrerenderedMessage:
    """A multipart/alternative message (text and HTML) for many recipients.

    `text`, `html` and the values of `headers` may hold stand-ins; `build` fills them in from
    plain per-recipient values (HTML-escaped in the HTML part). `headers` are the headers
    beyond From, To, Subject, Date, Message-ID and MIME-Version (List-Unsubscribe, List-Id…).
    """

    def __init__(
        self, *, from_email: str, subject: str, text: str, html: str, headers: Mapping[str, str] | None = None,
    ) -> None:
        from_name, from_address = parseaddr(from_email)
        self.envelope_from = ascii_address(from_address)
        if not _ENVELOPE_ADDRESS.fullmatch(self.envelope_from):
            raise ValueError(f"not a sender address: {from_email!r}")
        self.from_email = from_email
        self.subject = one_line(subject)
        self._from = mailbox(from_address, from_name)
        self._subject = header_value(subject)
        self._text, self._html = _Filled(text), _Filled(html)
        self._text_body, self._html_body = _Encoded(self._text), _Encoded(self._html)
        # Each header's value: ready once here, or filled in per recipient when it holds a stand-in.
        self._headers: list[tuple[str, str | _Filled]] = []
        names = {*self._text.names, *self._html.names}
        for name, value in (headers or {}).items():
            if not _FIELD_NAME.fullmatch(name) or name.lower() in _OWN_HEADERS:
                raise ValueError(f"not a header the message may be given: {name!r}")
            if not is_one_line(_STAND_IN.sub("", value)):
                raise ValueError(f"the {name} header is not one line of text")
            filled = _Filled(value)
            names |= filled.names
            self._headers.append((name, filled if filled.names else _encoded(name, value)))
        self.names = frozenset(names)

    def build(
        self, *, to_email: str, message_id: str, values: Mapping[str, str] | None = None, to_name: str = "",
        envelope_sender: str = "",
    ) -> RawMessage:
        """The message for one recipient. Every value must be one line of text (ValueError
        otherwise); `to_name` is made one line and encoded, like every display name.
        `envelope_sender`: the SMTP MAIL FROM when it is not the From address (VERP)."""
        values = values or {}
        for key in self.names:
            value = values.get(key)
            if value is None:
                raise ValueError(f"no value for the stand-in {key!r}")
            if not value.isprintable() and not is_one_line(value):
                raise ValueError(f"the value for {key!r} is not one line of text")
        envelope_to = ascii_address(to_email)
        if not _ENVELOPE_ADDRESS.fullmatch(envelope_to):
            raise ValueError(f"not a recipient address: {to_email!r}")
        if envelope_sender:
            envelope_sender = ascii_address(envelope_sender)
            if not _ENVELOPE_ADDRESS.fullmatch(envelope_sender):
                raise ValueError(f"not an envelope sender: {envelope_sender!r}")
        if not _MESSAGE_ID.fullmatch(message_id):
            raise ValueError(f"not a Message-ID: {message_id!r}")
        text = self._text.fill(values)
        html_values = {key: html_text.escape(values[key]) for key in self._html.names}
        html = self._html.fill(html_values)
        headers = {
            "From": self._from,
            "To": mailbox(envelope_to, to_name),
            "Subject": self._subject,
            "Date": date_header(),
            "Message-ID": message_id,
            **{name: value if isinstance(value, str) else _encoded(name, value.fill(values))
               for name, value in self._headers},
            "MIME-Version": "1.0",
        }
        boundary = f"=_{uuid.uuid4().hex}"
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        data = b"".join([
            head.encode("ascii"),
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode("ascii"),
            f"--{boundary}\r\n".encode("ascii"),
            b'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
            self._text_body.encode(values), b"\r\n",
            f"--{boundary}\r\n".encode("ascii"),
            b'Content-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
            self._html_body.encode(html_values), b"\r\n",
            f"--{boundary}--\r\n".encode("ascii"),
        ])
        return RawMessage(
            from_email=self.envelope_from, to_email=envelope_to, message_id=message_id, subject=self.subject,
            text=text, html=html, data=data, headers=headers, envelope_sender=envelope_sender,
        )
