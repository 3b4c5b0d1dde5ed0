"""System checks for outgoing mail: mailbox providers accept bulk mail only when it is
DKIM-signed by (and DMARC-aligned with) the domain in its From address. Every From address the
site sends with is checked: the settings named in MAIL_FROM_SETTINGS. The bounce domain of
VERP (MAIL_BOUNCE_DOMAIN) is the SMTP MAIL FROM domain, which SPF checks and DMARC aligns with
the From domain in the same way.

The DNS side (SPF, the DKIM public key, a DMARC record) cannot be checked from here; what
to publish is in docs/deploy.md.
"""

import re

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from mail.dkim import dkim_private_key
from mail.throughput import domain_of


def aligned(from_domain: str, signing_domain: str) -> bool:
    """DMARC's relaxed alignment, short of a public-suffix list: the same domain, or one
    a subdomain of the other (news.ilumen.be and ilumen.be)."""
    a, b = from_domain.lower().rstrip("."), signing_domain.lower().rstrip(".")
    return bool(a and b) and (a == b or a.endswith("." + b) or b.endswith("." + a))


@register(Tags.compatibility)
def dkim_settings_check(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    parts = {
        "DKIM_PRIVATE_KEY": settings.DKIM_PRIVATE_KEY, "DKIM_SELECTOR": settings.DKIM_SELECTOR,
        "DKIM_DOMAIN": settings.DKIM_DOMAIN,
    }
    if not any(parts.values()):
        return []
    missing = [name for name, value in parts.items() if not value]
    if missing:
        return [Error(
            f"DKIM is only partly configured: {', '.join(missing)} not set, so messages go out unsigned.",
            hint="Set DKIM_PRIVATE_KEY (or DKIM_PRIVATE_KEY_FILE), DKIM_SELECTOR and DKIM_DOMAIN together.",
            id="mail.E001",
        )]
    errors: list[CheckMessage] = []
    try:
        dkim_private_key(settings.DKIM_PRIVATE_KEY.encode())
    except ValueError:
        errors.append(Error(
            "DKIM_PRIVATE_KEY is not a PEM-encoded RSA private key.",
            hint="Give the key as PEM text or DKIM_PRIVATE_KEY_FILE=/path/to/key.pem.", id="mail.E002",
        ))
    for setting in settings.MAIL_FROM_SETTINGS:
        from_domain = domain_of(getattr(settings, setting))
        if not aligned(from_domain, settings.DKIM_DOMAIN):
            errors.append(Error(
                f"{setting} ({from_domain}) is not aligned with DKIM_DOMAIN ({settings.DKIM_DOMAIN}): "
                "receivers applying DMARC will treat the signature as foreign.",
                hint="Sign with the From address's domain, or one of its parent domains or subdomains.",
                id="mail.E003",
            ))
    return errors


# A host name in its ASCII form: labels of letters, digits and inner hyphens, at least two of them.
_DOMAIN = re.compile(r"(?=.{1,253}\Z)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _within(domain: str, parent: str) -> bool:
    return domain == parent or domain.endswith("." + parent)


@register(Tags.compatibility)
def bounce_domain_check(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    """The VERP domain must be the From domain or below it: otherwise SPF passes for a domain
    DMARC does not count as the sender's, and the bounce domain's MX is nobody's mailbox."""
    domain = settings.MAIL_BOUNCE_DOMAIN
    if not domain:
        return []
    if not _DOMAIN.fullmatch(domain):
        return [Error(
            f"MAIL_BOUNCE_DOMAIN ({domain!r}) is not a lower-case domain name.",
            hint="Give a host name such as bounce.example.com in lower case, without an address or a final dot; "
            "an international domain name in its xn-- form.",
            id="mail.E004",
        )]
    errors: list[CheckMessage] = []
    for setting in settings.MAIL_FROM_SETTINGS:
        from_domain = domain_of(getattr(settings, setting)).lower()
        if not _within(domain, from_domain):
            errors.append(Error(
                f"MAIL_BOUNCE_DOMAIN ({domain}) is not {from_domain} or a subdomain of it, the domain of "
                f"{setting}: SPF would pass for a domain DMARC does not align with the From address.",
                hint=f"Use a subdomain of {from_domain} such as bounce.{from_domain}, with its MX record "
                "pointing at the bounce mailbox (docs/deploy.md).",
                id="mail.E004",
            ))
    return errors


@register(Tags.security, deploy=True)
def dkim_deploy_check(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    if settings.DKIM_PRIVATE_KEY or settings.DKIM_SELECTOR or settings.DKIM_DOMAIN:
        return []  # configured, or partly: dkim_settings_check reports what is wrong
    return [Warning(
        "No DKIM key is configured: newsletters go out unsigned, and mailbox providers reject or "
        "spam-file unsigned bulk mail.",
        hint="Set DKIM_PRIVATE_KEY (or DKIM_PRIVATE_KEY_FILE), DKIM_SELECTOR and DKIM_DOMAIN. If the mail "
        "relay signs with the From domain instead, add 'mail.W001' to SILENCED_SYSTEM_CHECKS.",
        id="mail.W001",
    )]
