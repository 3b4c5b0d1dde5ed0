"""Writes on privacy statements: drafting and publishing versions."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.pagecache import page_cache_clear
from privacy.models import Document, Version
from privacy.selectors import statement_cache_clear

PUBLISH_PERMISSION = "privacy.publish_version"


def version_publish(*, version: Version, user: AbstractBaseUser | AnonymousUser | None) -> Version:
    """Publish a draft as the next version of its document in its language.

    The document row is locked so that two publishers cannot take the same number.
    """
    if user is not None and not user.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(_("You may not publish statement versions."))
    with transaction.atomic():
        Document.objects.select_for_update().get(pk=version.document_id)
        draft = Version.objects.select_for_update().get(pk=version.pk)
        if draft.is_published:
            raise ValidationError(_("This version is already published."))
        last = (
            Version.objects.published()
            .filter(document_id=draft.document_id, language=draft.language)
            .aggregate(last=Max("number"))["last"]
        )
        draft.number = (last or 0) + 1
        draft.status = Version.Status.PUBLISHED
        draft.published_at = timezone.now()
        draft.published_by = user if user is not None and user.is_authenticated else None
        draft.save()
        slug = draft.document.slug
        transaction.on_commit(lambda: (statement_cache_clear(slug), page_cache_clear()))
    return draft


def draft_from_version(*, version: Version, user: AbstractBaseUser | None = None) -> Version:
    """Start a new draft with the text of an existing version (the way to amend one)."""
    return Version.objects.create(
        document=version.document,
        language=version.language,
        title=version.title,
        body=version.body,
        last_amended=timezone.localdate(),
        created_by=user if user is not None and user.is_authenticated else None,
    )
