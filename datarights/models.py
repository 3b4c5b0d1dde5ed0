"""Data-subject requests with their audit trail, erasure records, and my-data links.

Nothing here keeps an e-mail address longer than needed: a request holds the address
only while it is open; afterwards only its keyed hash (mail.hashing) remains, as in
the erasure log.
"""

import calendar
import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day (31 January + 1 month = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class DataRequestQuerySet(models.QuerySet):
    def open(self) -> "DataRequestQuerySet":
        return self.filter(status__in=DataRequest.OPEN_STATUSES)

    def overdue(self, today: datetime.date | None = None) -> "DataRequestQuerySet":
        return self.open().filter(due_on__lt=today or timezone.localdate())

    def due_soon(self, today: datetime.date | None = None) -> "DataRequestQuerySet":
        today = today or timezone.localdate()
        return self.open().filter(
            due_on__gte=today, due_on__lte=today + datetime.timedelta(days=DataRequest.DUE_SOON_DAYS)
        )


class DataRequest(models.Model):
    """A request under GDPR Art. 15-21, answered within one month (Art. 12(3))."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access (see or receive a copy)")
        CORRECTION = "correction", _("Correction")
        ERASURE = "erasure", _("Erasure")
        OBJECTION = "objection", _("Objection")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        POST = "post", _("Post")
        SELF_SERVICE = "self_service", _("Self-service on the website")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")

    class Outcome(models.TextChoices):
        DONE = "done", _("Done: answered or carried out")
        NO_DATA = "no_data", _("No data held for the person")
        WITHDRAWN = "withdrawn", _("Withdrawn by the person")
        REFUSED = "refused", _("Refused (the person is told why and of their right to complain)")

    class IdentityMethod(models.TextChoices):
        SAME_ADDRESS = "same_address", _("Wrote from the address the data is held for")
        REPLY = "reply", _("Answered a message sent to the address the data is held for")
        KNOWN_DETAILS = "known_details", _("Confirmed details only the person knows")
        IN_PERSON = "in_person", _("Seen in person (no copy of an ID document kept)")
        OTHER = "other", _("Other (see the note)")

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)
    # Art. 12(3): one month, extendable by two further months.
    MAX_EXTENSION_MONTHS = 2
    # Reminders: requests due within this many days lead the admin index and the digest.
    DUE_SOON_DAYS = 7

    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("received by"), max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    subject_email = models.EmailField(
        _("e-mail address of the person"), max_length=254, blank=True,
        help_text=_("Kept only while the request is open; afterwards only a keyed hash remains."),
    )
    subject_hash = models.CharField(_("keyed hash of the address"), max_length=64, db_index=True, editable=False)
    language = models.CharField(
        _("language of the person"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE,
        help_text=_("The e-mails to the person are written in this language."),
    )
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    due_on = models.DateField(_("answer due by"), editable=False)
    extended_months = models.PositiveSmallIntegerField(_("deadline extended by (months)"), default=0, editable=False)
    extension_reason = models.TextField(_("reason for the extension"), blank=True, editable=False)
    identity_method = models.CharField(
        _("identity verified by"), max_length=16, choices=IdentityMethod.choices, blank=True, editable=False
    )
    identity_note = models.CharField(_("how the identity was verified"), max_length=200, blank=True, editable=False)
    identity_verified_at = models.DateTimeField(_("identity verified at"), null=True, blank=True, editable=False)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True, editable=False)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("handled by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now, editable=False)

    objects = DataRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("data request")
        verbose_name_plural = _("data requests")
        ordering = ["due_on", "pk"]
        permissions = [
            ("export_personal_data", _("Can export everything held for an address")),
            ("erase_personal_data", _("Can erase everything held for an address")),
            # Not about requests, but datarights' declarations are what the record is built from.
            ("view_processing_record", _("Can view the record of processing activities")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("received_on")), name="datarights_due_after_received"
            ),
            # Closed requests keep no address, and say when they were closed.
            models.CheckConstraint(
                condition=Q(status__in=["open", "in_progress"], closed_at__isnull=True)
                | Q(status__in=["done", "refused"], closed_at__isnull=False, subject_email=""),
                name="datarights_closed_has_time_and_no_address",
            ),
            models.CheckConstraint(condition=~Q(subject_hash=""), name="datarights_request_has_hash"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "in_progress"], outcome="")
                | Q(status="done", outcome__in=["done", "no_data", "withdrawn"])
                | Q(status="refused", outcome="refused"),
                name="datarights_closed_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(extended_months__lte=2) & (Q(extended_months=0) | ~Q(extension_reason="")),
                name="datarights_extension_up_to_two_months_with_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"]), models.Index(fields=["closed_at"])]

    def __str__(self) -> str:
        return _("%(kind)s request #%(number)s") % {"kind": self.get_kind_display(), "number": self.pk}

    def save(self, *args, **kwargs) -> None:
        if self.received_on and not self.due_on:
            self.due_on = add_months(self.received_on, 1)
        super().save(*args, **kwargs)

    @property
    def first_month_ends_on(self) -> datetime.date:
        """The original deadline: an extension must be announced by then (Art. 12(3))."""
        return add_months(self.received_on, 1)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on < timezone.localdate()


class DataRequestEvent(models.Model):
    """The audit trail of a request: who did what, when; counts, never the data itself.

    Evidence: triggers (migration 0003) refuse to change a row (forgetting a deleted staff
    account aside) or to delete one while its request exists, and delete the trail after its
    request (retention), so Django's own cascade, which deletes the trail first, is left out.
    """

    class Action(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        STATUS = "status", _("Status changed")
        EXPORTED = "exported", _("Data exported")
        VIEWED = "viewed", _("Data shown")
        CORRECTED = "corrected", _("Data corrected")
        ERASED = "erased", _("Data erased")
        CLOSED = "closed", _("Closed")
        IDENTITY = "identity", _("Identity verified")
        NOTE = "note", _("Note added")
        EXTENDED = "extended", _("Deadline extended")
        ANSWERED = "answered", _("Answer sent")
        DOWNLOADED = "downloaded", _("Export downloaded by the person")

    request = models.ForeignKey(DataRequest, on_delete=models.DO_NOTHING, related_name="events")
    at = models.DateTimeField(_("at"), default=timezone.now)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("by"),
    )
    actor_label = models.CharField(_("by (as recorded)"), max_length=150)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.at:%Y-%m-%d %H:%M})"


class DataRequestNote(models.Model):
    """An internal note on an open request: personal data, deleted when the request closes."""

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="notes")
    at = models.DateTimeField(_("at"), default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("by"),
    )
    author_label = models.CharField(_("by (as recorded)"), max_length=150)
    text = models.TextField(_("note"), max_length=2000)

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.author_label} {self.at:%Y-%m-%d %H:%M}"


class ExportLink(models.Model):
    """A download of a person's export, sent with staff's answer to their request.

    The link carries only this row's random id, signed and timestamped; the file is built
    when the person asks for it and never stored. The address stays here until retention
    deletes the row after it expired, so the link works after the request closed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(DataRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    email = models.EmailField(max_length=254)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export download link")
        verbose_name_plural = _("export download links")
        indexes = [models.Index(fields=["expires_at"], name="datarights_exportlink_expiry")]

    def __str__(self) -> str:
        return str(self.id)


class ErasureRecord(models.Model):
    """The erasure log: which address hash was erased when, and how many records went.

    Also appended to ERASURE_LOG_FILE (outside the database) so `reapply_erasures` can
    erase again what a restored backup brings back.
    """

    address_hash = models.CharField(max_length=64, db_index=True)
    erased_at = models.DateTimeField(default=timezone.now)
    request = models.ForeignKey(DataRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure log")
        ordering = ["-erased_at"]
        constraints = [
            models.UniqueConstraint(fields=["address_hash", "erased_at"], name="datarights_erasure_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.address_hash[:12]}… {self.erased_at:%Y-%m-%d %H:%M}"


class AccessLink(models.Model):
    """One my-data link: sent by e-mail, opened once, then a short session.

    The link carries only this row's random id, signed and timestamped; the address stays
    here and the row is deleted by retention a day after it expired.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    session_expires_at = models.DateTimeField(null=True, blank=True)
    request = models.ForeignKey(DataRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("my-data link")
        verbose_name_plural = _("my-data links")
        indexes = [models.Index(fields=["expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(session_expires_at__isnull=False),
                name="datarights_link_used_has_session",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class RetentionNotice(models.Model):
    """An inactive profile was warned (an e-mail offering to stay) before its deletion."""

    address_hash = models.CharField(max_length=64, unique=True)
    warned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("inactivity warning")
        verbose_name_plural = _("inactivity warnings")

    def __str__(self) -> str:
        return f"{self.address_hash[:12]}… {self.warned_at:%Y-%m-%d}"


class ProfileActivity(models.Model):
    """The last time a person showed they want to stay (they answered the inactivity e-mail).

    Other activity (confirmations, preference changes, data requests) lives in its own
    tables; this holds what has no other home.
    """

    address_hash = models.CharField(max_length=64, unique=True)
    last_active_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("profile activity")
        verbose_name_plural = _("profile activity")

    def __str__(self) -> str:
        return f"{self.address_hash[:12]}… {self.last_active_at:%Y-%m-%d}"
