"""Writes for the contact form: store a message, forward it to staff, mark it handled.

The forward goes through mail's transactional outbox, written in the same transaction as the
message: once the visitor sees the thanks page the forward is as safe as the message itself,
and the outbox delivers it however long the mail server is away.
"""

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone, translation

from contact.models import ContactMessage
from mail.services import outbox_enqueue

FORWARD_TEMPLATE = "contact/email/forward"


def forward_context(message: ContactMessage) -> dict:
    """What the forward shows, as JSON for the outbox (kept there only until it is sent)."""
    with translation.override(settings.LANGUAGE_CODE):
        received = formats.date_format(timezone.localtime(message.created_at), "DATETIME_FORMAT")
    return {"message": {
        "number": message.pk, "name": message.name, "email": message.email, "language": message.language,
        "received": received, "subject": message.subject, "message": message.message,
    }}


def message_forward(message: ContactMessage) -> None:
    """Queue the forward to every CONTACT_FORWARD_TO address, in the staff's language, Reply-To the visitor."""
    context = forward_context(message)
    for address in settings.CONTACT_FORWARD_TO:
        outbox_enqueue(
            template=FORWARD_TEMPLATE, to_email=address, language=settings.LANGUAGE_CODE, context=context,
            reply_to=message.email,
        )
    ContactMessage.objects.filter(pk=message.pk).update(forwarded_at=timezone.now())


def message_submit(*, name: str, email: str, subject: str, message: str, language: str) -> ContactMessage:
    """Store the message and queue its forward, in one transaction."""
    with transaction.atomic():
        stored = ContactMessage.objects.create(
            name=name, email=email, subject=subject, message=message, language=language,
        )
        message_forward(stored)
    return stored


def messages_mark_handled(message_ids: list[int], *, user, handled: bool = True) -> int:
    """Set or clear the handled flag; the handling time starts the retention period."""
    queryset = ContactMessage.objects.filter(pk__in=message_ids)
    if handled:
        return queryset.filter(handled=False).update(handled=True, handled_at=timezone.now(), handled_by=user)
    return queryset.filter(handled=True).update(handled=False, handled_at=None, handled_by=None)
