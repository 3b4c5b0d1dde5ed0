"""Reads for cookie consent: the registry in force, earlier cookie policies, a visitor's
consent history and the weekly acceptance rates.
"""

import dataclasses
import datetime
import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, Sum, TextField
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.utils import timezone

from consent import cookie as consent_cookie
from consent import integrations as kinds
from consent.models import (
    Category,
    ConsentRecord,
    CookieAudit,
    GpcRefusalDay,
    Integration,
    IntegrationKind,
    RegistryRevision,
)
from consent.types import (
    CategoryInfo,
    ConsentState,
    CookieInfo,
    IntegrationInfo,
    RegistryState,
    material_items,
)
from core.cache import LocalCopy, from_settings, on_setting_change

# Every page view needs the registry (the banner, the gating, the server-side expiry),
# so the whole of it is cached as one small object: reading it is one cache hit and no
# query. It is cleared whenever an admin changes the registry (consent.services). Its key
# holds what the environment pins (_environment_pins), so a process started with other
# settings never takes another's copy.

_REGISTRY_CACHE_KEY = "privacy:consent:registry:v4"
_INTEGRATION_FIELDS = {field.name for field in dataclasses.fields(IntegrationInfo)}


def _registry_from_snapshot(
    snapshot: dict, revision: int, revision_id: int, revised_at, *, asked_since: int = 0, drifted: bool = False,
) -> RegistryState:
    contents = json.dumps([revision, snapshot], sort_keys=True, default=str).encode()
    return RegistryState(
        stamp=hashlib.sha256(contents).hexdigest()[:32],
        revision=revision,
        revision_id=revision_id,
        revised_at=revised_at,
        asked_since=asked_since,
        drifted=drifted,
        integrations=tuple(
            IntegrationInfo(**{k: v for k, v in i.items() if k in _INTEGRATION_FIELDS})
            for i in snapshot.get("integrations", [])
        ),
        categories=tuple(
            CategoryInfo(
                key=c["key"], necessary=c["necessary"], name=c["name"], description=c["description"],
                cookies=tuple(
                    CookieInfo(
                        k["name"], k["provider"], k["domain"], k["purpose"], k["lifetime"], k.get("max_lifetime")
                    )
                    for k in c["cookies"]
                ),
            )
            for c in snapshot["categories"]
        ),
    )


_PINNING_SETTINGS = ("GA_MEASUREMENT_ID", "MATOMO_URL", "MATOMO_SITE_ID", "SOCIAL_BUTTONS", "SOCIAL_EMBED_SCRIPTS")


@from_settings(*_PINNING_SETTINGS)
def _environment_pins() -> tuple:
    """The integrations the environment switches on; they take precedence over the admin's."""
    return (
        settings.GA_MEASUREMENT_ID, settings.MATOMO_URL, settings.MATOMO_SITE_ID, tuple(settings.SOCIAL_BUTTONS),
        tuple(sorted(settings.SOCIAL_EMBED_SCRIPTS.items())),
    )


def integrations_live() -> list[IntegrationInfo]:
    """The integrations in force now: pinned by the environment, else as switched on in the admin."""
    rows = {row.kind: row for row in Integration.objects.select_related("category")}

    def on(kind: str) -> Integration | None:
        row = rows.get(kind)
        return row if row is not None and row.enabled and row.category is not None else None

    def category(kind: str) -> str:
        row = rows.get(kind)
        return row.category.key if row is not None and row.category is not None else kinds.DEFAULT_CATEGORY[kind]

    live: list[IntegrationInfo] = []
    ga4, matomo = IntegrationKind.GA4, IntegrationKind.MATOMO
    if settings.GA_MEASUREMENT_ID:
        live.append(IntegrationInfo(str(ga4), category(ga4), "environment", measurement_id=settings.GA_MEASUREMENT_ID))
    elif row := on(ga4):
        live.append(IntegrationInfo(str(ga4), row.category.key, "admin", measurement_id=row.measurement_id))
    if settings.MATOMO_URL:
        live.append(IntegrationInfo(
            str(matomo), category(matomo), "environment", url=settings.MATOMO_URL, site_id=settings.MATOMO_SITE_ID,
        ))
    elif row := on(matomo):
        live.append(IntegrationInfo(str(matomo), row.category.key, "admin", url=row.matomo_url,
                                    site_id=row.matomo_site_id))
    embeds = {kinds.EMBED_NETWORKS[name]: url for name, url in settings.SOCIAL_EMBED_SCRIPTS.items()
              if name in kinds.EMBED_NETWORKS}
    for kind in kinds.NETWORKS:
        pinned, row = kind in settings.SOCIAL_BUTTONS, on(kind)
        if pinned or row is not None or kind in embeds:
            live.append(IntegrationInfo(
                str(kind), category(kind), "admin" if row is not None and not pinned else "environment",
                button=pinned or row is not None, embed_script=embeds.get(kind, ""),
            ))
    return live


def registry_live_snapshot() -> dict:
    """The registry in force now, in the form a revision keeps it (both languages, plain JSON).

    Only what is in use: a cookie that an integration sets is listed while that integration is
    in force, and a category only while it holds a cookie or an integration in force.
    """
    integrations = integrations_live()
    active = {integration.kind for integration in integrations}
    categories = []
    for category in Category.objects.prefetch_related("cookies"):
        cookies = sorted(
            (k for k in category.cookies.all() if not k.integration or k.integration in active),
            key=lambda k: (k.position, k.name),
        )
        if not cookies and not any(integration.category == category.key for integration in integrations):
            continue
        categories.append({
            "key": category.key, "necessary": category.necessary, "position": category.position,
            "name": {"nl": category.name_nl, "en": category.name_en},
            "description": {"nl": category.description_nl, "en": category.description_en},
            "cookies": [
                {
                    "name": k.name, "provider": k.provider, "domain": k.domain, "position": k.position,
                    "purpose": {"nl": k.purpose_nl, "en": k.purpose_en},
                    "lifetime": {"nl": k.lifetime_nl, "en": k.lifetime_en},
                    "max_lifetime": k.max_lifetime_seconds,
                    "integration": k.integration,
                }
                for k in cookies
            ],
        })
    return {"categories": categories, "integrations": [dataclasses.asdict(i) for i in integrations]}


# A per-process copy for a moment saves even the cache round trip on busy pages. It can be
# at most CONSENT_REGISTRY_LOCAL_SECONDS behind another process's admin change; decisions
# are checked against the database when written, so a stale copy never records anything.
# A process's pins do not change while it runs; in tests they do, and the copy goes with them.
_local = LocalCopy(lambda: settings.CONSENT_REGISTRY_LOCAL_SECONDS)
on_setting_change(frozenset((*_PINNING_SETTINGS, "CONSENT_REGISTRY_LOCAL_SECONDS")), _local.forget)


def _cache_key(pins: tuple) -> str:
    return f"{_REGISTRY_CACHE_KEY}:{hashlib.blake2b(repr(pins).encode(), digest_size=8).hexdigest()}"


def registry_state() -> RegistryState | None:
    """The registry in force, from the cache; None when no revision exists (consent cannot be recorded)."""
    state = _local.get()
    if state is not None:
        return state
    key = _cache_key(_environment_pins())
    state = cache.get(key)
    if state is None:
        latest = RegistryRevision.objects.order_by("-number").values("id", "number", "created_at", "snapshot").first()
        if latest is None:
            return None
        asking = RegistryRevision.objects.filter(asks_again=True).order_by("-number")
        asked_since = asking.values_list("number", flat=True).first()
        live = registry_live_snapshot()
        # Only an addition: what was taken away outside the admin (a setting removed) is covered
        # by the consent already given, and goes into the next revision. Were a removal revised
        # here too, two generations of processes with different settings (a rolling restart)
        # would each revise the other's revision away, on every request.
        drifted = bool(material_items(live) - material_items(latest["snapshot"]))
        state = _registry_from_snapshot(
            live, latest["number"], latest["id"], latest["created_at"], asked_since=asked_since or 0, drifted=drifted,
        )
        if drifted:
            return state  # not kept: the revision it needs is made at once (consent.middleware)
        cache.set(key, state, settings.CONSENT_REGISTRY_CACHE_SECONDS)
    _local.keep(state)
    return state


def registry_cache_clear() -> None:
    _local.forget()
    cache.delete(_cache_key(_environment_pins()))


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


def consent_state(request: HttpRequest) -> ConsentState:
    """The visitor's cookie choices for this request, from the signed consent cookie: no query."""
    registry = registry_state()
    cookie = consent_cookie.decode(request.COOKIES.get(consent_cookie.name()))
    current = cookie is not None and registry is not None and consent_cookie.is_current(
        cookie, registry.revision, since=registry.asked_since
    )
    # From META, not request.headers: on a cached page nothing else builds that mapping of every header.
    gpc = request.META.get("HTTP_SEC_GPC", "").strip() == "1"
    # A GPC signal refuses everything optional (when there is anything) unless the visitor opted in while sending it.
    gpc_refusal = (
        gpc and registry is not None and bool(registry.optional_keys)
        and (not current or (bool(cookie.granted) and not cookie.gpc))
    )
    granted = cookie.granted & registry.optional_keys if current and not gpc_refusal else frozenset()
    return ConsentState(registry, cookie, current, gpc, gpc_refusal, granted)


@dataclass(frozen=True)
class ConsentShare:
    """How the decisions of a period went for one optional category (counted as consent_weekly_rates
    counts them: each record once per category it names, each GPC refusal as a refusal of each)."""

    key: str
    name: str
    accepted: int
    refused: int  # GPC refusals included

    @property
    def total(self) -> int:
        return self.accepted + self.refused

    @property
    def accepted_percent(self) -> int:
        return round(100 * self.accepted / self.total) if self.total else 0


@dataclass(frozen=True)
class ConsentShares:
    records: int  # consent records of the period: what the record list filtered by date shows
    gpc: int  # refusals by a Global Privacy Control signal, counted per day, not recorded
    categories: list[ConsentShare]


def consent_shares(*, since: datetime.datetime, language: str) -> ConsentShares:
    """Accepted and refused per optional category since then, in aggregate: one query for the records
    (a category named in the stored JSON list, which PostgreSQL and SQLite both read as text) and one
    for the GPC days."""
    state = registry_state()
    names = {c.key: c.name for c in state.localized(language) if not c.necessary} if state else {}
    keys = sorted(names)
    records = ConsentRecord.objects.filter(created_at__gte=since).annotate(
        granted_text=Cast("granted", TextField()), refused_text=Cast("refused", TextField()),
    )
    counts = records.aggregate(records=Count("pk"), **{
        f"{side}{index}": Count("pk", filter=Q(**{f"{side}_text__contains": json.dumps(key)}))
        for index, key in enumerate(keys) for side in ("granted", "refused")
    })
    gpc = GpcRefusalDay.objects.filter(day__gte=timezone.localtime(since).date()).aggregate(n=Sum("count"))["n"] or 0
    return ConsentShares(records=counts["records"], gpc=gpc, categories=[
        ConsentShare(
            key=key, name=names[key], accepted=counts[f"granted{index}"], refused=counts[f"refused{index}"] + gpc,
        )
        for index, key in enumerate(keys)
    ])


def cookie_audit_latest() -> CookieAudit | None:
    """The latest run of the cookie audit, with its error and warning counts."""
    return CookieAudit.objects.only("pk", "created_at", "errors").first()
