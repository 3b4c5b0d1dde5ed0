"""The judging half of the cookie audit: what the browser met, held against the registry.

Errors: a cookie or storage key the registry does not declare; one seen in a consent state that did
not grant its category; a request to another host that no granted category covers (so any request
before a choice, after "reject all" or under GPC); a cookie written to live longer than declared.
Warnings: a declared cookie never seen (some, such as the staff session, never reach a visitor), and
a declared cookie without a structured maximum lifetime to compare with.

Pure functions over plain data, so they are tested without a browser.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from consent.audit.browser import Choice
from consent.types import CategoryInfo, CookieInfo, RegistryState

NO_CHOICE, GPC, REJECT_ALL, ACCEPT_ALL, ONLY = "none", "gpc", "reject", "accept", "only:"
ERROR, WARNING = "error", "warning"
# The same words as consent.models.CookieAuditFinding.Kind.
UNDECLARED_COOKIE, UNDECLARED_STORAGE, NOT_GRANTED = "undeclared_cookie", "undeclared_storage", "not_granted"
THIRD_PARTY_REQUEST, LIFETIME_EXCEEDED = "third_party_request", "lifetime_exceeded"
NOT_SEEN, NO_MAX_LIFETIME = "not_seen", "no_max_lifetime"
# Expires is written to the second: a cookie written for exactly its declared lifetime may read a
# second longer.
LIFETIME_ROUNDING_SECONDS = 1


def audit_choices(registry: RegistryState, *, with_choices: bool) -> list[Choice]:
    """The consent states to walk: always no choice and GPC (they write nothing on the site); with
    choices also reject all, accept all and each optional category alone (each writes a consent record)
    when the registry has anything optional to choose."""
    choices = [Choice(NO_CHOICE), Choice(GPC, gpc=True)]
    if with_choices and registry.optional_keys:  # with nothing optional there is no banner, and no choice
        choices += [Choice(REJECT_ALL, action="reject"), Choice(ACCEPT_ALL, action="accept")]
        choices += [
            Choice(ONLY + key, action="save", categories=frozenset({key}))
            for key in sorted(registry.optional_keys)
        ]
    return choices


def granted_in(state: str, registry: RegistryState) -> frozenset[str]:
    """The optional categories a consent state grants."""
    if state == ACCEPT_ALL:
        return registry.optional_keys
    if state.startswith(ONLY):
        return frozenset({state.removeprefix(ONLY)}) & registry.optional_keys
    return frozenset()


@dataclass
class Finding:
    severity: str
    kind: str
    subject: str
    domain: str = ""
    category: str = ""
    cookie: tuple[str, str] | None = None  # the registry entry (name, domain) it is about
    states: list[str] = field(default_factory=list)
    page: str = ""
    pages: set[str] = field(default_factory=set)
    source: str = ""
    observed_seconds: int | None = None
    declared_seconds: int | None = None


@cache
def _pattern(name: str) -> re.Pattern:
    return re.compile("^" + ".*".join(re.escape(part) for part in name.split("*")) + "$")


def _within(host: str, domain: str) -> bool:
    """Whether `host` is `domain` or one of its subdomains."""
    return host == domain or host.endswith("." + domain)


def is_own_host(host: str, site_host: str) -> bool:
    """The site's own host, a parent domain of it (a cookie for the whole site) or a subdomain."""
    host = host.lstrip(".").lower()
    return _within(host, site_host) or _within(site_host, host)


def registry_entry(
    registry: RegistryState, name: str, host: str, site_host: str
) -> tuple[CategoryInfo, CookieInfo] | None:
    """The registry's entry for a cookie or storage key on `host`: an exact name before a pattern,
    the longer pattern before a shorter one."""
    host = host.lstrip(".").lower()
    best, rank = None, None
    for category in registry.categories:
        for cookie in category.cookies:
            own = not cookie.domain
            if not (is_own_host(host, site_host) if own else _within(host, cookie.domain.lstrip(".").lower())):
                continue
            if cookie.name == name:
                candidate = (0, 0)
            elif cookie.is_pattern and _pattern(cookie.name).match(name):
                candidate = (1, -len(cookie.name))
            else:
                continue
            if rank is None or candidate < rank:
                best, rank = (category, cookie), candidate
    return best


def lifetime_exceeds(observed: int, declared: int) -> bool:
    """0 stands for "until the browser closes" on both sides."""
    if declared == 0:
        return observed > 0
    return observed > declared + LIFETIME_ROUNDING_SECONDS


def host_covered(host: str, hosts: Iterable[str]) -> bool:
    """Whether `host` is one of `hosts` or a subdomain of one ('*.example.com' as CSP writes it included)."""
    return any(_within(host.lower(), allowed.lower().removeprefix("*.")) for allowed in hosts)


def audit_findings(
    *,
    registry: RegistryState,
    observations: Iterable[Mapping],
    site_host: str,
    category_hosts: Mapping[str, Iterable[str]],
) -> list[Finding]:
    """`observations`: per state, {"state", "cookies", "storage", "requests"} as the browser recorded
    them. `category_hosts`: the hosts each category's third-party code may reach once granted."""
    found: dict[tuple, Finding] = {}
    seen: set[tuple[str, str]] = set()

    def add(severity: str, kind: str, subject: str, state: str, item: Mapping, **details) -> None:
        key = (kind, subject, details.get("domain", ""), details.get("category", ""))
        finding = found.get(key)
        if finding is None:
            finding = found[key] = Finding(
                severity, kind, subject, page=item.get("page", ""), source=item.get("source", ""), **details
            )
        if state and state not in finding.states:
            finding.states.append(state)
        finding.pages.update(item.get("pages", ()))
        finding.source = finding.source or item.get("source", "")
        if details.get("observed_seconds") is not None:
            finding.observed_seconds = max(finding.observed_seconds or 0, details["observed_seconds"])

    for observation in observations:
        state = observation["state"]
        granted = granted_in(state, registry)
        for cookie in observation.get("cookies", ()):
            domain = cookie["domain"].lstrip(".")
            entry = registry_entry(registry, cookie["name"], domain, site_host)
            if entry is None:
                add(ERROR, UNDECLARED_COOKIE, cookie["name"], state, cookie, domain=domain)
                continue
            category, declared = entry
            ref = (declared.name, declared.domain)
            seen.add(ref)
            if not category.necessary and category.key not in granted:
                add(ERROR, NOT_GRANTED, cookie["name"], state, cookie, domain=domain, category=category.key, cookie=ref)
            if declared.max_lifetime is None:
                add(WARNING, NO_MAX_LIFETIME, declared.name, "", {}, domain=declared.domain, category=category.key,
                    cookie=ref)
            elif lifetime_exceeds(cookie["lifetime"], declared.max_lifetime):
                add(ERROR, LIFETIME_EXCEEDED, cookie["name"], state, cookie, domain=domain, category=category.key,
                    cookie=ref, observed_seconds=cookie["lifetime"], declared_seconds=declared.max_lifetime)
        for item in observation.get("storage", ()):
            entry = registry_entry(registry, item["key"], item["host"], site_host)
            host = "" if is_own_host(item["host"], site_host) else item["host"]
            if entry is None:
                add(ERROR, UNDECLARED_STORAGE, item["key"], state, item, domain=host)
                continue
            category, declared = entry
            seen.add((declared.name, declared.domain))
            if not category.necessary and category.key not in granted:
                add(ERROR, NOT_GRANTED, item["key"], state, item, domain=host, category=category.key,
                    cookie=(declared.name, declared.domain))
        for request in observation.get("requests", ()):
            if state == ACCEPT_ALL:
                continue  # nothing refused
            allowed = [h for key in granted for h in category_hosts.get(key, ())]
            if any(host_covered(host, allowed) for host in (request["host"], *request.get("frame_hosts", ()))):
                continue
            add(ERROR, THIRD_PARTY_REQUEST, request["host"], state, {**request, "source": request["url"]})
    for category in registry.categories:
        for cookie in category.cookies:
            if (cookie.name, cookie.domain) not in seen:
                found[(NOT_SEEN, cookie.name, cookie.domain, category.key)] = Finding(
                    WARNING, NOT_SEEN, cookie.name, domain=cookie.domain, category=category.key,
                    cookie=(cookie.name, cookie.domain),
                )
    order = {ERROR: 0, WARNING: 1}
    return sorted(found.values(), key=lambda f: (order[f.severity], f.kind, f.subject, f.domain))


def category_hosts_of(registry: RegistryState, integrations: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """Per optional category, the hosts its third-party code may reach: the domains of its declared
    cookies and the hosts of the integrations attached to it."""
    hosts: dict[str, set[str]] = {}
    for category in registry.categories:
        if category.necessary:
            continue
        hosts[category.key] = {c.domain.lstrip(".").lower() for c in category.cookies if c.domain}
        hosts[category.key] |= {h.lower() for h in integrations.get(category.key, ())}
    return hosts
