"""Newsletter data: who asked for what (with proof), what marketing sends, and what was sent.

The database is the source of truth for sending: one `Delivery` row per campaign and
subscriber, claimed by workers with a lease. Celery only triggers work, so a lost task
or a dead worker never loses or skips a recipient.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.validators import NAME_MAX_LENGTH, one_line_validate, person_name_validate

# The topic that privacy-statement change notices went to (created by migration 0002). Retired by
# migration 0017: every confirmed subscriber now gets those notices (Campaign.Kind.PRIVACY_NOTICE);
# the topic stays, hidden, so its subscribers keep their subscription and its proofs their topic.
PRIVACY_TOPIC_SLUG = "privacy-changes"


class Topic(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description_nl = models.CharField(_("description (Dutch)"), max_length=300, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=300, blank=True)
    is_public = models.BooleanField(
        _("offered in the subscription form"), default=True,
        help_text=_("Visitors can choose this topic when they subscribe."),
    )
    # Off until someone decides: a topic may hold messages meant for its readers only.
    archive_public = models.BooleanField(
        _("campaigns may be published in the archive"), default=False,
        help_text=_(
            "Only for topics whose messages anyone may read: a campaign of this topic can then be marked "
            "“publish in the archive”. Never the privacy statement topic."
        ),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["position", "slug"]
        constraints = [
            # A privacy notice is addressed to the people it concerns, never published on the site.
            models.CheckConstraint(
                condition=~Q(slug=PRIVACY_TOPIC_SLUG, archive_public=True),
                name="newsletter_topic_privacy_notices_not_archived",
                violation_error_message=_("Privacy statement notices are never published in the archive."),
            ),
            # Retired: nobody asks for it any more, as every subscriber gets the notices.
            models.CheckConstraint(
                condition=~Q(slug=PRIVACY_TOPIC_SLUG, is_public=True),
                name="newsletter_topic_privacy_topic_retired",
                violation_error_message=_("Every subscriber gets privacy notices: this topic is no longer offered."),
            ),
        ]

    def __str__(self) -> str:
        return self.name()

    def name(self, language: str | None = None) -> str:
        return self.name_nl if (language or get_language() or "nl").startswith("nl") else self.name_en

    def description(self, language: str | None = None) -> str:
        language = language or get_language() or "nl"
        return self.description_nl if language.startswith("nl") else self.description_en


class Subscriber(models.Model):
    """One e-mail address. Its `uuid` is what signed links carry, never the e-mail or the pk."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-mail address"), max_length=254)
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH, blank=True, validators=[person_name_validate])
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        # A file of addresses leaves the site's erasure and retention: its own right.
        permissions = [("export_subscribers", _("Can export subscribers as a CSV file"))]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="newsletter_subscriber_email_unique_ci"),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="newsletter_subscriber_email_lower"),
        ]
        # The unique index is on lower(email) and serves only lookups written that way; every
        # other look-up by address (bounces, provider events, exports, erasure, imports) compares
        # the stored, already lower-cased column.
        indexes = [models.Index(fields=["email"], name="newsletter_subscriber_email")]

    def __str__(self) -> str:
        return self.email


class ConsentProof(models.Model):
    """Art. 7(1) GDPR: what a person was shown and agreed to, when, where, and when confirmed.

    One row per request; the exact consent text is stored as shown, with its version and the
    statement version it linked. Evidence: a trigger (migration 0016) refuses changing a proof,
    except setting `confirmed_at` once and moving it to another subscriber when two merge. An
    imported proof (newsletter.services.imports) records the evidence of consent given elsewhere: the
    controller it was given to, the wording, source and date, and where the original is kept.
    """

    class Origin(models.TextChoices):
        FORM = "form", _("Subscription form")
        IMPORT = "import", _("Imported")

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="proofs")
    origin = models.CharField(_("origin"), max_length=8, choices=Origin.choices, default=Origin.FORM)
    nonce = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    topics = models.ManyToManyField(Topic, related_name="+", verbose_name=_("topics"))
    requested_name = models.CharField(
        _("name given"), max_length=NAME_MAX_LENGTH, blank=True, validators=[person_name_validate]
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    consent_text = models.TextField(_("consent text shown"))
    consent_version = models.CharField(_("consent text version"), max_length=20)
    # The published privacy statement the form's link opened when the request was made (the URL
    # is in consent_text too); imported proofs have none. PROTECT: published versions are kept anyway.
    statement_version = models.ForeignKey(
        "privacy.Version", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("privacy statement version shown"),
    )
    source = models.CharField(_("where"), max_length=200, help_text=_("The page the form was sent from."))
    ip_truncated = models.CharField(_("IP address (truncated)"), max_length=64, blank=True)
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    controller = models.CharField(
        _("consent given to"), max_length=200, blank=True, help_text=_("Imported proofs: the controller named."),
    )
    original_location = models.CharField(
        _("original kept at"), max_length=300, blank=True,
        help_text=_("Imported proofs: where the signed form or the original record is kept."),
    )

    class Meta:
        verbose_name = _("consent proof")
        verbose_name_plural = _("consent proofs")
        ordering = ["-given_at"]
        # Marketing sees the proofs, but not where from: the (truncated) IP is for Legal.
        permissions = [("view_proof_ip", _("Can see the IP address of consent proofs"))]
        indexes = [models.Index(fields=["confirmed_at", "given_at"])]
        constraints = [
            # Imported consent is only proof with all of its evidence.
            models.CheckConstraint(
                condition=~Q(origin="import") | (
                    ~Q(controller="") & ~Q(original_location="") & ~Q(source="") & ~Q(consent_text="")
                    & Q(confirmed_at__isnull=False)
                ),
                name="newsletter_consentproof_import_has_evidence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} {self.given_at:%Y-%m-%d %H:%M}"


class Subscription(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="subscriptions")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    proof = models.ForeignKey(
        ConsentProof, on_delete=models.PROTECT, null=True, blank=True, related_name="subscriptions",
        help_text=_("The confirmed request this subscription rests on."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "topic"], name="newsletter_subscription_unique"),
            # A confirmed subscription always rests on a confirmed proof of consent.
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(proof__isnull=False, confirmed_at__isnull=False),
                name="newsletter_subscription_confirmed_has_proof",
            ),
        ]
        indexes = [models.Index(fields=["topic", "status", "subscriber"])]

    def __str__(self) -> str:
        return f"{self.subscriber} → {self.topic.slug} ({self.status})"


class Campaign(models.Model):
    class Kind(models.TextChoices):
        REGULAR = "regular", _("Campaign")
        # A material change of the privacy statement, announced to every confirmed subscriber of any
        # topic, each once: a service message without marketing content (newsletter.services.privacy_notice).
        PRIVACY_NOTICE = "privacy_notice", _("Privacy notice")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        ON_HOLD = "on_hold", _("Overdue: waiting for a person")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(_("internal name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.REGULAR, editable=False)
    # A privacy notice: the published statement version it announces (one notice per version).
    announces = models.OneToOneField(
        "privacy.Version", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False,
        verbose_name=_("announces"),
    )
    # The segment: who the campaign is for (newsletter.selectors.campaign_audience). Fixed once
    # sending has started (triggers, migration 0011): the recipients are listed from it in batches.
    topics = models.ManyToManyField(
        Topic, related_name="campaigns", verbose_name=_("topics"),
        help_text=_("Everyone who follows at least one of these topics gets the campaign, once."),
    )
    audience_language = models.CharField(
        _("only readers of"), max_length=8, choices=settings.LANGUAGES, blank=True,
        help_text=_("Leave empty for subscribers of every language."),
    )
    subscribed_since = models.DateField(
        _("subscribed since"), null=True, blank=True,
        help_text=_("Only people who confirmed one of these topics on or after this day."),
    )
    subscribed_before = models.DateField(
        _("subscribed before"), null=True, blank=True,
        help_text=_("Only people who confirmed one of these topics before this day."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    populated = models.BooleanField(
        _("recipients listed"), default=False, editable=False,
        help_text=_("All delivery rows exist; until then a worker keeps adding them."),
    )
    status_note = models.CharField(_("status note"), max_length=300, blank=True, editable=False)
    archive_published = models.BooleanField(
        _("publish in the archive"), default=False,
        help_text=_(
            "Once sent, the campaign gets a web version in the public archive on the website, the same for "
            "everyone: without a greeting by name or personal links. Only for topics whose campaigns may be "
            "published; untick to take it off the website again."
        ),
    )
    # Set by newsletter.services.archive and never changed afterwards (a trigger, migration 0009):
    # the web version's address, so links to it keep working.
    archive_slug = models.SlugField(_("web address"), max_length=80, unique=True, null=True, blank=True,
                                    editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at"]
        permissions = [
            ("send_campaign", _("Can send, schedule, pause and cancel campaigns")),
            ("send_privacy_notice", _("Can announce a material privacy statement change to every subscriber")),
        ]
        constraints = [
            # A privacy notice is addressed to the people it concerns, never published on the site.
            models.CheckConstraint(
                condition=Q(kind="regular", announces__isnull=True)
                | Q(kind="privacy_notice", announces__isnull=False, archive_published=False),
                name="newsletter_campaign_privacy_notice",
            ),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(scheduled_at__isnull=False),
                name="newsletter_campaign_scheduled_has_time",
            ),
            models.CheckConstraint(
                condition=Q(archive_slug__isnull=True) | Q(archive_slug__regex=r"^[a-z0-9]+(-[a-z0-9]+)*$"),
                name="newsletter_campaign_archive_slug_format",
            ),
            models.CheckConstraint(
                condition=Q(subscribed_since__isnull=True) | Q(subscribed_before__isnull=True)
                | Q(subscribed_since__lt=F("subscribed_before")),
                name="newsletter_campaign_subscribed_window",
                violation_error_message=_("“Subscribed since” must be earlier than “subscribed before”."),
            ),
        ]
        indexes = [models.Index(fields=["status", "scheduled_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.SCHEDULED, self.Status.ON_HOLD)


class CampaignContent(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="contents")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body (Markdown)"), help_text=_("Markdown; rendered to HTML and plain text."))
    preheader = models.CharField(
        _("preheader"), max_length=150, blank=True, validators=[one_line_validate],
        help_text=_("Optional: the line many inboxes show after the subject, before the message is opened."),
    )
    text = models.TextField(
        _("plain-text part"), blank=True,
        help_text=_(
            "Optional: write the plain-text version yourself when the automatic one does not read well. "
            "Leave empty to use the text made from the body. The greeting, the unsubscribe links and the "
            "sender's details are added either way."
        ),
    )

    class Meta:
        verbose_name = _("content")
        verbose_name_plural = _("contents per language")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "language"], name="newsletter_content_unique_language"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} ({self.language})"


class Failure(models.TextChoices):
    TEMPORARY = "temporary", _("Temporary")
    PERMANENT = "permanent", _("Permanent")


class LeasedSend(models.Model):
    """One message to send once, by whichever worker claims it: pending → sending (leased) →
    sent / failed / skipped. A worker that dies leaves its lease to run out, and the beat's
    reaper (newsletter.services.leases) gives the row back to the queue."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    tries = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=250, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True
        # Each concrete model's names, as its migrations created them (newsletter_delivery_…,
        # newsletter_welcome_…); a child's Meta adds its own to these lists.
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(lease_expires_at__isnull=False),
                name="newsletter_%(class)s_sending_has_lease",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="newsletter_%(class)s_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["lease_expires_at"], condition=Q(status="sending"), name="newsletter_%(class)s_leased"
            ),
        ]


class Delivery(LeasedSend):
    """One campaign to one subscriber. A sent row becomes failed when its message bounces later
    (`Bounce`)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    # When the recipient marked this message as spam (a complaint from the webhook or CSV).
    complained_at = models.DateTimeField(null=True, blank=True)
    # Why a failed row failed: a temporary answer (4xx, tries used up, or a soft bounce) may be
    # tried again by a person; a permanent one (5xx, a hard bounce) never.
    failure = models.CharField(max_length=9, choices=Failure.choices, blank=True)

    class Meta(LeasedSend.Meta):
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            *LeasedSend.Meta.constraints,
            models.UniqueConstraint(fields=["campaign", "subscriber"], name="newsletter_delivery_unique"),
            models.CheckConstraint(
                condition=Q(complained_at__isnull=True) | Q(status="sent") | Q(status="failed", sent_at__isnull=False),
                name="newsletter_delivery_complaint_about_a_sent_message",
            ),
            models.CheckConstraint(
                condition=Q(failure="") | Q(status="failed"), name="newsletter_delivery_failure_only_when_failed",
            ),
        ]
        indexes = [
            *LeasedSend.Meta.indexes,
            models.Index(
                fields=["campaign", "next_attempt_at", "id"], condition=Q(status="pending"),
                name="newsletter_delivery_due",
            ),
            models.Index(fields=["campaign", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.subscriber_id} {self.status}"


class CampaignImage(models.Model):
    """An image staff uploaded for campaigns: re-encoded, without EXIF or GPS, under a name no
    one can guess; written into a campaign's Markdown with the snippet its admin page shows.

    It holds no personal data (the file's own name is not kept). Deleting a campaign leaves
    its images: sent messages and other campaigns may still show them, and an image used by
    a campaign cannot be deleted (newsletter.services.images)."""

    file = models.FileField(_("file"), max_length=200, unique=True, editable=False)
    alt_nl = models.CharField(
        _("alternative text (Dutch)"), max_length=300,
        help_text=_("What the image shows, for readers who cannot see it. It goes into the Markdown snippet."),
    )
    alt_en = models.CharField(_("alternative text (English)"), max_length=300)
    width = models.PositiveIntegerField(_("width (px)"), editable=False)
    height = models.PositiveIntegerField(_("height (px)"), editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), editable=False)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        editable=False, verbose_name=_("uploaded by"),
    )

    class Meta:
        verbose_name = _("campaign image")
        verbose_name_plural = _("campaign images")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(alt_nl="") & ~Q(alt_en=""), name="newsletter_campaignimage_has_alt_text",
            ),
            models.CheckConstraint(
                condition=Q(file__regex=r"^campaign-images/[0-9a-f]{32}\.(jpg|png)$"),
                name="newsletter_campaignimage_file_name",
            ),
            models.CheckConstraint(
                condition=Q(width__gte=1, height__gte=1, size__gte=1), name="newsletter_campaignimage_dimensions",
            ),
        ]

    def __str__(self) -> str:
        return self.alt(get_language())

    def alt(self, language: str | None) -> str:
        return self.alt_nl if (language or "nl").startswith("nl") else self.alt_en


class TopicWelcome(models.Model):
    """A topic's welcome message in one language: optional, written like a campaign's content.
    Someone who confirms the topic gets it (newsletter.services.welcome)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="welcomes")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body (Markdown)"))

    class Meta:
        verbose_name = _("welcome message")
        verbose_name_plural = _("welcome messages")
        constraints = [
            models.UniqueConstraint(fields=["topic", "language"], name="newsletter_topicwelcome_unique_language"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} ({self.language})"


class Welcome(LeasedSend):
    """The one welcome of one confirmed request, for the topics it newly confirmed: recorded in
    the confirming transaction, sent by a worker once. One row per request, so a second click or
    a retried task sends nothing."""

    proof = models.OneToOneField(ConsentProof, on_delete=models.CASCADE, related_name="welcome")
    topics = models.ManyToManyField(Topic, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(LeasedSend.Meta):
        indexes = [
            *LeasedSend.Meta.indexes,
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="newsletter_welcome_due"),
        ]

    def __str__(self) -> str:
        return f"welcome {self.proof_id} {self.status}"


class Bounce(models.Model):
    """A bounce or a spam complaint that came back about an address, from wherever it came: the
    SMTP answer while sending, the bounce mailbox, a provider's webhook, a CSV file. Tied to the
    message (`delivery`) when the report says which one (VERP, Message-ID), else to the latest
    one sent to the address. Applied once: a report that comes back again has the same `event_key`.

    Personal data: the raw reason often quotes the address. Erasing the subscriber removes their
    rows; rows of an address without subscriber are kept as long as the retention rule says.
    """

    class Kind(models.TextChoices):
        HARD = "hard", _("Hard bounce")
        SOFT = "soft", _("Soft bounce")
        COMPLAINT = "complaint", _("Spam complaint")

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, null=True, blank=True, related_name="bounces",
        verbose_name=_("subscriber"),
    )
    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, null=True, blank=True, related_name="bounces", verbose_name=_("message"),
    )
    kind = models.CharField(_("kind"), max_length=9, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=32)
    status_code = models.CharField(_("status code"), max_length=16, blank=True)
    reason = models.CharField(_("reason as received"), max_length=1000, blank=True)
    event_key = models.CharField(max_length=250, unique=True)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("bounce or complaint")
        verbose_name_plural = _("bounces and complaints")
        indexes = [models.Index(fields=["subscriber", "kind", "occurred_at"], name="newsletter_bounce_counted")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.source}, {self.occurred_at:%Y-%m-%d})"


class SubscriberImport(models.Model):
    """One CSV file of subscribers uploaded by staff (or given to `manage.py newsletter_import`)
    and its outcome. The file itself lives in NEWSLETTER_IMPORT_DIR only until the import ran;
    the report names rows by number and reasons by code, never an address."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused: nothing imported")
        FAILED = "failed", _("Failed: nothing imported")

    file_name = models.CharField(_("file"), max_length=200, editable=False)
    # The name in NEWSLETTER_IMPORT_DIR; empty once the file is deleted (or for a command's own file).
    stored_as = models.CharField(max_length=64, blank=True, editable=False)
    dry_run = models.BooleanField(
        _("dry run"), default=False,
        help_text=_("Only show what the import would do; nothing is written."),
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING,
                              editable=False)
    report = models.JSONField(_("report"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        editable=False, verbose_name=_("uploaded by"),
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("subscriber import")
        verbose_name_plural = _("subscriber imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stored_as="") | Q(stored_as__regex=r"^[0-9a-f]{32}\.csv$"),
                name="newsletter_subscriberimport_stored_as",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"
