"""Reads for the privacy app.

Statement pages are read far more often than they change, so the rendered, sanitised
statement is cached per document and language and cleared when a version is
published. Only the sanitised HTML is cached, never a page, so no CSP nonce or CSRF
token can leak from one visitor to another.
"""

import datetime
import hashlib
import json
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from core.richtext import TocEntry, render_markdown
from privacy.diffing import DiffBlock, diff_texts
from privacy.models import Category, ConsentRecord, Document, GpcRefusalDay, RegistryRevision, Version

_CACHE_PREFIX = "privacy:statement:v1"


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


def statement_cache_clear(slug: str) -> None:
    cache.delete_many([_cache_key(slug, code) for code in _language_codes()])


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


def statement_diff(slug: str, language: str, old: int, new: int) -> tuple[Version, Version, list[DiffBlock]] | None:
    history = statement_history(slug, language)
    if history is None:
        return None
    _document, _lang, versions = history
    by_number = {v.number: v for v in versions}
    if old not in by_number or new not in by_number:
        return None
    old_version, new_version = by_number[old], by_number[new]
    return old_version, new_version, diff_texts(old_version.body, new_version.body)


def documents_for_sitemap() -> list[tuple[str, list[str]]]:
    """Each document slug with the languages it has a published version in."""
    pairs = Version.objects.published().values_list("document__slug", "language").distinct()
    result: dict[str, list[str]] = {}
    for slug, lang in pairs:
        result.setdefault(slug, []).append(lang)
    return sorted(result.items())


# --- Cookie consent ------------------------------------------------------------------
#
# Every page view needs the registry (the banner, the gating, the server-side expiry),
# so the whole of it is cached as one small object: reading it is one cache hit and no
# query. It is cleared whenever an admin changes the registry (privacy.services.consent).

_REGISTRY_CACHE_KEY = "privacy:consent:registry:v2"


@dataclass(frozen=True)
class CookieInfo:
    name: str
    provider: str
    domain: str  # '' = set on the site's own domain, so the site can delete it
    purpose: dict[str, str]
    lifetime: dict[str, str]

    @property
    def is_pattern(self) -> bool:
        return "*" in self.name

    @property
    def first_party(self) -> bool:
        return not self.domain


@dataclass(frozen=True)
class CategoryInfo:
    key: str
    necessary: bool
    name: dict[str, str]
    description: dict[str, str]
    cookies: tuple[CookieInfo, ...]


@dataclass(frozen=True)
class LocalizedCookie:
    name: str
    provider: str
    domain: str
    purpose: str
    lifetime: str


@dataclass(frozen=True)
class LocalizedCategory:
    key: str
    necessary: bool
    name: str
    description: str
    cookies: list[LocalizedCookie]


@dataclass(frozen=True)
class RegistryState:
    """The cookie registry in force: the latest revision's number and date, the live contents."""

    revision: int
    revision_id: int
    revised_at: datetime.datetime
    categories: tuple[CategoryInfo, ...]
    stamp: str = ""  # a hash of the whole contents: what rendered fragments of it are keyed by

    @property
    def optional_keys(self) -> frozenset[str]:
        return frozenset(c.key for c in self.categories if not c.necessary)

    @property
    def necessary_keys(self) -> frozenset[str]:
        return frozenset(c.key for c in self.categories if c.necessary)

    def first_party_names(self, categories: frozenset[str] | set[str]) -> list[str]:
        """The names and patterns of the site's own cookies in these categories."""
        return [
            cookie.name for c in self.categories if c.key in categories for cookie in c.cookies if cookie.first_party
        ]

    def localized(self, language: str) -> list[LocalizedCategory]:
        def pick(texts: dict[str, str]) -> str:
            return texts.get(language) or texts.get(settings.LANGUAGE_CODE) or next(iter(texts.values()), "")

        return [
            LocalizedCategory(
                key=c.key, necessary=c.necessary, name=pick(c.name), description=pick(c.description),
                cookies=[
                    LocalizedCookie(k.name, k.provider, k.domain, pick(k.purpose), pick(k.lifetime)) for k in c.cookies
                ],
            )
            for c in self.categories
        ]


def _registry_from_snapshot(snapshot: dict, revision: int, revision_id: int, revised_at) -> RegistryState:
    contents = json.dumps([revision, snapshot], sort_keys=True, default=str).encode()
    return RegistryState(
        stamp=hashlib.sha256(contents).hexdigest()[:32],
        revision=revision,
        revision_id=revision_id,
        revised_at=revised_at,
        categories=tuple(
            CategoryInfo(
                key=c["key"], necessary=c["necessary"], name=c["name"], description=c["description"],
                cookies=tuple(
                    CookieInfo(k["name"], k["provider"], k["domain"], k["purpose"], k["lifetime"]) for k in c["cookies"]
                ),
            )
            for c in snapshot["categories"]
        ),
    )


def registry_live_snapshot() -> dict:
    """The registry as it is now, in the form a revision keeps it (both languages, plain JSON)."""
    categories = []
    for category in Category.objects.prefetch_related("cookies"):
        cookies = sorted(category.cookies.all(), key=lambda k: (k.position, k.name))
        categories.append({
            "key": category.key, "necessary": category.necessary, "position": category.position,
            "name": {"nl": category.name_nl, "en": category.name_en},
            "description": {"nl": category.description_nl, "en": category.description_en},
            "cookies": [
                {
                    "name": k.name, "provider": k.provider, "domain": k.domain, "position": k.position,
                    "purpose": {"nl": k.purpose_nl, "en": k.purpose_en},
                    "lifetime": {"nl": k.lifetime_nl, "en": k.lifetime_en},
                }
                for k in cookies
            ],
        })
    return {"categories": categories}


# A per-process copy for a moment saves even the cache round trip on busy pages. It can be
# at most CONSENT_REGISTRY_LOCAL_SECONDS behind another process's admin change; decisions
# are checked against the database when written, so a stale copy never records anything.
_LOCAL: list = [None, 0.0]


def registry_state() -> RegistryState | None:
    """The registry in force, from the cache; None when no revision exists (consent cannot be recorded)."""
    local_seconds = settings.CONSENT_REGISTRY_LOCAL_SECONDS
    state, fresh_until = _LOCAL
    if local_seconds > 0 and state is not None and time.monotonic() < fresh_until:
        return state
    state = cache.get(_REGISTRY_CACHE_KEY)
    if state is None:
        latest = RegistryRevision.objects.order_by("-number").values("id", "number", "created_at").first()
        if latest is None:
            return None
        state = _registry_from_snapshot(
            registry_live_snapshot(), latest["number"], latest["id"], latest["created_at"]
        )
        cache.set(_REGISTRY_CACHE_KEY, state, settings.CONSENT_REGISTRY_CACHE_SECONDS)
    if local_seconds > 0:
        _LOCAL[:] = [state, time.monotonic() + local_seconds]
    return state


def registry_cache_clear() -> None:
    _LOCAL[:] = [None, 0.0]
    cache.delete(_REGISTRY_CACHE_KEY)


def registry_latest() -> tuple[int, int] | None:
    """(id, number) of the latest revision, from the database itself."""
    return RegistryRevision.objects.order_by("-number").values_list("id", "number").first()


def registry_revision_state(number: int) -> RegistryState | None:
    """An earlier (or the current) cookie policy exactly as it was when that revision came into force."""
    revision = RegistryRevision.objects.filter(number=number).first()
    if revision is None:
        return None
    return _registry_from_snapshot(revision.snapshot, revision.number, revision.id, revision.created_at)


def registry_revisions() -> list[tuple[int, datetime.datetime]]:
    return list(RegistryRevision.objects.order_by("-number").values_list("number", "created_at"))


def consent_history(consent_id) -> list:
    """Every decision recorded under one consent id, newest first."""
    if consent_id is None:
        return []
    return list(
        ConsentRecord.objects.filter(consent_id=consent_id)
        .select_related("registry_revision", "statement_version")
        .order_by("-created_at", "-id")
    )


def statement_version_in_force(language: str) -> Version | None:
    """The published primary statement a visitor reading in `language` is shown right now."""
    view = statement_current(settings.PRIVACY_PRIMARY_DOCUMENT, language)
    if view is None:
        return None
    return (
        Version.objects.published()
        .filter(document__slug=view.document_slug, language=view.language, number=view.number)
        .first()
    )


@dataclass(frozen=True)
class WeeklyRate:
    week: datetime.date  # the Monday the week starts on
    accepted: int
    refused: int  # GPC refusals included
    gpc: int = 0  # of the refusals, those by a Global Privacy Control signal

    @property
    def total(self) -> int:
        return self.accepted + self.refused

    @property
    def accepted_share(self) -> float:
        return self.accepted / self.total if self.total else 0.0


def consent_weekly_rates(weeks: int = 12, *, today: datetime.date | None = None) -> dict[str, list[WeeklyRate]]:
    """Per optional category, per week (oldest first): how many decisions accepted or refused it.

    Each record counts once per category it names, whatever the method (a withdrawal is a
    refusal as much as a click on "Reject all" is). A Global Privacy Control signal refuses
    every optional category; those are counted per day, not recorded, and count here as a
    refusal of each category the registry now has.
    """
    today = today or timezone.localdate()
    first_monday = today - datetime.timedelta(days=today.weekday(), weeks=weeks - 1)
    start = timezone.make_aware(datetime.datetime.combine(first_monday, datetime.time.min))
    counts: dict[str, dict[datetime.date, list[int]]] = {}
    rows = ConsentRecord.objects.filter(created_at__gte=start).values_list("created_at", "granted", "refused")
    for created_at, granted, refused in rows.iterator(chunk_size=2000):
        day = timezone.localtime(created_at).date()
        monday = day - datetime.timedelta(days=day.weekday())
        for keys, index in ((granted, 0), (refused, 1)):
            for key in keys:
                counts.setdefault(key, {}).setdefault(monday, [0, 0])[index] += 1
    gpc: dict[datetime.date, int] = {}
    for day, count in GpcRefusalDay.objects.filter(day__gte=first_monday).values_list("day", "count"):
        monday = day - datetime.timedelta(days=day.weekday())
        gpc[monday] = gpc.get(monday, 0) + count
    mondays = [first_monday + datetime.timedelta(weeks=n) for n in range(weeks)]
    state = registry_state()
    keys = sorted(state.optional_keys) if state else sorted(counts)

    def rate(key: str, monday: datetime.date) -> WeeklyRate:
        accepted, refused = counts.get(key, {}).get(monday, [0, 0])
        return WeeklyRate(monday, accepted, refused + gpc.get(monday, 0), gpc.get(monday, 0))

    return {key: [rate(key, m) for m in mondays] for key in keys}
