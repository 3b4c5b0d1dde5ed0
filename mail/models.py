"""Mail's own records: the transactional outbox, the suppression list, the bounce mailbox's messages read."""

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


class Suppression(models.Model):
    """The one suppression list: no campaign may reach these addresses. Every send consults it.

    Only a keyed hash of the address is kept (mail.hashing, ERASURE_HMAC_KEY), whatever the
    reason, so an erasure leaves nothing readable here. A confirmed new opt-in lifts it
    (mail.services.suppression_lift). The table keeps the name it had in the datarights app.
    """

    class Reason(models.TextChoices):
        BOUNCE = "bounce", _("Bounce")
        COMPLAINT = "complaint", _("Complaint")
        MANUAL = "manual", _("Manual")
        ERASURE = "erasure", _("Erased at the person's request")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed; details deleted")
        INACTIVE = "inactive", _("Inactive profile deleted")

    address_hash = models.CharField(_("keyed hash of the address"), max_length=64, unique=True)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    source = models.CharField(_("source"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        db_table = "datarights_suppressedaddress"
        verbose_name = _("suppression")
        verbose_name_plural = _("suppressions")

    def __str__(self) -> str:
        return f"{self.address_hash[:12]}… ({self.reason})"


class BounceMail(models.Model):
    """A message read from the bounce mailbox (MAIL_BOUNCE_IMAP_URL), recorded in the transaction
    that applied it so that none is applied twice; IMAP names a message by its mailbox, the
    mailbox's UIDVALIDITY and its UID. No address is kept here: what a report changed is in the
    newsletter's bounce reports, the message itself stays in the mailbox until MAIL_BOUNCE_KEEP_DAYS."""

    class Kind(models.TextChoices):
        HARD = "hard", _("Hard bounce")
        SOFT = "soft", _("Soft bounce")
        COMPLAINT = "complaint", _("Complaint")
        IGNORED = "ignored", _("Ignored (auto-reply, delay notice)")
        UNREADABLE = "unreadable", _("Not understood: kept in the mailbox for a person")

    mailbox = models.CharField(_("mailbox"), max_length=200)
    uidvalidity = models.PositiveBigIntegerField()
    uid = models.PositiveBigIntegerField()
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    applied = models.PositiveSmallIntegerField(_("reports applied"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    read_at = models.DateTimeField(_("read at"), default=timezone.now)

    class Meta:
        verbose_name = _("message of the bounce mailbox")
        verbose_name_plural = _("messages of the bounce mailbox")
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "uidvalidity", "uid"], name="mail_bouncemail_once"),
            models.CheckConstraint(
                condition=Q(kind__in=["hard", "soft", "complaint", "ignored", "unreadable"]),
                name="mail_bouncemail_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mailbox} {self.uidvalidity}:{self.uid} ({self.kind})"
