"""Building one e-mail: multipart text + HTML, own Message-ID, links signed per recipient.

No tracking: links are written as they are, there is no pixel, nothing is rewritten.
"""

import uuid
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from ilumen_site.richtext import html_to_text, render_markdown
from newsletter.tokens import confirm_token_make, subscriber_token_make


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
    return parseaddr(settings.NEWSLETTER_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"


def message_id_make(kind: str) -> str:
    return f"<{kind}.{uuid.uuid4().hex}@{mail_domain()}>"


def site_url(view_name: str, language: str, **kwargs: str) -> str:
    """An absolute link to a page in the given language (links in e-mails must not depend on cookies)."""
    with translation.override(language):
        return settings.SITE_URL + reverse(view_name, kwargs=kwargs)


def unsubscribe_url(recipient: Recipient, topic_id: int | None, language: str) -> str:
    return site_url("newsletter:unsubscribe", language, token=subscriber_token_make(recipient.uuid, topic_id))


def preferences_url(recipient: Recipient, language: str) -> str:
    return site_url("newsletter:preferences", language, token=subscriber_token_make(recipient.uuid))


def confirm_url(nonce: uuid.UUID, language: str) -> str:
    return site_url("newsletter:confirm", language, token=confirm_token_make(nonce))


def campaign_message(
    *, content: RenderedContent, recipient: Recipient, topic_id: int | None, topic_slug: str, topic_name: str,
    message_id: str | None = None, subject_prefix: str = "",
) -> EmailMultiAlternatives:
    language = content.language
    unsubscribe = unsubscribe_url(recipient, topic_id, language)
    context = {
        "content": content,
        "recipient": recipient,
        "topic_name": topic_name,
        "unsubscribe_url": unsubscribe,
        "preferences_url": preferences_url(recipient, language),
        "site_url": settings.SITE_URL,
        "language": language,
    }
    with translation.override(language):
        text = render_to_string("newsletter/email/campaign.txt", context)
        html = render_to_string("newsletter/email/campaign.html", context)
    message = EmailMultiAlternatives(
        subject=subject_prefix + content.subject,
        body=text,
        from_email=settings.NEWSLETTER_FROM_EMAIL,
        to=[_address(recipient)],
        headers={
            "Message-ID": message_id or message_id_make("c"),
            "List-Id": f"<{topic_slug}.{mail_domain()}>",
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


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


def _address(recipient: Recipient) -> str:
    if recipient.name:
        local, _at, domain = recipient.email.rpartition("@")
        return str(Address(display_name=recipient.name, username=local, domain=domain))
    return recipient.email
