"""Building one e-mail: multipart text + HTML, own Message-ID, links signed per recipient.

No tracking: links are written as they are, there is no pixel, nothing is rewritten.
"""

import functools
import quopri
import uuid
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from core.richtext import html_to_text, render_markdown
from core.validators import one_line
from newsletter.tokens import confirm_token_make, preferences_token_make, unsubscribe_token_make
from pages.selectors import company_profile


@dataclass(frozen=True)
class RenderedContent:
    """A campaign's content in one language, rendered once per batch, not per recipient."""

    language: str
    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    language: str
    uuid: uuid.UUID


def content_render(*, language: str, subject: str, body: str) -> RenderedContent:
    html = render_markdown(body).html
    return RenderedContent(language=language, subject=subject, html=html, text=html_to_text(html))


def mail_domain() -> str:
    return domain_of(settings.NEWSLETTER_FROM_EMAIL)


@functools.lru_cache(maxsize=8)  # asked for every message's Message-ID; parsing cost 4 % of a send
def domain_of(address: str) -> str:
    """The domain of a From address such as "iLumen <info@ilumen.be>"."""
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"


def message_id_make(kind: str) -> str:
    return f"<{kind}.{uuid.uuid4().hex}@{mail_domain()}>"


def site_url(view_name: str, language: str, **kwargs: str) -> str:
    """An absolute link to a page in the given language (links in e-mails must not depend on cookies)."""
    with translation.override(language):
        return settings.SITE_URL + reverse(view_name, kwargs=kwargs)


def confirm_url(nonce: uuid.UUID, language: str) -> str:
    return site_url("newsletter:confirm", language, token=confirm_token_make(nonce))


@dataclass(frozen=True)
class RawMessage:
    """A finished message: envelope addresses and the exact bytes (CRLF line ends) to send."""

    from_email: str
    to_email: str
    message_id: str
    subject: str
    text: str
    html: str
    data: bytes
    headers: dict

    def as_django(self) -> EmailMultiAlternatives:
        """For mail backends that are not SMTP (console, locmem, file)."""
        message = EmailMultiAlternatives(
            subject=self.subject, body=self.text, from_email=self.from_email, to=[self.headers["To"]],
            headers={k: v for k, v in self.headers.items() if k not in ("To", "From", "Subject")},
        )
        message.attach_alternative(self.html, "text/html")
        return message


# Stand-ins rendered into the templates once per batch, replaced per recipient.
_TOKEN = "TOKEN"  # noqa: S105 - a stand-in in link paths, replaced by each recipient's signed token
_NAME, _UNSUBSCRIBE, _PREFERENCES = "\x00name\x00", "\x00unsubscribe\x00", "\x00preferences\x00"


def _qp(text: str) -> bytes:
    body = quopri.encodestring(text.replace("\r\n", "\n").encode("utf-8"))
    return body.replace(b"\n", b"\r\n")


def _header(value: str) -> str:
    value = one_line(value)  # never a line break from the admin into a header
    if value.isascii():
        return value
    return Header(value, "utf-8").encode(linesep="\r\n")


def _ascii_address(email_address: str) -> str:
    local, _at, domain = email_address.rpartition("@")
    if not domain.isascii():
        domain = domain.encode("idna").decode("ascii")
    return f"{local}@{domain}"


def _mailbox(email_address: str, name: str = "") -> str:
    """A To header value. Both parts are made one line here, whatever was stored: a name saved
    before names were validated must not add header lines (a Bcc) to a campaign."""
    return formataddr((one_line(name), _ascii_address(one_line(email_address))), charset="utf-8")


class CampaignMessages:
    """Builds the messages of one campaign for one batch.

    The body templates are rendered once per language (with and without a name) around
    stand-ins; each recipient then costs a few string replacements, two signatures and the
    quoted-printable encoding. Building every message through Django's template engine
    and the email package took four times as long as sending it.
    """

    def __init__(
        self, *, contents: dict[str, RenderedContent], topic_id: int | None, topic_slug: str,
        topic_names: dict[str, str], subject_prefix: str = "",
    ) -> None:
        self.topic_id = topic_id
        self.subject_prefix = subject_prefix
        self.from_email = settings.NEWSLETTER_FROM_EMAIL
        self.from_header = _header(self.from_email)
        self.envelope_from = _ascii_address(parseaddr(self.from_email)[1])
        self.list_id = f"<{topic_slug}.{mail_domain()}>"
        self._parts: dict[tuple[str, bool], tuple[str, str]] = {}
        self._urls: dict[str, tuple[str, str]] = {}
        self.contents = contents
        company = company_profile()  # the sender's identity in every footer (Code of Economic Law book XII)
        for language, content in contents.items():
            self._urls[language] = (
                site_url("newsletter:unsubscribe", language, token=_TOKEN),
                site_url("newsletter:preferences", language, token=_TOKEN),
            )
            for named in (True, False):
                context = {
                    "content": content,
                    "recipient": {"name": _NAME if named else ""},
                    "topic_name": topic_names.get(language, ""),
                    "unsubscribe_url": _UNSUBSCRIBE,
                    "preferences_url": _PREFERENCES,
                    "site_url": settings.SITE_URL,
                    "language": content.language,
                    "company": company,
                }
                with translation.override(content.language):
                    self._parts[(language, named)] = (
                        render_to_string("newsletter/email/campaign.txt", context),
                        render_to_string("newsletter/email/campaign.html", context),
                    )

    def build(self, recipient: Recipient, message_id: str | None = None) -> RawMessage:
        language = recipient.language if recipient.language in self.contents else next(iter(self.contents))
        content = self.contents[language]
        name = one_line(recipient.name)
        text, html = self._parts[(language, bool(name))]
        unsubscribe_base, preferences_base = self._urls[language]
        unsubscribe = unsubscribe_base.replace(_TOKEN, unsubscribe_token_make(recipient.uuid, self.topic_id))
        preferences = preferences_base.replace(_TOKEN, preferences_token_make(recipient.uuid))
        text = text.replace(_UNSUBSCRIBE, unsubscribe).replace(_PREFERENCES, preferences)
        html = html.replace(_UNSUBSCRIBE, unsubscribe).replace(_PREFERENCES, preferences)
        if name:
            text = text.replace(_NAME, name)
            html = html.replace(_NAME, escape(name))
        subject = self.subject_prefix + content.subject
        message_id = message_id or message_id_make("c")
        headers = {
            "From": self.from_header,
            "To": _mailbox(recipient.email, name),
            "Subject": _header(subject),
            "Date": formatdate(localtime=True),
            "Message-ID": message_id,
            "List-Id": self.list_id,
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "MIME-Version": "1.0",
        }
        boundary = f"=_{uuid.uuid4().hex}"
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        data = b"".join([
            head.encode("ascii"),
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode("ascii"),
            f"--{boundary}\r\n".encode("ascii"),
            b'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
            _qp(text), b"\r\n",
            f"--{boundary}\r\n".encode("ascii"),
            b'Content-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
            _qp(html), b"\r\n",
            f"--{boundary}--\r\n".encode("ascii"),
        ])
        return RawMessage(
            from_email=self.envelope_from, to_email=_ascii_address(recipient.email), message_id=message_id,
            subject=subject, text=text, html=html, data=data, headers=headers,
        )


def campaign_message(
    *, content: RenderedContent, recipient: Recipient, topic_id: int | None, topic_slug: str, topic_name: str,
    message_id: str | None = None, subject_prefix: str = "",
) -> RawMessage:
    """One message on its own (previews, test sends): the same builder a batch uses."""
    builder = CampaignMessages(
        contents={content.language: content}, topic_id=topic_id, topic_slug=topic_slug,
        topic_names={content.language: topic_name}, subject_prefix=subject_prefix,
    )
    return builder.build(recipient, message_id)


def transactional_message(*, template: str, to_email: str, language: str, context: dict) -> EmailMultiAlternatives:
    """Mail someone asked for (a confirmation link, a data-request link): `<template>_subject.txt`,
    `<template>.txt` and `<template>.html`, rendered in the recipient's language."""
    context = {**context, "site_url": settings.SITE_URL, "language": language}
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to_email],
        headers={"Message-ID": message_id_make("t"), "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message
