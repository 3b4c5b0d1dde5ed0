"""Reads for the privacy app.

Statement pages are read far more often than they change, so the rendered, sanitised
statement is cached per document and language and cleared when a version is
published. Only the sanitised HTML is cached, never a page, so no CSP nonce or CSRF
token can leak from one visitor to another.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, QuerySet

from core.richtext import TocEntry, render_markdown
from privacy.diffing import RenderedDiff, diff_rendered
from privacy.models import Document, Version, VersionEdit

_CACHE_PREFIX = "privacy:statement:v2"


@dataclass(frozen=True)
class NewerTranslation:
    language: str
    last_amended: datetime.date


@dataclass(frozen=True)
class StatementView:
    """A published version, ready to show to a visitor."""

    document_slug: str
    document_name: str
    language: str  # the language of the text, which may differ from the page's
    number: int
    title: str
    html: str
    last_amended: datetime.date
    published_at: datetime.datetime
    change_summary: str
    version_id: int  # what consent proofs and records name: read from the cached view, no query
    toc: list[TocEntry] = field(default_factory=list)
    current_number: int = 0
    newer_translation: NewerTranslation | None = None

    @property
    def is_current(self) -> bool:
        return self.number == self.current_number


def _language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _cache_key(slug: str, language: str) -> str:
    return f"{_CACHE_PREFIX}:{slug}:{language}"


def _version_id_cache_key(slug: str, language: str) -> str:
    return f"{_CACHE_PREFIX}:version-id:{slug}:{language}"


def statement_cache_clear(slug: str) -> None:
    cache.delete_many(
        [key(slug, code) for code in _language_codes() for key in (_cache_key, _version_id_cache_key)]
    )


def content_language(document: Document, language: str) -> str | None:
    """The page language if the document has it, else the first language that has it."""
    available = set(Version.objects.published().filter(document=document).values_list("language", flat=True))
    if language in available:
        return language
    return next((code for code in _language_codes() if code in available), None)


def _newer_translation(version: Version) -> NewerTranslation | None:
    newer = (
        Version.objects.published()
        .filter(document_id=version.document_id, last_amended__gt=version.last_amended)
        .exclude(language=version.language)
        .order_by("-last_amended")
        .first()
    )
    return NewerTranslation(newer.language, newer.last_amended) if newer else None


def _view(version: Version, current_number: int) -> StatementView:
    rendered = render_markdown(version.body)
    return StatementView(
        document_slug=version.document.slug,
        document_name=version.document.name,
        language=version.language,
        number=version.number or 0,
        title=version.title,
        html=rendered.html,
        toc=rendered.toc,
        last_amended=version.last_amended,
        published_at=version.published_at,
        change_summary=version.change_summary,
        version_id=version.pk,
        current_number=current_number,
        newer_translation=_newer_translation(version) if version.is_published else None,
    )


def draft_preview(version: Version) -> StatementView:
    """A draft rendered exactly as the visitor page will render it once published."""
    return _view(version, current_number=version.number or 0)


def statement_current(slug: str, language: str) -> StatementView | None:
    """The current statement for a page language, or None when there is nothing to show."""
    key = _cache_key(slug, language)
    view = cache.get(key)
    if view is None:
        document = Document.objects.filter(slug=slug).first()
        lang = content_language(document, language) if document else None
        if lang is None:
            return None
        version = Version.objects.history(document, lang).select_related("document").first()
        view = _view(version, current_number=version.number)
        cache.set(key, view, settings.STATEMENT_CACHE_SECONDS)
    return view


def statement_version(slug: str, language: str, number: int) -> StatementView | None:
    current = statement_current(slug, language)
    if current is None:
        return None
    if number == current.number:
        return current
    version = (
        Version.objects.published()
        .select_related("document")
        .filter(document__slug=slug, language=current.language, number=number)
        .first()
    )
    return _view(version, current_number=current.number) if version else None


def statement_history(slug: str, language: str) -> tuple[Document, str, list[Version]] | None:
    document = Document.objects.filter(slug=slug).first()
    lang = content_language(document, language) if document else None
    if lang is None:
        return None
    return document, lang, list(Version.objects.history(document, lang))


def statement_diff(
    slug: str, language: str, old: int, new: int, *, whole: bool = False
) -> tuple[Version, Version, RenderedDiff] | None:
    history = statement_history(slug, language)
    if history is None:
        return None
    _document, _lang, versions = history
    by_number = {v.number: v for v in versions}
    if old not in by_number or new not in by_number:
        return None
    old_version, new_version = by_number[old], by_number[new]
    return old_version, new_version, diff_rendered(old_version.body, new_version.body, whole=whole)


def version_editor_names(version: Version) -> list[str]:
    """Who has saved a draft so far, each once, in the order they first did."""
    names = version.edits.order_by("edited_at", "pk").values_list("username", flat=True)
    return list(dict.fromkeys(names))


def version_in_force(version: Version) -> Version | None:
    """The published version a draft would replace: the newest of its document and language."""
    return Version.objects.history(version.document, version.language).exclude(pk=version.pk).first()


def version_diff_with_in_force(version: Version) -> tuple[Version | None, RenderedDiff]:
    """A version compared, as rendered, with the one in force (everything new when there is none)."""
    current = version_in_force(version)
    return current, diff_rendered(current.body if current else "", version.body)


def version_announceable(version: Version) -> bool:
    """A published material change of the statement the newsletter's consent text links (the
    primary one): the change every subscriber is told of. A minor change is announced to nobody."""
    return version.is_published and version.material is True and (
        version.document.slug == settings.PRIVACY_PRIMARY_DOCUMENT
    )


@dataclass(frozen=True)
class ChangeInLanguage:
    """A statement change as it stands in one language: the version in force there, the one it
    replaced, and whether it was published for this change."""

    language: str
    version: Version
    previous: Version | None
    updated: bool


def statement_change(*, version_id: int) -> list[ChangeInLanguage]:
    """A published version's change in each language of its document that has a published version.

    Its own language is updated. Each change is published in every language, so the histories
    keep in step: another language counts as updated for this change when its version in force
    has at least this version's number and was published after the version this one replaced.
    Otherwise that language has no version published for this change yet.
    """
    version = Version.objects.published().select_related("document").get(pk=version_id)
    own_previous = _previous(version)
    changes = []
    for code, _name in settings.LANGUAGES:
        current = version if code == version.language else (
            Version.objects.history(version.document, code).first()
        )
        if current is None:
            continue
        in_step = current.number >= version.number and (
            own_previous is None or current.published_at > own_previous.published_at
        )
        updated = current == version or in_step
        changes.append(ChangeInLanguage(code, current, _previous(current), updated))
    return changes


def _previous(version: Version) -> Version | None:
    return Version.objects.history(version.document, version.language).filter(number__lt=version.number).first()


def documents_for_sitemap() -> list[tuple[str, list[str]]]:
    """Each document slug with the languages it has a published version in."""
    pairs = Version.objects.published().values_list("document__slug", "language").distinct()
    result: dict[str, list[str]] = {}
    for slug, lang in pairs:
        result.setdefault(slug, []).append(lang)
    return sorted(result.items())


def statement_version_in_force_id(language: str) -> int | None:
    """The id of the published primary statement a visitor reading in `language` is shown right
    now (from the cached statement: a consent decision or subscription costs no query for it)."""
    # Cached on its own beside the statement, and cleared with it: reading the whole cached
    # statement for its id cost a consent decision more CPU than its own insert.
    key = _version_id_cache_key(settings.PRIVACY_PRIMARY_DOCUMENT, language)
    version_id = cache.get(key)
    if version_id is None:
        view = statement_current(settings.PRIVACY_PRIMARY_DOCUMENT, language)
        if view is None:
            return None
        version_id = view.version_id
        cache.set(key, version_id, settings.STATEMENT_CACHE_SECONDS)
    return version_id


def version_latest_published(*, document_slug: str, language: str) -> Version | None:
    """The newest published version of a document in one language (its document selected too)."""
    return (
        Version.objects.published()
        .filter(document__slug=document_slug, language=language)
        .select_related("document")
        .order_by("-number")
        .first()
    )


def documents_published() -> list[Document]:
    """Documents with at least one published version."""
    return list(Document.objects.filter(versions__status="published").distinct())


def versions_awaiting_review(*, user_id: int) -> QuerySet[Version]:
    """Drafts someone has edited and this staff member has not: the ones they may publish under four
    eyes (the admin index counts them, the version list's "review" filter lists them)."""
    edits = VersionEdit.objects.filter(version_id=OuterRef("pk"))
    return Version.objects.drafts().filter(Exists(edits)).exclude(Exists(edits.filter(user_id=user_id)))
