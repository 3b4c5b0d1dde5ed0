"""Building messages: transactional mail from a template triple on Django's EmailMultiAlternatives,
and the header pieces every message uses (the bulk builder is mail/prerendered.py).
"""

import uuid
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation

from core.validators import one_line
from mail.layout import css_inline_html, layout_context
from mail.throughput import domain_of


def message_id_make(kind: str, *, from_email: str) -> str:
    """A Message-ID in the domain of the message's From address."""
    return f"<{kind}.{uuid.uuid4().hex}@{domain_of(from_email)}>"


@dataclass(frozen=True)
class RawMessage:
    """A finished message: envelope addresses and the exact bytes (CRLF line ends) to send.

    `from_email` is the From address; `envelope_sender`, when given, replaces it as the SMTP
    MAIL FROM (a VERP address, mail/verp.py, where bounces go)."""

    from_email: str
    to_email: str
    message_id: str
    subject: str
    text: str
    html: str
    data: bytes
    headers: dict
    envelope_sender: str = ""

    def as_django(self) -> EmailMultiAlternatives:
        """For mail backends that are not SMTP (console, locmem, file)."""
        message = EmailMultiAlternatives(
            subject=self.subject, body=self.text, from_email=self.from_email, to=[self.headers["To"]],
            # Django writes its own MIME-Version: a second one makes the email package refuse the message.
            headers={k: v for k, v in self.headers.items() if k not in ("To", "From", "Subject", "MIME-Version")},
        )
        message.attach_alternative(self.html, "text/html")
        return message


def header_value(value: str) -> str:
    """One header line, encoded when not ASCII: never a line break from stored text into a header."""
    value = one_line(value)
    if value.isascii():
        return value
    return Header(value, "utf-8").encode(linesep="\r\n")


def ascii_address(email_address: str) -> str:
    """An envelope address with its domain in IDNA."""
    local, _at, domain = email_address.rpartition("@")
    if not domain.isascii():
        domain = domain.encode("idna").decode("ascii")
    return f"{local}@{domain}"


def mailbox(email_address: str, name: str = "") -> str:
    """A To header value. Both parts are made one line here, whatever was stored: a name saved
    before names were validated must not add header lines (a Bcc)."""
    return formataddr((one_line(name), ascii_address(one_line(email_address))), charset="utf-8")


def transactional_message(
    *, template: str, to_email: str, language: str, context: dict, reply_to: str = ""
) -> EmailMultiAlternatives:
    """Mail the site sends one person (a confirmation link, a data-request link, a contact-form
    forward): `<template>_subject.txt`, `<template>.txt` and `<template>.html`, rendered in
    `language`. Without an HTML template the message is plain text only (a forward of what a
    visitor typed). The HTML template extends mail's layout (mail/layout.py), without promotion."""
    with translation.override(language):
        context = {**context, **layout_context(), "language": language}
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        try:
            html = css_inline_html(render_to_string(f"{template}.html", context))
        except TemplateDoesNotExist:
            html = None
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to_email],
        reply_to=[reply_to] if reply_to else None,
        headers={
            "Message-ID": message_id_make("t", from_email=settings.DEFAULT_FROM_EMAIL),
            "Auto-Submitted": "auto-generated",
        },
    )
    if html is not None:
        message.attach_alternative(html, "text/html")
    return message
