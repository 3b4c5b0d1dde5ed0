"""The synthetic bounce, complaint and auto-reply samples in tests/mail/samples/: messages as Gmail,
Outlook (Exchange Online), Exim, Postfix and the Yahoo and Microsoft feedback loops write them, with
%VERP% standing for the address the report was delivered to and %MSGID% for the Message-ID of
the message it is about."""

from pathlib import Path

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str, *, verp: str = "", message_id: str = "") -> bytes:
    raw = (SAMPLES / f"{name}.eml").read_bytes()
    return raw.replace(b"%VERP%", verp.encode()).replace(b"%MSGID%", message_id.encode())
