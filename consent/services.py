"""Writes for cookie consent: registry revisions and consent decisions.

A decision is recorded once, as a row that cannot be changed afterwards (privacy
migration 0005), with what an auditor needs to check it: which categories were granted and
refused, under which cookie-policy revision and privacy-statement version, when, in
which language and how; of the visitor only a truncated IP network and a keyed hash of
the user agent, and a random consent id that also sits in the visitor's cookie.
"""

import contextlib
import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from consent import selectors
from consent.cookie import ConsentCookie
from consent.models import (
    ConsentRecord,
    Cookie,
    CookieAudit,
    CookieAuditFinding,
    GpcRefusalDay,
    Integration,
    RegistryRevision,
)
from consent.types import RegistryState, material_items
from core import ratelimit
from core.inserts import row_insert
from core.ipaddress import client_network, truncate_ip
from core.pagecache import page_cache_clear
from privacy import selectors as privacy_selectors

Method = ConsentRecord.Method

# What a visitor can ask for in one decision.
ACCEPT_ALL, REJECT_ALL, SAVE, GRANT = "accept", "reject", "save", "grant"
ACTIONS = (ACCEPT_ALL, REJECT_ALL, SAVE, GRANT)
# Where the decision was taken; a refusal of something granted before is a withdrawal wherever it happens.
SOURCES = {"banner": Method.BANNER, "settings": Method.SETTINGS, "embed": Method.EMBED}

# A GPC refusal is counted once per visitor: a browser that keeps cookies once (the cookie says
# it is done), one that does not at most once per window for its network.
GPC_COUNT_WINDOW_SECONDS = 24 * 3600
# One statement, so parallel first page views on a new day neither collide nor lose a count.
_GPC_COUNT_SQL = (
    f"INSERT INTO {connection.ops.quote_name(GpcRefusalDay._meta.db_table)} AS d (day, language, count) "  # noqa: S608 - the model's own table name
    "VALUES (%s, %s, 1) ON CONFLICT (day, language) DO UPDATE SET count = d.count + 1"
)


# --- Registry revisions ----------------------------------------------------------------


def registry_material(snapshot: dict) -> str:
    """A fingerprint of what makes a change material (consent.types.material_items): a category
    added or removed, whether a category is necessary, what a category is for (its description),
    a cookie of an optional category added, removed, or changed in provider, domain, purpose or
    lifetime (moving a cookie into or out of an optional category is one of these); so an
    integration switched on or off, through the cookies it sets. Not material: display order,
    category names, which a typo fix may touch without changing what the visitor agreed to, and
    the cookies of a strictly necessary category: they need no consent (ePrivacy Directive art.
    5(3)), so listing one more must not ask every visitor again.
    """
    return hashlib.sha256(json.dumps(sorted(material_items(snapshot))).encode()).hexdigest()


def registry_revise(*, user: AbstractBaseUser | None = None) -> RegistryRevision | None:
    """After any change to the registry: a new revision if the change is material, else None.

    The new revision asks visitors again only if it adds something to what they were asked (a
    cookie, a category or a new purpose); one that only takes processing away
    (an integration switched off) leaves every choice made since the last asking revision in force.
    Idempotent, so it can follow every admin save. The latest revision's row is locked,
    so two admins saving at once cannot both take the next number.
    """
    with transaction.atomic():
        latest = RegistryRevision.objects.select_for_update().order_by("-number").first()
        snapshot = selectors.registry_live_snapshot()
        revision = None
        if latest is None or registry_material(latest.snapshot) != registry_material(snapshot):
            revision = RegistryRevision.objects.create(
                number=(latest.number if latest else 0) + 1,
                snapshot=snapshot,
                created_by=user if user is not None and user.is_authenticated else None,
                asks_again=latest is None or bool(material_items(snapshot) - material_items(latest.snapshot)),
            )
        # Non-material changes (a renamed category) must reach the banner and cached pages too.
        transaction.on_commit(selectors.registry_cache_clear)
        transaction.on_commit(page_cache_clear)
    return revision


def integration_update(*, integration: Integration, user: AbstractBaseUser | None = None) -> RegistryRevision | None:
    """Save an integration as Legal set it in the admin; its cookies in the registry follow it into
    its category (their consent is asked there, and they are expired on its refusal); then revise
    the registry: switching one on asks visitors again, switching one off does not."""
    with transaction.atomic():
        integration.full_clean()
        integration.save()
        if integration.category_id is not None:
            Cookie.objects.filter(integration=integration.kind).exclude(category_id=integration.category_id).update(
                category_id=integration.category_id
            )
        return registry_revise(user=user)


# --- Decisions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    record: ConsentRecord
    cookie: ConsentCookie
    granted: frozenset[str]  # optional categories
    refused: frozenset[str]  # optional categories
    expire: list[str]  # the site's own cookie names and patterns of the refused categories


# What the database says when a record names a revision no longer in force (migration 0006).
REVISION_NOT_IN_FORCE = "cookie policy revision not in force"


class StaleRegistry(Exception):
    """The visitor decided on a cookie policy that has been revised since."""


def user_agent_hash(user_agent: str) -> str:
    """Keyed, so that the stored value cannot be matched against a list of common browsers. The salt
    keeps its old "privacy." name: records made before and after the move must hash alike."""
    if not user_agent:
        return ""
    return salted_hmac("privacy.consent.user-agent", user_agent[:1000], algorithm="sha256").hexdigest()


def _record(
    *, registry: RegistryState, consent_id: uuid.UUID, granted: frozenset[str], method: str, language: str,
    client_ip: str | None, user_agent: str, gpc: bool,
) -> ConsentRecord:
    refused = registry.optional_keys - granted
    # Only inside a transaction does a refused insert need a savepoint to leave it usable; on its
    # own (a visitor's decision) the insert is one statement, committed by itself.
    guard = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    try:
        with guard:
            return row_insert(obj=ConsentRecord(
                consent_id=consent_id,
                method=method,
                granted=sorted(registry.necessary_keys | granted),
                refused=sorted(refused),
                registry_revision_id=registry.revision_id,
                statement_version_id=privacy_selectors.statement_version_in_force_id(language),
                language=language,
                gpc=gpc,
                ip_prefix=truncate_ip(client_ip) or "",
                user_agent_hash=user_agent_hash(user_agent),
            ))
    except IntegrityError as error:
        if REVISION_NOT_IN_FORCE not in str(error):
            raise
        # The registry this request saw is no longer the one in force (another process changed it).
        selectors.registry_cache_clear()
        raise StaleRegistry from error


def consent_decide(
    *,
    registry: RegistryState,
    action: str,
    categories: Iterable[str] = (),
    source: str,
    revision: int | None,
    consent_id: uuid.UUID | None,
    previously_granted: frozenset[str] = frozenset(),
    language: str,
    client_ip: str | None,
    user_agent: str,
    gpc: bool,
) -> Decision:
    """Record a visitor's decision and return what to tell their browser.

    `categories` counts for SAVE (exactly these) and GRANT (these on top of what was
    granted before); unknown keys are ignored. `previously_granted` is what the
    visitor's last authentic cookie granted, however old: refusing any of it now is a
    withdrawal.
    """
    if action not in ACTIONS or source not in SOURCES:
        raise ValueError(f"unknown consent action {action!r} or source {source!r}")
    if revision is not None and revision != registry.revision:
        raise StaleRegistry
    optional = registry.optional_keys
    chosen = frozenset(categories) & optional
    granted = {
        ACCEPT_ALL: optional,
        REJECT_ALL: frozenset(),
        SAVE: chosen,
        GRANT: (previously_granted & optional) | chosen,
    }[action]
    refused = optional - granted
    method = Method.WITHDRAWAL if previously_granted & refused else SOURCES[source]
    consent_id = consent_id or uuid.uuid4()
    record = _record(
        registry=registry, consent_id=consent_id, granted=granted, method=method, language=language,
        client_ip=client_ip, user_agent=user_agent, gpc=gpc,
    )
    cookie = ConsentCookie(consent_id, registry.revision, granted, method, gpc, record.created_at)
    return Decision(record, cookie, granted, refused, registry.first_party_names(refused))


def consent_gpc_refuse(
    *,
    registry: RegistryState,
    consent_id: uuid.UUID | None,
    language: str,
    client_ip: str | None,
) -> ConsentCookie:
    """A Global Privacy Control signal refused every optional category: count it, and return the
    cookie that tells the next page views so (no banner, no second count).

    A refusal needs no proof of consent, so nothing is kept about the visitor: the day's count for
    the language goes up by one, at most once per visitor per window. The visitor is their consent
    id when their browser keeps cookies, else their network: a browser that keeps none cannot be
    told apart from another one in the same network by anything it could not vary at will.
    """
    visitor = consent_id.hex if consent_id else client_network(client_ip) or "no-address"
    if ratelimit.hit("consent-gpc", visitor, limit=1, window_seconds=GPC_COUNT_WINDOW_SECONDS):
        with connection.cursor() as cursor:
            cursor.execute(_GPC_COUNT_SQL, [timezone.localdate(), language])
    return ConsentCookie(consent_id or uuid.uuid4(), registry.revision, frozenset(), Method.GPC, True, timezone.now())


# --- Cookie audit reports -------------------------------------------------------------------


def cookie_audit_record(
    *,
    base_url: str,
    registry_revision_id: int,
    states: list[str],
    pages: list[str],
    observations: dict,
    findings: Iterable,
) -> CookieAudit:
    """Store one cookie audit's report: what was walked, what was met, and each finding, linked to
    the registry entry it is about where there is one (so the admin can open it in one click)."""
    cookie_ids = {(name, domain): pk for pk, name, domain in Cookie.objects.values_list("pk", "name", "domain")}
    rows = list(findings)
    with transaction.atomic():
        audit = CookieAudit.objects.create(
            base_url=base_url, registry_revision_id=registry_revision_id, states=states, pages=pages,
            observations=observations,
            errors=sum(1 for f in rows if f.severity == CookieAuditFinding.Severity.ERROR),
            warnings=sum(1 for f in rows if f.severity == CookieAuditFinding.Severity.WARNING),
        )
        CookieAuditFinding.objects.bulk_create(
            CookieAuditFinding(
                audit=audit, severity=f.severity, kind=f.kind, subject=f.subject[:500], domain=f.domain[:253],
                cookie_id=cookie_ids.get(f.cookie) if f.cookie else None, category=f.category, states=f.states,
                page=f.page[:500], page_count=len(f.pages), source=f.source[:1000],
                observed_seconds=f.observed_seconds, declared_seconds=f.declared_seconds,
            )
            for f in rows
        )
    return audit
