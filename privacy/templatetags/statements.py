"""Links to statement pages that know the primary document lives at /privacy/ itself."""

from django import template
from django.conf import settings
from django.urls import reverse

register = template.Library()

_NAMES = {
    "current": ("privacy:statement", "privacy:document"),
    "history": ("privacy:history", "privacy:document_history"),
    "diff": ("privacy:diff", "privacy:document_diff"),
    "version": ("privacy:version", "privacy:document_version"),
}


@register.simple_tag
def statement_url(page: str, slug: str, number: int | None = None) -> str:
    """URL of a statement page: `page` is current, history, diff or version."""
    primary_name, document_name = _NAMES[page]
    kwargs = {"number": number} if page == "version" else {}
    if slug == settings.PRIVACY_PRIMARY_DOCUMENT:
        return reverse(primary_name, kwargs=kwargs)
    return reverse(document_name, kwargs={"slug": slug, **kwargs})
