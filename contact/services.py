"""Writes for the contact form: store a message, forward it to staff, mark it handled."""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from contact.models import ContactMessage

logger = logging.getLogger(__name__)

# The immediate forwarding task normally runs within seconds; the sweep only picks up
# messages older than this, so it never races the task for a fresh message.
SWEEP_GRACE = datetime.timedelta(minutes=5)


def message_submit(*, name: str, email: str, subject: str, message: str, language: str) -> ContactMessage:
    """Store the message; it is forwarded by e-mail once the transaction commits."""
    stored = ContactMessage.objects.create(
        name=name, email=email, subject=subject, message=message, language=language,
    )

    def _enqueue() -> None:
        from contact.tasks import contact_message_forward

        try:
            contact_message_forward.delay(stored.pk)
        except Exception:  # broker down: the periodic sweep forwards it later
            logger.warning("Could not queue forwarding of contact message %s", stored.pk, exc_info=True)

    transaction.on_commit(_enqueue)
    return stored


def _forward_email(message: ContactMessage) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        context = {"message": message, "site_url": settings.SITE_URL}
        subject = " ".join(render_to_string("contact/email/forward_subject.txt", context).split())
        body = render_to_string("contact/email/forward.txt", context)
    return EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=list(settings.CONTACT_FORWARD_TO),
        reply_to=[message.email],
    )


def message_forward(message_id: int) -> bool:
    """Send the message to CONTACT_FORWARD_TO once; True if it was sent by this call.

    The row lock (SKIP LOCKED) keeps a retried task and the sweep from sending it twice.
    """
    try:
        with transaction.atomic():
            message = (
                ContactMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=message_id, forwarded_at__isnull=True)
                .first()
            )
            if message is None:
                return False
            _forward_email(message).send()
            message.forwarded_at = timezone.now()
            message.forward_error = ""
            message.save(update_fields=["forwarded_at", "forward_error"])
            return True
    except Exception as error:
        ContactMessage.objects.filter(pk=message_id).update(forward_error=f"{type(error).__name__}: {error}"[:300])
        raise


def messages_forward_pending(limit: int = 100) -> int:
    """Forward what the immediate task could not (broker or mail server down). Returns the count sent."""
    cutoff = timezone.now() - SWEEP_GRACE
    ids = list(
        ContactMessage.objects.filter(forwarded_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for message_id in ids:
        try:
            sent += message_forward(message_id)
        except Exception:
            logger.warning("Forwarding contact message %s failed; will retry", message_id, exc_info=True)
    return sent


def messages_mark_handled(message_ids: list[int], *, user, handled: bool = True) -> int:
    """Set or clear the handled flag; the handling time starts the retention period."""
    queryset = ContactMessage.objects.filter(pk__in=message_ids)
    if handled:
        return queryset.filter(handled=False).update(handled=True, handled_at=timezone.now(), handled_by=user)
    return queryset.filter(handled=True).update(handled=False, handled_at=None, handled_by=None)
