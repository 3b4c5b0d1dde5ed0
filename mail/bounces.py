"""Reading one message of the bounce mailbox: a bounce, a spam complaint, or something to ignore.

In order: a delivery-status notification (RFC 3464, multipart/report; report-type=delivery-status)
is read field by field with the standard library; a complaint report (ARF, RFC 5965,
report-type=feedback-report) likewise; a bounce in one of the common non-standard formats (Exim's
X-Failed-Recipients, qmail, old Exchange…) by flufl.bounce's detectors; an auto-reply (RFC 3834,
vacation headers) is ignored. Bounces often carry Auto-Submitted themselves, hence that order.

The result is plain values; which message a report is about is the caller's business, through the
VERP key (the signed address the report was delivered to) or the Message-ID it quotes.
"""

import email
import email.message
import email.parser
import email.policy
import email.utils
import re
from dataclasses import dataclass

from flufl.bounce import all_failures

from mail.verp import verp_read

HARD, SOFT, COMPLAINT, IGNORED = "hard", "soft", "complaint", "ignored"
# Where a report says which of our addresses it was delivered to (the VERP envelope sender).
_DELIVERED_TO = ("Delivered-To", "X-Original-To", "Envelope-To", "To")
_STATUS = re.compile(r"\b([245])\.\d{1,3}\.\d{1,3}\b")
_QUOTED_MESSAGE_ID = re.compile(r"^Message-ID:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
# Feedback types that are a person's complaint (not-spam, virus, auth-failure… are not).
_COMPLAINT_TYPES = {"abuse", "fraud"}
_DIAGNOSTIC_MAX = 500


class _Lenient(email.policy.Compat32):
    """compat32, which reads whatever arrives, but with every header as text: compat32 gives an
    undecodable one as a Header object, on which flufl.bounce's detectors fail, and the default
    policy's address parser fails on some malformed headers."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        return str(super().header_fetch_parse(name, value))


_POLICY = _Lenient()


class BounceUnreadable(Exception):
    """The message is none of the kinds we read (or lacks what its kind needs): a person should look."""


@dataclass(frozen=True)
class BounceRecipient:
    """One failed recipient, or the person who complained (address empty when the report redacts it)."""

    address: str
    kind: str
    status: str = ""
    diagnostic: str = ""


@dataclass(frozen=True)
class BounceReport:
    kind: str  # HARD (some recipient failed for good), SOFT, COMPLAINT or IGNORED
    recipients: tuple[BounceRecipient, ...] = ()
    verp_key: str | None = None
    message_id: str = ""  # of the message it is about, as quoted
    note: str = ""  # why it was ignored


def bounce_parse(*, raw: bytes) -> BounceReport:
    """What one received message reports; raises BounceUnreadable for anything else."""
    message = email.message_from_bytes(raw, policy=_POLICY)
    report_type = message.get_param("report-type", "", header="content-type")
    report_type = report_type.lower() if isinstance(report_type, str) else ""
    if message.get_content_type() == "multipart/report" and report_type == "delivery-status":
        return _delivery_status(message)
    if message.get_content_type() == "multipart/report" and report_type == "feedback-report":
        return _feedback_report(message)
    return _non_standard(message)


def _text(part: email.message.Message) -> str:
    payload = part.get_payload(decode=True) or b""
    try:
        return payload.decode(part.get_content_charset() or "utf-8", "replace")
    except LookupError:  # a charset Python does not know: the status code and addresses are ASCII
        return payload.decode("utf-8", "replace")


def _clean(value: object) -> str:
    return " ".join(str(value or "").split())


def _address(value: object) -> str:
    """The address of a field such as Final-Recipient: "rfc822; <ann@example.com>"."""
    text = _clean(value)
    if ";" in text:
        address_type, _semicolon, text = text.partition(";")
        if address_type.strip().lower() != "rfc822":
            return ""
    return text.strip().strip("<>").strip()


def _verp_key(message: email.message.Message, quoted: email.message.Message | None) -> str | None:
    candidates = [value for field in _DELIVERED_TO for value in message.get_all(field, [])]
    if quoted is not None:  # a feedback loop writes to its own address; the quoted message keeps ours
        candidates += quoted.get_all("Return-Path", [])
    for value in candidates:
        for _name, address in email.utils.getaddresses([str(value)]):
            if address and (key := verp_read(address=address)):
                return key
    return None


def _quoted_headers(message: email.message.Message) -> email.message.Message | None:
    """The headers of the returned message (message/rfc822 or text/rfc822-headers)."""
    for part in message.walk():
        if part.get_content_type() == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                return payload[0]
        if part.get_content_type() == "text/rfc822-headers":
            text = part.get_payload(decode=True) or b""
            return email.parser.BytesHeaderParser(policy=_POLICY).parsebytes(text)
    return None


def _message_id(quoted: email.message.Message | None) -> str:
    return _clean(quoted.get("Message-ID", "")) if quoted is not None else ""


def _delivery_status(message: email.message.Message) -> BounceReport:
    parts = [part for part in message.walk() if part.get_content_type() == "message/delivery-status"]
    if not parts:
        raise BounceUnreadable("a delivery report without its message/delivery-status part")
    recipients = []
    for part in parts:
        blocks = part.get_payload()
        for fields in blocks[1:] if isinstance(blocks, list) else ():  # the first block is per message
            action = _clean(fields.get("Action")).lower()
            if action != "failed":
                continue  # delayed, delivered, relayed, expanded: not a bounce
            address = _address(fields.get("Final-Recipient")) or _address(fields.get("Original-Recipient"))
            status = _STATUS.search(_clean(fields.get("Status")))
            recipients.append(BounceRecipient(
                address=address,
                kind=SOFT if status and status[1] == "4" else HARD,
                status=status[0] if status else "",
                diagnostic=_clean(fields.get("Diagnostic-Code"))[:_DIAGNOSTIC_MAX],
            ))
    quoted = _quoted_headers(message)
    references = {"verp_key": _verp_key(message, quoted), "message_id": _message_id(quoted)}
    if not recipients:
        return BounceReport(kind=IGNORED, note="no failed recipient (a delay or success notice)", **references)
    if not all(recipient.address for recipient in recipients):
        raise BounceUnreadable("a failed recipient without an address")
    kind = HARD if any(recipient.kind == HARD for recipient in recipients) else SOFT
    return BounceReport(kind=kind, recipients=tuple(recipients), **references)


def _redacted(address: str) -> bool:
    local, at, domain = address.rpartition("@")
    return not at or not local or not domain or "redacted" in address.lower() or set(local.lower()) <= {"x", "*"}


def _feedback_report(message: email.message.Message) -> BounceReport:
    part = next((p for p in message.walk() if p.get_content_type() == "message/feedback-report"), None)
    if part is None:
        raise BounceUnreadable("a feedback report without its message/feedback-report part")
    # Parsed as what it is, a block of header fields (the email package leaves it as text).
    payload = part.get_payload()
    if isinstance(payload, list):  # some parsers split it like message/delivery-status
        fields = payload[0] if payload else email.message.Message()
    else:
        fields = email.parser.BytesHeaderParser(policy=_POLICY).parsebytes(part.get_payload(decode=True) or b"")
    feedback_type = _clean(fields.get("Feedback-Type")).lower()
    if not feedback_type:
        raise BounceUnreadable("a feedback report without a Feedback-Type")
    quoted = _quoted_headers(message)
    references = {"verp_key": _verp_key(message, quoted), "message_id": _message_id(quoted)}
    if feedback_type not in _COMPLAINT_TYPES:
        return BounceReport(kind=IGNORED, note=f"feedback type {feedback_type[:30]}", **references)
    address = _address(fields.get("Original-Rcpt-To"))
    if not address and quoted is not None:
        address = next((a for _n, a in email.utils.getaddresses(quoted.get_all("To", []))), "")
    recipient = BounceRecipient(
        address="" if _redacted(address) else address, kind=COMPLAINT, diagnostic=f"Feedback-Type: {feedback_type}",
    )
    return BounceReport(kind=COMPLAINT, recipients=(recipient,), **references)


def _auto_reply(message: email.message.Message) -> bool:
    """RFC 3834's Auto-Submitted: auto-replied, and the headers vacation programs used before it."""
    return (
        _clean(message.get("Auto-Submitted")).lower().startswith("auto-replied")
        or bool(message.get("X-Autoreply") or message.get("X-Autorespond"))
        or _clean(message.get("Precedence")).lower() == "auto_reply"
    )


def _first_status_line(message: email.message.Message) -> tuple[str, str]:
    """The first enhanced status code in the human-readable text, and its line, as the reason."""
    for part in message.walk():
        if part.get_content_type() != "text/plain":
            continue
        for line in _text(part).splitlines():
            if match := _STATUS.search(line):
                return match[0], _clean(line)[:_DIAGNOSTIC_MAX]
    return "", ""


def _body_message_id(message: email.message.Message) -> str:
    """A Message-ID header quoted in the text, as non-standard bounces copy the message inline."""
    for part in message.walk():
        if part.get_content_maintype() == "text" and (match := _QUOTED_MESSAGE_ID.search(_text(part))):
            return match[1]
    return ""


def _non_standard(message: email.message.Message) -> BounceReport:
    temporary, permanent = all_failures(message)
    quoted = _quoted_headers(message)
    references = {
        "verp_key": _verp_key(message, quoted),
        "message_id": _message_id(quoted) or _body_message_id(message),
    }
    if not temporary and not permanent:
        if _auto_reply(message):
            return BounceReport(kind=IGNORED, note="auto-reply", **references)
        raise BounceUnreadable("neither a bounce, a complaint nor an auto-reply")
    status, diagnostic = _first_status_line(message)
    recipients = [
        BounceRecipient(address=address.decode("ascii"), kind=kind, status=status, diagnostic=diagnostic)
        for kind, addresses in ((HARD, permanent), (SOFT, temporary)) for address in sorted(addresses)
    ]
    return BounceReport(kind=HARD if permanent else SOFT, recipients=tuple(recipients), **references)
