"""Welcome messages (issue 13, point 6): after a confirmation, one message naming every topic it
newly confirmed, with the welcome text of each of those topics that has one, in the subscriber's
language. It is built like a campaign message (mail's pre-rendered builder through
newsletter.messages.CampaignMessages): List-Unsubscribe for exactly those topics, List-Id, the
sender's identity in the footer; and never sent to an address on the suppression list.

`welcome_record` writes the one `Welcome` row of the confirmed request inside the confirming
transaction and announces it (signals.welcome_due); newsletter.tasks sends it once that commits,
and the beat's `welcomes_sweep` sends what a lost task left and returns rows whose worker died.
Sending first claims the row (pending → sending, with a lease) in one conditional UPDATE, so a
retried or doubled task finds nothing to do. As with campaigns, a worker killed between the
server's acceptance and the "sent" mark may send a welcome twice, never zero times.
"""

import uuid
from collections.abc import Collection
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from core.richtext import html_to_text, render_markdown
from mail.messages import RawMessage, message_id_make
from mail.selectors import address_suppressed
from mail.throttle import SendRate
from mail.transport import SendFailed, Transport
from newsletter.messages import CampaignMessages, Recipient, RenderedContent, topic_list, topic_names
from newsletter.models import ConsentProof, Subscription, Topic, TopicWelcome, Welcome
from newsletter.services.leases import expired_leases_reap
from newsletter.services.sending import send_failure_record
from newsletter.signals import welcome_due

Status = Welcome.Status


def welcome_record(*, proof: ConsentProof, topic_ids: Collection[int]) -> Welcome | None:
    """In the transaction that confirms `proof`: its welcome, for the topics the confirmation
    newly confirmed (not those the person already followed). Nothing when none of them has a
    welcome text; at most one per request, however often it is confirmed."""
    if not topic_ids or not TopicWelcome.objects.filter(topic_id__in=topic_ids).exists():
        return None
    welcome, created = Welcome.objects.get_or_create(proof=proof)
    if created:
        welcome.topics.set(topic_ids)
        welcome_due.send(sender=Welcome, welcome_id=welcome.pk)
    return welcome


def welcome_content_render(
    *, language: str, topics: list[Topic], texts: dict[int, dict[str, TopicWelcome]]
) -> RenderedContent | None:
    """The welcome in `language`: a sentence naming all `topics`, then the welcome text of each
    that has one (in `language`, else in the language it was written in), under the topic's name
    when there are several. None when none has a text."""
    sections = []
    for topic in topics:
        written = texts.get(topic.pk)
        if written:
            text = written.get(language) or next(iter(written.values()))
            sections.append({
                "name": topic.name(language), "subject": text.subject,
                "html": render_markdown(text.body, images=True).html,
            })
    if not sections:
        return None
    names = topic_names(topics, language)
    with translation.override(language):
        html = render_to_string("newsletter/email/welcome_content.html", {
            "topics": names, "sections": sections, "headed": len(sections) > 1,
        })
        subject = sections[0]["subject"] if len(sections) == 1 else gettext("Welcome: %(topics)s") % {"topics": names}
    return RenderedContent(language=language, subject=subject, html=html, text=html_to_text(html))


def _texts(topics: list[Topic]) -> dict[int, dict[str, TopicWelcome]]:
    texts: dict[int, dict[str, TopicWelcome]] = {}
    for text in TopicWelcome.objects.filter(topic__in=topics).order_by("language"):
        texts.setdefault(text.topic_id, {})[text.language] = text
    return texts


def welcome_message(*, topics: list[Topic], recipient: Recipient, message_id: str | None = None) -> RawMessage | None:
    """The welcome `recipient` gets for these topics (None without any welcome text)."""
    content = welcome_content_render(language=recipient.language, topics=topics, texts=_texts(topics))
    if content is None:
        return None
    builder = CampaignMessages(contents={content.language: content}, topics=topic_list(topics))
    return builder.build(recipient, message_id)


def welcome_sample(*, topic: Topic, language: str) -> RawMessage | None:
    """The admin's preview: the topic's welcome as a sample reader gets it."""
    recipient = Recipient(email="jane@example.com", name="Jane", language=language, uuid=uuid.UUID(int=0))
    return welcome_message(topics=[topic], recipient=recipient)


def _claim(welcome_id: int, worker: str) -> bool:
    now = timezone.now()
    return bool(Welcome.objects.filter(pk=welcome_id, status=Status.PENDING, next_attempt_at__lte=now).update(
        status=Status.SENDING, claimed_by=worker, tries=F("tries") + 1,
        lease_expires_at=now + timedelta(seconds=settings.NEWSLETTER_LEASE_SECONDS),
    ))


def welcome_send(*, welcome_id: int, worker: str, transport: Transport | None = None) -> str:
    """Send one recorded welcome if it is due and no one else holds it (over `transport`, or a
    connection of its own). Returns its status afterwards ("" when it no longer exists)."""
    if _claim(welcome_id, worker):
        _send_claimed(welcome_id, worker, transport)
    return Welcome.objects.filter(pk=welcome_id).values_list("status", flat=True).first() or ""


def _send_claimed(welcome_id: int, worker: str, transport: Transport | None) -> None:
    mine = Welcome.objects.filter(pk=welcome_id, status=Status.SENDING, claimed_by=worker)
    welcome = Welcome.objects.select_related("proof__subscriber").get(pk=welcome_id)
    subscriber = welcome.proof.subscriber
    # Only the topics still followed: someone who left meanwhile is not welcomed to it.
    topics = list(Topic.objects.filter(
        pk__in=Welcome.topics.through.objects.filter(welcome_id=welcome_id).values("topic_id"),
        subscriptions__subscriber=subscriber, subscriptions__status=Subscription.Status.CONFIRMED,
    ))
    if not topics:
        mine.update(status=Status.SKIPPED, lease_expires_at=None, last_error="not subscribed (any more)")
        return
    if address_suppressed(subscriber.email):
        mine.update(status=Status.SKIPPED, lease_expires_at=None, last_error="address on the suppression list")
        return
    recipient = Recipient(email=subscriber.email, name=subscriber.name, language=subscriber.language,
                          uuid=subscriber.uuid)
    try:
        message = welcome_message(topics=topics, recipient=recipient, message_id=message_id_make(
            f"w{welcome_id}", from_email=settings.NEWSLETTER_FROM_EMAIL,
        ))
    except ValueError as error:  # mail refuses what could break a header
        mine.update(status=Status.FAILED, lease_expires_at=None, last_error=f"not sent: {error}"[:500])
        return
    if message is None:
        mine.update(status=Status.SKIPPED, lease_expires_at=None, last_error="no welcome text (any more)")
        return
    SendRate().wait()  # the one send rate, shared with campaigns
    try:
        if transport is None:
            with Transport() as own:
                own.send(message)
        else:
            transport.send(message)
    except SendFailed as failure:
        send_failure_record(claimed=mine, failure=failure, tries=welcome.tries, email=subscriber.email)
        return
    mine.update(status=Status.SENT, sent_at=timezone.now(), lease_expires_at=None, last_error="",
                message_id=message.message_id)


def welcomes_reap() -> int:
    """Give rows whose lease ran out (their worker died) back to the queue; fail those that
    killed their worker again and again."""
    return expired_leases_reap(rows=Welcome.objects.all())
