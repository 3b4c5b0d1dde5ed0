"""One cookie audit from start to stored report: which states and pages, the browser walk, the
findings, the report (consent.services.cookie_audit_record)."""

import fnmatch
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from consent import integrations, selectors, services
from consent.audit import browser, findings, pages
from consent.models import CookieAudit
from consent.types import RegistryState


class AuditRefused(Exception):
    """The audit cannot run as asked (no registry yet, or an address that is not a web site)."""


@dataclass(frozen=True)
class AuditResult:
    report: CookieAudit
    failures: list[str]  # pages that could not be walked: the audit is incomplete


def is_local(base_url: str, host_rules: str = "") -> bool:
    """A server on this machine: its host is a loopback address, `localhost`, or a name the
    browser's host-resolver rules send to a loopback address."""

    def loopback(host: str) -> bool:
        host = host.strip("[]").lower()
        if host == "localhost" or host.endswith(".localhost"):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    host = urlsplit(base_url).hostname or ""
    if loopback(host):
        return True
    for rule in host_rules.split(","):  # the first rule that matches decides, as in Chromium
        parts = rule.split()
        if len(parts) == 3 and parts[0].upper() == "MAP" and fnmatch.fnmatch(host, parts[1].lower()):
            target = re.sub(r":\d+$", "", parts[2]) if not parts[2].startswith("[") else parts[2].split("]")[0]
            return loopback(target)
    return False


def audit_choices_for(*, registry: RegistryState, base_url: str, host_rules: str, with_choices: bool) -> list:
    """Choices write consent records that a site keeps for years: walked on a development server on
    this machine (DEBUG, which production never runs with: a production site reached through a
    loopback address is no test server), elsewhere only when asked for."""
    development = settings.DEBUG and is_local(base_url, host_rules)
    return findings.audit_choices(registry, with_choices=with_choices or development)


def integration_hosts(registry: RegistryState) -> dict[str, set[str]]:
    """The hosts the integrations in force reach, per consent category: what their pages' policy
    admits for them (consent.integrations.csp_sources), in every language."""
    hosts: dict[str, set[str]] = {}
    for integration in registry.integrations:
        for language, _name in settings.LANGUAGES:
            sources = integrations.csp_sources(integration, button=True, embed=True, language=language)
            for value in (value for values in sources.values() for value in values):
                if host := urlsplit(value).hostname:
                    hosts.setdefault(integration.category, set()).add(host)
    return hosts


def cookie_audit_run(
    *,
    base_url: str,
    with_choices: bool = False,
    host_rules: str = "",
    max_pages: int | None = None,
    settle_ms: int = 400,
    progress: Callable[[str], None] | None = None,
) -> AuditResult:
    """Walk the site in each consent state, judge what was met, and store the report.

    Choices (reject, accept, each category) write a consent record that the site keeps for years,
    so against anything but a development server they are walked only when `with_choices` is asked for.
    """
    base_url = base_url.rstrip("/")
    site_host = urlsplit(base_url).hostname
    if urlsplit(base_url).scheme not in ("http", "https") or not site_host:
        raise AuditRefused(f"not a web site's address: {base_url!r}")
    registry = selectors.registry_state()
    if registry is None:
        raise AuditRefused("the cookie registry has no revision yet: nothing to audit against")
    choices = audit_choices_for(registry=registry, base_url=base_url, host_rules=host_rules, with_choices=with_choices)
    steps = pages.audit_steps(max_pages=max_pages)
    if progress:
        progress(f"{len(steps)} pages, states: {', '.join(c.key for c in choices)}")
    observed = browser.observe(
        base_url=base_url, choices=choices, steps=steps, host_rules=host_rules, settle_ms=settle_ms,
    )
    observations = {o.key: o.as_json() for o in observed}
    results = findings.audit_findings(
        registry=registry,
        observations=[{"state": key, **value} for key, value in observations.items()],
        site_host=site_host,
        category_hosts=findings.category_hosts_of(registry, integration_hosts(registry)),
    )
    report = services.cookie_audit_record(
        base_url=base_url, registry_revision_id=registry.revision_id, states=[c.key for c in choices],
        pages=[step.label for step in steps], observations=observations, findings=results,
    )
    return AuditResult(report, [f"{o.key}: {failure}" for o in observed for failure in o.failures])
