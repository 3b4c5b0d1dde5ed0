from django import template
from django.conf import settings
from django.urls import translate_url

register = template.Library()


@register.simple_tag(takes_context=True)
def alternate_urls(context: template.Context) -> list[tuple[str, str]]:
    """(language code, absolute URL of this page in that language) for hreflang links."""
    request = context["request"]
    here = request.build_absolute_uri(request.path)
    return [(code, translate_url(here, code)) for code, _name in settings.LANGUAGES]
