"""Template side of cookie consent: the banner, and gating third-party code by category.

    {% load consent %}
    {% consent_gate "analytics" %}<script src="…" nonce="{{ csp_nonce }}"></script>{% end_consent_gate %}

When the visitor granted the category, the block is rendered as written. Otherwise
every <script> and <iframe> in it is rendered inert: a script becomes
`type="text/plain" data-consent="analytics"` with its address in `data-src`, an iframe
keeps its address in `data-src` only. The browser runs or loads none of it, and
static/js/consent.js brings exactly these back to life, carrying their CSP nonce, the
moment the visitor grants the category, without a reload.
"""

import re

from django import template
from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from consent import integrations
from consent.fragments import settings_fields
from consent.models import IntegrationKind
from core.csp import sources_add

register = template.Library()

_OPENING_TAG = re.compile(r"<(script|iframe)\b([^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([^\s"'=<>`/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")


def _attributes(source: str) -> list[tuple[str, str | None]]:
    return [
        (match.group(1).lower(), next((g for g in match.groups()[1:] if g is not None), None))
        for match in _ATTRIBUTE.finditer(source)
    ]


def _render_attributes(attributes: list[tuple[str, str | None]]) -> str:
    # Values come from the rendered template, entities and all; only a bare quote needs escaping again.
    return "".join(f' {name}="{value.replace(chr(34), "&quot;")}"' if value is not None else f" {name}"
                   for name, value in attributes)


def inert(html: str, category: str) -> str:
    """The same markup with every script and iframe switched off until `category` is granted."""

    def rewrite(match: re.Match) -> str:
        tag = match.group(1).lower()
        attributes = _attributes(match.group(2))
        kept: list[tuple[str, str | None]] = []
        extra: list[tuple[str, str | None]] = [("data-consent", category)]
        for name, value in attributes:
            if name == "src":
                extra.append(("data-src", value))
            elif name == "type" and tag == "script":
                extra.append(("data-type", value))
            elif name not in ("data-consent", "data-src", "data-type"):
                kept.append((name, value))
        if tag == "script":
            extra.insert(0, ("type", "text/plain"))
        return f"<{tag}{_render_attributes(kept + extra)}>"

    return _OPENING_TAG.sub(rewrite, html)


def _state(context: template.Context):
    request = context.get("request")
    return getattr(request, "consent", None)


class ConsentGateNode(template.Node):
    def __init__(self, category: template.base.FilterExpression, nodelist: template.NodeList) -> None:
        self.category = category
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        state = _state(context)
        if state is None or state.registry is None:
            # No consent system on this request: third-party code is simply left out.
            return ""
        category = str(self.category.resolve(context))
        content = self.nodelist.render(context)
        if state.allows(category):
            return content
        return mark_safe(inert(content, escape(category)))  # noqa: S308 - rewrites our own rendered template


@register.tag("consent_gate")
def consent_gate(parser: template.base.Parser, token: template.base.Token) -> ConsentGateNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% consent_gate %} takes one argument: the category key")
    nodelist = parser.parse(("end_consent_gate",))
    parser.delete_first_token()
    return ConsentGateNode(parser.compile_filter(bits[1]), nodelist)


def _base_context(context: template.Context) -> dict:
    request = context.get("request")
    return {
        "request": request,
        "csp_nonce": context.get("csp_nonce"),
        "LANGUAGE_CODE": get_language() or settings.LANGUAGE_CODE,
    }


def _next(request) -> str:
    return request.get_full_path() if request is not None else "/"


@register.inclusion_tag("consent/includes/cookie_banner.html", takes_context=True)
def cookie_banner(context: template.Context) -> dict:
    """The banner with its settings layer, on every page; hidden once the visitor has chosen."""
    state = _state(context)
    base = _base_context(context)
    if state is None or state.registry is None:
        return {**base, "enabled": False}
    language = base["LANGUAGE_CODE"]
    return {
        **base,
        "enabled": True,
        "optional_names": [c.name for c in state.registry.localized(language) if not c.necessary],
        "show": state.show_banner,
        "gpc_notice": state.gpc_refusal,
        "granted": sorted(state.granted),
        "decided": state.decided,
        "settings_fields": settings_fields(state.registry, language, "consent-settings", state.granted),
        "revision": state.registry.revision,
        "next": _next(base["request"]),
    }


@register.inclusion_tag("consent/includes/consent_scripts.html", takes_context=True)
def consent_scripts(context: template.Context) -> dict:
    """The analytics in force (Google Analytics, Matomo), each behind its category's gate."""
    state = _state(context)
    base = _base_context(context)
    registry = state.registry if state is not None else None
    ga = registry.integration(IntegrationKind.GA4) if registry else None
    matomo = registry.integration(IntegrationKind.MATOMO) if registry else None
    for integration in (ga, matomo):
        if integration is not None:
            sources_add(base["request"], integrations.csp_sources(integration))
    return {
        **base,
        "ga": ga,
        "ga_script_url": integrations.ga_script_url(ga.measurement_id) if ga else "",
        "matomo": matomo,
        "matomo_script_url": integrations.matomo_script_url(matomo.url) if matomo else "",
        "matomo_tracker_url": integrations.matomo_tracker_url(matomo.url) if matomo else "",
    }


def _category_name(state, key: str, language: str) -> str:
    return next((c.name for c in state.registry.localized(language) if c.key == key), key)


@register.inclusion_tag("consent/includes/social_embed.html", takes_context=True)
def social_embed(context: template.Context, provider: str, url: str, text: str = "") -> dict:
    """An embedded post: a click-to-load placeholder until its network's category is granted.

    The post's own link is always there, so the content stays reachable without consent.
    Without a configured script for the provider (SOCIAL_EMBED_SCRIPTS) it is just that link.
    """
    state = _state(context)
    base = _base_context(context)
    kind = integrations.EMBED_NETWORKS.get(provider)
    network = state.registry.integration(kind) if state is not None and state.registry and kind else None
    script_url = settings.SOCIAL_EMBED_SCRIPTS.get(provider, "")
    category = network.category if network is not None else "social"
    if network is not None and script_url:
        sources_add(base["request"], integrations.csp_sources(network, embed=True))
    return {
        **base,
        "provider": provider,
        "provider_name": integrations.NETWORK_NAMES.get(kind, provider),
        "url": url,
        "text": text or url,
        "script_url": script_url if network is not None else "",
        "category": category,
        "granted": bool(state and state.allows(category)),
        "enabled": bool(state and state.registry),
        "revision": state.registry.revision if state and state.registry else "",
        "next": _next(base["request"]),
    }


@register.inclusion_tag("consent/includes/share_links.html", takes_context=True)
def share_links(context: template.Context, title: str = "", path: str = "") -> dict:
    """Share a page: plain links to each network, which load nothing until followed, and the networks'
    own buttons that staff switched on, each behind a click-to-load placeholder until consent.

    The shared address is SITE_URL and the page's path (or `path`), never the request's Host
    header, which a client chooses.
    """
    request = context.get("request")
    if not path.startswith("/"):
        path = request.path if request is not None else "/"
    page = settings.SITE_URL + path
    title = str(title)
    state = _state(context)
    base = _base_context(context)
    language = base["LANGUAGE_CODE"]
    buttons = []
    registry = state.registry if state is not None else None
    for kind in integrations.NETWORKS if registry else ():
        network = registry.integration(kind)
        if network is None or not network.button:
            continue
        sources_add(request, integrations.csp_sources(network, button=True, language=language))
        buttons.append({
            "kind": str(kind),
            "name": integrations.NETWORK_NAMES[kind],
            "category": network.category,
            "category_name": _category_name(state, network.category, language),
            "granted": state.allows(network.category),
            "script_url": integrations.button_script_url(kind, language),
            "share_url": integrations.share_url(kind, page, title),
        })
    return {
        **base,
        "page": page,
        "title": title,
        "links": [
            (integrations.NETWORK_NAMES[kind], integrations.share_url(kind, page, title))
            for kind in (IntegrationKind.LINKEDIN, IntegrationKind.FACEBOOK, IntegrationKind.X)
        ],
        "buttons": buttons,
        "revision": registry.revision if registry else "",
        "next": _next(request),
    }


@register.filter
def integration_names(registry, category: str) -> list[str]:
    """What loads with consent for a category in this registry ("Matomo (https://stats.ilumen.be)")."""
    names = []
    for integration in registry.integrations:
        if integration.category == category:
            label = str(IntegrationKind(integration.kind).label)
            names.append(f"{label} ({integration.url})" if integration.url else label)
    return names


@register.filter
def category_names(keys, categories) -> SafeString:
    """Names of category keys, for showing a recorded decision ("Statistics, Social media")."""
    names = {category.key: category.name for category in categories}
    return ", ".join(str(names.get(key, key)) for key in keys)
