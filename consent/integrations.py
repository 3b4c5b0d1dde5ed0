"""What each integration loads, from where, and what the Content-Security-Policy must admit for it.

Staff only ever enter identifiers (a measurement ID, a Matomo origin and site ID, a switch): the
addresses of the code are fixed here or come from settings (GA_SCRIPT_URL, SOCIAL_BUTTON_SCRIPTS,
SOCIAL_EMBED_SCRIPTS), which tests point at stand-in hosts. The page's policy admits these hosts
only on pages that render the integration (core.csp.sources_add), never on the admin's.
"""

from urllib.parse import quote

from django.conf import settings

from consent.models import IntegrationKind
from consent.types import IntegrationInfo
from core.csp import origin

NETWORKS = (IntegrationKind.FACEBOOK, IntegrationKind.X, IntegrationKind.LINKEDIN)
NETWORK_NAMES = {
    IntegrationKind.FACEBOOK: "Facebook", IntegrationKind.X: "X (Twitter)", IntegrationKind.LINKEDIN: "LinkedIn",
}
# The category each kind is asked under when none is chosen (as the registry was seeded).
DEFAULT_CATEGORY = {
    IntegrationKind.GA4: "analytics", IntegrationKind.MATOMO: "analytics",
    IntegrationKind.FACEBOOK: "social", IntegrationKind.X: "social", IntegrationKind.LINKEDIN: "social",
}
# SOCIAL_EMBED_SCRIPTS names its networks as {% social_embed %} does.
EMBED_NETWORKS = {"facebook": IntegrationKind.FACEBOOK, "twitter": IntegrationKind.X, "x": IntegrationKind.X,
                  "linkedin": IntegrationKind.LINKEDIN}
# The networks' locale names for the two languages of the site.
_LOCALES = {"nl": "nl_BE", "en": "en_GB"}


def pinned_by(kind: str) -> str:
    """The setting that switches this integration on from the environment, taking precedence over the
    admin ('' when none does)."""
    if kind == IntegrationKind.GA4 and settings.GA_MEASUREMENT_ID:
        return "GA_MEASUREMENT_ID"
    if kind == IntegrationKind.MATOMO and settings.MATOMO_URL:
        return "MATOMO_URL"
    if kind in NETWORKS and kind in settings.SOCIAL_BUTTONS:
        return "SOCIAL_BUTTONS"
    return ""


def ga_script_url(measurement_id: str) -> str:
    separator = "&" if "?" in settings.GA_SCRIPT_URL else "?"
    return f"{settings.GA_SCRIPT_URL}{separator}id={quote(measurement_id)}"


def matomo_script_url(url: str) -> str:
    return f"{url}/matomo.js"


def matomo_tracker_url(url: str) -> str:
    return f"{url}/matomo.php"


def button_script_url(kind: str, language: str) -> str:
    """The network's own script for its share button ('{locale}' filled in for Facebook's SDK)."""
    return settings.SOCIAL_BUTTON_SCRIPTS.get(kind, "").replace("{locale}", _LOCALES.get(language, "en_GB"))


def share_url(kind: str, page: str, title: str) -> str:
    """A plain link that shares `page` on the network: it loads nothing until the visitor follows it."""
    page_q, title_q = quote(page, safe=""), quote(title, safe="")
    return {
        IntegrationKind.LINKEDIN: f"https://www.linkedin.com/sharing/share-offsite/?url={page_q}",
        IntegrationKind.FACEBOOK: f"https://www.facebook.com/sharer/sharer.php?u={page_q}",
        IntegrationKind.X: f"https://twitter.com/intent/tweet?url={page_q}&text={title_q}",
    }[kind]


def csp_sources(integration: IntegrationInfo, *, button: bool = False, embed: bool = False,
                language: str = "en") -> dict[str, list[str]]:
    """The sources a page that renders this integration needs, per directive (`button`/`embed`: which
    of a network's parts the page renders)."""
    sources: dict[str, list[str]] = {}

    def add(directive: str, *values: str) -> None:
        for value in values:
            if value and value not in sources.setdefault(directive, []):
                sources[directive].append(value)

    if integration.kind == IntegrationKind.GA4:
        add("script-src", origin(settings.GA_SCRIPT_URL))
        # The Google tag sends its hits with fetch/sendBeacon, falling back to an image.
        add("connect-src", *settings.GA_CONNECT_ORIGINS)
        add("img-src", *settings.GA_CONNECT_ORIGINS)
    elif integration.kind == IntegrationKind.MATOMO:
        add("script-src", integration.url)
        add("connect-src", integration.url)
        add("img-src", integration.url)
    else:
        if button:
            add("script-src", origin(button_script_url(integration.kind, language)))
            add("frame-src", *settings.SOCIAL_BUTTON_FRAME_ORIGINS.get(integration.kind, []))
        if embed and integration.embed_script:
            add("script-src", origin(integration.embed_script))
            add("frame-src", *settings.SOCIAL_FRAME_ORIGINS)
    return {directive: values for directive, values in sources.items() if values}
