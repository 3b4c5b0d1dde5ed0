"""Writes on privacy statements: drafting and publishing versions.

Four eyes: every save of a draft records its editor (`version_save`, `draft_from_version`),
and `version_publish` refuses a publisher who edited the draft unless PRIVACY_FOUR_EYES is
off. Both lock the draft's row, so an edit and a publication never cross.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.pagecache import page_cache_clear
from privacy.models import Document, Version, VersionEdit
from privacy.selectors import statement_cache_clear

PUBLISH_PERMISSION = "privacy.publish_version"


def _editors(draft: Version) -> list[dict]:
    """Who saved the draft, each once, in the order they first did."""
    seen: dict[tuple[int | None, str], dict] = {}
    for user_id, username in draft.edits.order_by("edited_at", "pk").values_list("user_id", "username"):
        seen.setdefault((user_id, username), {"id": user_id, "username": username})
    return list(seen.values())


def _four_eyes_check(editors: list[dict], publisher: AbstractBaseUser | None) -> None:
    if not settings.PRIVACY_FOUR_EYES or not editors:
        return
    if publisher is None:
        raise ValidationError(
            _("Staff edited this draft: a staff member who did not edit it must publish it."), code="four_eyes"
        )
    if any(editor["id"] == publisher.pk for editor in editors):
        raise ValidationError(
            _("You edited this draft, so someone who did not edit it must publish it (four eyes)."),
            code="four_eyes",
        )


def version_publish_refusal(*, version: Version, user: AbstractBaseUser | AnonymousUser | None) -> str:
    """Why four eyes would stop `user` publishing this draft now ("" when nothing would), so that
    the publish page can say so before it asks anything. `version_publish` checks again, under lock."""
    try:
        _four_eyes_check(_editors(version), user if user is not None and user.is_authenticated else None)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def version_publish(
    *, version: Version, user: AbstractBaseUser | AnonymousUser | None, material: bool | None = None
) -> Version:
    """Publish a draft as the next version of its document in its language.

    The document row is locked so that two publishers cannot take the same number. `material`
    is the publisher's answer to whether the change matters to the people it concerns (None
    when nobody was asked, as when the customer's texts are loaded).
    """
    if user is not None and not user.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(_("You may not publish statement versions."))
    publisher = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        Document.objects.select_for_update().get(pk=version.document_id)
        draft = Version.objects.select_for_update().get(pk=version.pk)
        if draft.is_published:
            raise ValidationError(_("This version is already published."))
        editors = _editors(draft)
        _four_eyes_check(editors, publisher)
        last = (
            Version.objects.published()
            .filter(document_id=draft.document_id, language=draft.language)
            .aggregate(last=Max("number"))["last"]
        )
        draft.number = (last or 0) + 1
        draft.status = Version.Status.PUBLISHED
        draft.published_at = timezone.now()
        draft.published_by = publisher
        draft.published_by_name = publisher.get_username() if publisher is not None else ""
        draft.editors = editors
        draft.material = material
        draft.save()
        slug = draft.document.slug
        transaction.on_commit(lambda: (statement_cache_clear(slug), page_cache_clear()))
    return draft


def _edit_record(version: Version, user: AbstractBaseUser) -> None:
    VersionEdit.objects.create(version=version, user=user, username=user.get_username())


def version_save(*, version: Version, user: AbstractBaseUser) -> Version:
    """Save a draft (new or changed) and record `user` as one of its editors."""
    with transaction.atomic():
        if version.pk is None:
            version.created_by = user
        elif Version.objects.select_for_update().get(pk=version.pk).is_published:
            raise ValidationError(_("This version is already published."))
        version.save()
        _edit_record(version, user)
    return version


def draft_from_version(*, version: Version, user: AbstractBaseUser | None = None) -> Version:
    """Start a new draft with the text of an existing version (the way to amend one).

    The person who starts it counts as one of its editors.
    """
    draft = Version(
        document=version.document,
        language=version.language,
        title=version.title,
        body=version.body,
        last_amended=timezone.localdate(),
    )
    if user is not None and user.is_authenticated:
        return version_save(version=draft, user=user)
    draft.save()
    return draft
