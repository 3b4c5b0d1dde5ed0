"""Messages sent through the contact form ("Let's connect")."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ContactMessage(models.Model):
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("e-mail address"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200)
    message = models.TextField(_("message"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    # When the forward to staff was queued in mail's outbox, which delivers it.
    forwarded_at = models.DateTimeField(_("forwarded at"), null=True, blank=True)
    handled = models.BooleanField(_("handled"), default=False)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("handled by"),
    )

    class Meta:
        verbose_name = _("contact message")
        verbose_name_plural = _("contact messages")
        ordering = ["handled", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(handled=False, handled_at__isnull=True) | Q(handled=True, handled_at__isnull=False),
                name="contact_message_handled_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["handled_at"], condition=Q(handled=True), name="contact_message_handled"),
        ]

    def __str__(self) -> str:
        # No name or address here: this text ends up in the admin's history (LogEntry).
        return _("Contact message #%(number)s") % {"number": self.pk}
