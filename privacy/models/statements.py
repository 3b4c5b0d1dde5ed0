"""Privacy statements: a document and its versions, one history per language.

A version is a draft until it is published; publishing gives it the next number in
its document's history for that language and freezes it. The freeze is enforced by
a database trigger (migration 0002), so neither the admin nor `QuerySet.update()`
can change or delete a published version.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Paths under /<lang>/privacy/ that belong to other pages, never to a document.
RESERVED_DOCUMENT_SLUGS = ("my-data", "retention", "history", "diff", "consent")


class Document(models.Model):
    slug = models.SlugField(_("slug"), unique=True, help_text=_("Part of the address, e.g. 'ilumen'."))
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("privacy document")
        verbose_name_plural = _("privacy documents")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(slug__in=RESERVED_DOCUMENT_SLUGS), name="document_slug_not_reserved"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VersionQuerySet(models.QuerySet):
    def published(self) -> "VersionQuerySet":
        return self.filter(status=Version.Status.PUBLISHED)

    def drafts(self) -> "VersionQuerySet":
        return self.filter(status=Version.Status.DRAFT)

    def history(self, document: Document, language: str) -> "VersionQuerySet":
        return self.published().filter(document=document, language=language).order_by("-number")


class Version(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="versions", verbose_name=_("document")
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    number = models.PositiveIntegerField(
        _("version number"), null=True, blank=True, editable=False,
        help_text=_("Given when the version is published."),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body (Markdown)"))
    last_amended = models.DateField(_("last amended"))
    change_summary = models.CharField(_("change summary"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", editable=False, verbose_name=_("created by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", editable=False, verbose_name=_("published by"),
    )
    # Frozen with the version (migration 0009): who wrote it and who published it stay on record
    # even when their accounts, and so the foreign keys above, are gone.
    editors = models.JSONField(
        _("edited by"), default=list, blank=True, editable=False,
        help_text=_("The staff who saved the draft, as recorded when it was published."),
    )
    published_by_name = models.CharField(_("published by (name)"), max_length=150, blank=True, editable=False)
    material = models.BooleanField(
        _("material change"), null=True, blank=True, editable=False,
        help_text=_("The publisher's answer: does this version change what people were told in a way that matters?"),
    )

    objects = VersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("statement version")
        verbose_name_plural = _("statement versions")
        ordering = ["document", "language", "-number", "-created_at"]
        permissions = [("publish_version", _("Can publish a statement version"))]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "language", "number"], name="version_number_unique_per_language"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="draft", number__isnull=True, published_at__isnull=True)
                    | Q(status="published", number__gte=1, published_at__isnull=False)
                ),
                name="version_number_iff_published",
            ),
        ]
        indexes = [models.Index(fields=["document", "language", "status", "-number"])]

    def __str__(self) -> str:
        label = f"v{self.number}" if self.number else str(_("draft"))
        return f"{self.document} ({self.language}) {label}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class VersionEdit(models.Model):
    """One save of a draft by a staff member: who may not publish it under four eyes."""

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="edits", verbose_name=_("version"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("user"),
    )
    username = models.CharField(_("user name"), max_length=150)
    edited_at = models.DateTimeField(_("edited at"), auto_now_add=True)

    class Meta:
        verbose_name = _("statement edit")
        verbose_name_plural = _("statement edits")
        ordering = ["edited_at"]

    def __str__(self) -> str:
        return f"{self.username} {self.edited_at:%Y-%m-%d %H:%M}"
