"""Mail's own records: the transactional outbox."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """Transactional mail, written in the web request's transaction and sent by a worker.

    Because the row is the message, a broker outage only delays it: a periodic sweep sends
    whatever the immediate task did not. The table keeps the name it had in the newsletter app.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    template = models.CharField(
        max_length=100, help_text="Template prefix: <prefix>_subject.txt, <prefix>.txt, <prefix>.html"
    )
    to_email = models.EmailField(max_length=254)
    reply_to = models.EmailField(max_length=254, blank=True)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    tries = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        db_table = "newsletter_outboxmessage"
        verbose_name = _("outgoing transactional e-mail")
        verbose_name_plural = _("outgoing transactional e-mails")
        indexes = [
            models.Index(fields=["next_attempt_at", "id"], condition=Q(status="pending"), name="newsletter_outbox_due"),
            models.Index(fields=["lease_expires_at"], condition=Q(status="sending"), name="newsletter_outbox_leased"),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.to_email} ({self.status})"
