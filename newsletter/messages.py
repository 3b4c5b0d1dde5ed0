"""Building one e-mail: multipart text + HTML, own Message-ID, links signed per recipient.

No tracking: links are written as they are, there is no pixel, nothing is rewritten.
"""

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.text import get_text_list
from django.utils.translation import gettext

from core.richtext import html_to_text, render_markdown
from core.validators import one_line
from mail.layout import css_inline_html, layout_context
from mail.messages import RawMessage, message_id_make
from mail.prerendered import PrerenderedMessage, stand_in
from mail.throughput import domain_of
from newsletter.models import Campaign, CampaignContent, Topic
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


@dataclass(frozen=True)
class TopicList:
    """What a message is sent for: a campaign's topics, or those a welcome greets. Its one-click
    unsubscribe leaves exactly these topics, its List-Id names them, its footer names them.

    `topic_ids` None: a privacy notice, sent to whoever follows any topic because they are a
    subscriber; its one-click unsubscribe leaves every topic, its footer says it is a service message."""

    topic_ids: tuple[int, ...] | None
    list_id: str
    names: dict[str, str]  # language -> the topics' names in one phrase ("News and Events")


# A privacy notice's List-Id label: the whole list of subscribers (a topic's slug has no "_").
NOTICE_LIST_LABEL = "privacy_notices"


# RFC 2919: a List-Id is at most 255 characters, angle brackets included.
_LIST_ID_MAX = 255


def list_id_make(slugs: Iterable[str]) -> str:
    """`<slug.domain>` for one topic; for several, their slugs in alphabetical order joined by "+"
    (`<events+news.domain>`), so that the same topics always make the same list. Topic slugs hold
    no dots or plus signs; a combination too long for the header is named by its hash."""
    domain = domain_of(settings.NEWSLETTER_FROM_EMAIL)
    label = "+".join(sorted(slugs))
    if len(label) + len(domain) + 3 > _LIST_ID_MAX:
        label = "topics-" + hashlib.sha256(label.encode()).hexdigest()[:16]
    return f"<{label}.{domain}>"


def topic_names(topics: Iterable[Topic], language: str) -> str:
    """The topics' names in the language, as one phrase: "News", "News and Events", "A, B and C"."""
    with translation.override(language):
        return get_text_list([topic.name(language) for topic in topics], gettext("and"))


def topic_list(topics: Iterable[Topic]) -> TopicList:
    """The list of these topics (in the order given, which is the order their names are shown)."""
    topics = list(topics)
    if not topics:
        raise ValueError("a message is sent for at least one topic")
    return TopicList(
        topic_ids=tuple(topic.pk for topic in topics),
        list_id=list_id_make(topic.slug for topic in topics),
        names={code: topic_names(topics, code) for code, _name in settings.LANGUAGES},
    )


def notice_list() -> TopicList:
    """What a privacy notice is sent for: being a subscriber at all."""
    return TopicList(topic_ids=None, list_id=list_id_make([NOTICE_LIST_LABEL]), names={})


def campaign_topic_list(campaign: Campaign) -> TopicList:
    """A campaign's list: its topics, or for a privacy notice every topic (notice_list)."""
    if campaign.kind == Campaign.Kind.PRIVACY_NOTICE:
        return notice_list()
    return topic_list(campaign.topics.all())


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
        self, *, contents: dict[str, RenderedContent], topics: TopicList, subject_prefix: str = "",
        web_urls: dict[str, str] | None = None,
    ) -> None:
        """`web_urls`: the campaign's web version per language, linked as "view in browser" in
        the messages of that content's language (the same address for every reader)."""
        self.topic_ids = topics.topic_ids
        self.contents = contents
        self._messages: dict[str, PrerenderedMessage] = {}
        self._urls: dict[str, tuple[str, str]] = {}
        self._greetings: dict[str, tuple[str, str]] = {}  # per language: with a name (%(name)s), without
        headers = {
            "List-Id": topics.list_id,
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
                    "topic_name": topics.names.get(content.language, ""),
                    "service_notice": topics.topic_ids is None,
                    "unsubscribe_url": _UNSUBSCRIBE,
                    "preferences_url": _PREFERENCES,
                    "language": content.language,
                    "web_url": (web_urls or {}).get(content.language, ""),
                }
                self._messages[language] = PrerenderedMessage(
                    from_email=settings.NEWSLETTER_FROM_EMAIL, subject=subject_prefix + content.subject,
                    text=render_to_string("newsletter/email/campaign.txt", context),
                    html=css_inline_html(render_to_string("newsletter/email/campaign.html", context)),
                    headers=headers,
                )

    def build(self, recipient: Recipient, message_id: str | None = None, envelope_sender: str = "") -> RawMessage:
        """`envelope_sender`: the message's own bounce address (VERP), else bounces go to the From address."""
        language = recipient.language if recipient.language in self.contents else next(iter(self.contents))
        # A name stored before names were validated is still mailed, on one line.
        name = one_line(recipient.name)
        unsubscribe_base, preferences_base = self._urls[language]
        named, anonymous = self._greetings[language]
        values = {
            "greeting": named % {"name": name} if name else anonymous,
            "unsubscribe": unsubscribe_base.replace(_TOKEN, unsubscribe_token_make(recipient.uuid, self.topic_ids)),
            "preferences": preferences_base.replace(_TOKEN, preferences_token_make(recipient.uuid)),
        }
        return self._messages[language].build(
            to_email=recipient.email, to_name=name, values=values, envelope_sender=envelope_sender,
            message_id=message_id or message_id_make("c", from_email=settings.NEWSLETTER_FROM_EMAIL),
        )


def campaign_message(
    *, content: RenderedContent, recipient: Recipient, topics: TopicList, message_id: str | None = None,
    subject_prefix: str = "",
) -> RawMessage:
    """One message on its own (previews, test sends): the same builder a batch uses."""
    builder = CampaignMessages(contents={content.language: content}, topics=topics, subject_prefix=subject_prefix)
    return builder.build(recipient, message_id)
