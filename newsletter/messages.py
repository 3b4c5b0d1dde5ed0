"""Building one e-mail: multipart text + HTML, own Message-ID, links signed per recipient.

No tracking: links are written as they are, there is no pixel, nothing is rewritten.
"""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from core.richtext import html_to_text, render_markdown
from core.validators import one_line
from mail.layout import css_inline_html, layout_context
from mail.messages import RawMessage, message_id_make
from mail.prerendered import PrerenderedMessage, stand_in
from mail.throughput import domain_of
from newsletter.models import CampaignContent
from newsletter.tokens import confirm_token_make, preferences_token_make, unsubscribe_token_make


@dataclass(frozen=True)
class RenderedContent:
    """A campaign's content in one language, rendered once per batch, not per recipient."""

    language: str
    subject: str
    html: str
    text: str
    preheader: str = ""


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    language: str
    uuid: uuid.UUID


def content_render(*, language: str, subject: str, body: str, preheader: str = "", text: str = "") -> RenderedContent:
    """A campaign's content in one language: the body's HTML, and as plain text the `text`
    staff wrote for it, or else the one made from the HTML."""
    html = render_markdown(body, images=True).html
    return RenderedContent(language=language, subject=subject, html=html, text=text.strip() or html_to_text(html),
                           preheader=one_line(preheader))


def campaign_content_render(*, content: CampaignContent) -> RenderedContent:
    """content_render of a stored content: what sending, test sends and previews show."""
    return content_render(language=content.language, subject=content.subject, body=content.body,
                          preheader=content.preheader, text=content.text)


def site_url(view_name: str, language: str, **kwargs: str) -> str:
    """An absolute link to a page in the given language (links in e-mails must not depend on cookies)."""
    with translation.override(language):
        return settings.SITE_URL + reverse(view_name, kwargs=kwargs)


def confirm_url(nonce: uuid.UUID, language: str) -> str:
    return site_url("newsletter:confirm", language, token=confirm_token_make(nonce))


# Stand-in in link paths, replaced by each recipient's signed token.
_TOKEN = "TOKEN"  # noqa: S105 - not a secret
_GREETING, _UNSUBSCRIBE, _PREFERENCES = stand_in("greeting"), stand_in("unsubscribe"), stand_in("preferences")


class CampaignMessages:
    """Builds the messages of one campaign for one batch, on mail's pre-rendered builder.

    The body templates are rendered, and the HTML's CSS inlined (mail.layout), once per
    language; each recipient then costs the greeting, the signed links and mail's filling-in.
    """

    def __init__(
        self, *, contents: dict[str, RenderedContent], topic_id: int | None, topic_slug: str,
        topic_names: dict[str, str], subject_prefix: str = "",
    ) -> None:
        self.topic_id = topic_id
        self.contents = contents
        self._messages: dict[str, PrerenderedMessage] = {}
        self._urls: dict[str, tuple[str, str]] = {}
        self._greetings: dict[str, tuple[str, str]] = {}  # per language: with a name (%(name)s), without
        headers = {
            "List-Id": f"<{topic_slug}.{domain_of(settings.NEWSLETTER_FROM_EMAIL)}>",
            "List-Unsubscribe": f"<{_UNSUBSCRIBE}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        for language, content in contents.items():
            self._urls[language] = (
                site_url("newsletter:unsubscribe", language, token=_TOKEN),
                site_url("newsletter:preferences", language, token=_TOKEN),
            )
            with translation.override(content.language):
                # The texts of {% blocktranslate %}Hello {{ name }},{% endblocktranslate %} in the other e-mails.
                self._greetings[language] = (gettext("Hello %(name)s,"), gettext("Hello,"))
                context = {
                    **layout_context(),  # logo, colours, the sender's identity (Code of Economic Law book XII)
                    "content": content,
                    "preheader": content.preheader,
                    "greeting": _GREETING,
                    "topic_name": topic_names.get(language, ""),
                    "unsubscribe_url": _UNSUBSCRIBE,
                    "preferences_url": _PREFERENCES,
                    "language": content.language,
                }
                self._messages[language] = PrerenderedMessage(
                    from_email=settings.NEWSLETTER_FROM_EMAIL, subject=subject_prefix + content.subject,
                    text=render_to_string("newsletter/email/campaign.txt", context),
                    html=css_inline_html(render_to_string("newsletter/email/campaign.html", context)),
                    headers=headers,
                )

    def build(self, recipient: Recipient, message_id: str | None = None) -> RawMessage:
        language = recipient.language if recipient.language in self.contents else next(iter(self.contents))
        # A name stored before names were validated is still mailed, on one line.
        name = one_line(recipient.name)
        unsubscribe_base, preferences_base = self._urls[language]
        named, anonymous = self._greetings[language]
        values = {
            "greeting": named % {"name": name} if name else anonymous,
            "unsubscribe": unsubscribe_base.replace(_TOKEN, unsubscribe_token_make(recipient.uuid, self.topic_id)),
            "preferences": preferences_base.replace(_TOKEN, preferences_token_make(recipient.uuid)),
        }
        return self._messages[language].build(
            to_email=recipient.email, to_name=name, values=values,
            message_id=message_id or message_id_make("c", from_email=settings.NEWSLETTER_FROM_EMAIL),
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
