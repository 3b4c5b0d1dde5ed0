"""The values cookie consent passes around: the registry in force and what the middleware
puts on every request (`request.consent`)."""

import datetime
import json
import uuid
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings

from consent.cookie import ConsentCookie


@dataclass(frozen=True)
class CookieInfo:
    name: str
    provider: str
    domain: str  # '' = set on the site's own domain, so the site can delete it
    purpose: dict[str, str]
    lifetime: dict[str, str]
    # The declared maximum in seconds, 0 for "until the browser closes", None when none is declared.
    max_lifetime: int | None = None

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
class IntegrationInfo:
    """Third-party code switched on (in the admin, or pinned by the environment), loaded only with
    consent for `category`."""

    kind: str  # consent.models.IntegrationKind
    category: str
    source: str  # "admin" or "environment": where it is switched on
    measurement_id: str = ""  # Google Analytics 4
    url: str = ""  # Matomo: the https origin of its server
    site_id: int | None = None  # Matomo
    button: bool = False  # a network's own share button
    embed_script: str = ""  # a network's embedded posts (SOCIAL_EMBED_SCRIPTS)


def material_items(snapshot: dict) -> frozenset[tuple]:
    """What visitors consent to in a registry snapshot, as items that a change adds or takes away.

    Material: each category (key, whether necessary, what it is for) and each cookie of an
    optional category (provider, domain, purpose, lifetime). An integration counts through these:
    switched on, it brings the cookies it sets (and its category, if nothing else showed it) into
    the registry; switched off, it takes them away. The snapshot records the integrations too, as
    proof of what was in force. Not material: display order, names, a cookie's maximum lifetime
    for the audit, the cookies of a strictly necessary category (they need no consent, ePrivacy
    Directive art. 5(3)), an integration's identifiers (measurement ID, site ID).
    """
    items: set[tuple] = set()
    for category in snapshot["categories"]:
        description = json.dumps(category["description"], sort_keys=True)
        items.add(("category", category["key"], category["necessary"], description))
        if category["necessary"]:
            continue
        for k in category["cookies"]:
            items.add((
                "cookie", category["key"], k["name"], k["provider"], k["domain"],
                json.dumps(k["purpose"], sort_keys=True), json.dumps(k["lifetime"], sort_keys=True),
            ))
    return frozenset(items)


@dataclass(frozen=True)
class RegistryState:
    """The cookie registry in force: the latest revision's number and date, the live contents."""

    revision: int
    revision_id: int
    revised_at: datetime.datetime
    categories: tuple[CategoryInfo, ...]
    stamp: str = ""  # a hash of the whole contents: what rendered fragments of it are keyed by
    integrations: tuple[IntegrationInfo, ...] = ()
    # The oldest revision whose choices still hold: a revision that only takes processing away
    # does not ask visitors again.
    asked_since: int = 0
    # What is in force holds something material the latest revision does not (a setting in the
    # environment switched an integration on, or a migration changed the registry): a revision
    # that asks again is due before anyone is asked (consent.middleware).
    drifted: bool = False

    @cached_property  # asked several times on every page view
    def optional_keys(self) -> frozenset[str]:
        return frozenset(c.key for c in self.categories if not c.necessary)

    @cached_property  # asked several times on every page view
    def necessary_keys(self) -> frozenset[str]:
        return frozenset(c.key for c in self.categories if c.necessary)

    def integration(self, kind: str) -> IntegrationInfo | None:
        return next((i for i in self.integrations if i.kind == kind), None)

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



@dataclass(frozen=True)
class ConsentState:
    registry: RegistryState | None
    cookie: ConsentCookie | None  # an authentic cookie, possibly too old or for an older cookie policy
    current: bool  # the cookie's choice still holds
    gpc: bool  # this request carries Sec-GPC: 1
    gpc_refusal: bool  # the GPC signal overrides what the cookie says (or stands in for a missing choice)
    granted: frozenset[str]  # optional categories granted for this request

    @property
    def consent_id(self) -> uuid.UUID | None:
        return self.cookie.consent_id if self.cookie else None

    @property
    def decided(self) -> bool:
        return self.current or self.gpc_refusal

    @property
    def previously_granted(self) -> frozenset[str]:
        """What the visitor's last authentic choice granted, however old (to recognise a withdrawal)."""
        return self.cookie.granted if self.cookie else frozenset()

    @property
    def show_banner(self) -> bool:
        # Nothing optional in force: nothing to ask.
        return self.registry is not None and not self.current and bool(self.registry.optional_keys)

    def allows(self, category: str) -> bool:
        if self.registry is None:
            return False
        return category in self.registry.necessary_keys or category in self.granted
