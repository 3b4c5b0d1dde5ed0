"""The cookie settings switches, shared by the banner (template tag) and the cookie settings page (view)."""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from consent.types import RegistryState

_FRAGMENTS: dict[tuple, SafeString] = {}


def settings_fields(registry: RegistryState, language: str, form_id: str, granted) -> SafeString:
    """The per-category switches and cookie tables, rendered once per registry, language and choice.

    They are the bulk of the banner and would otherwise be rendered on every page. The key
    holds a hash of the registry's whole contents, so a stored fragment can never be stale.
    """
    key = (registry.stamp, language, form_id, tuple(sorted(granted)))
    html = _FRAGMENTS.get(key)
    if html is None:
        if len(_FRAGMENTS) > 512:
            _FRAGMENTS.clear()
        html = mark_safe(render_to_string("consent/includes/cookie_settings_fields.html", {  # noqa: S308 - our template
            "categories": registry.localized(language), "granted": set(granted), "form_id": form_id,
        }))
        _FRAGMENTS[key] = html
    return html
