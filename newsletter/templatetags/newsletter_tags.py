from django import template
from django.conf import settings
from django.utils.translation import get_language, gettext

from newsletter import selectors
from newsletter.forms import consent_label

register = template.Library()


@register.inclusion_tag("newsletter/footer_form.html", takes_context=True)
def newsletter_footer_form(context: template.Context) -> dict:
    """The subscription form for the footer of every page (topics cached: no query per page)."""
    request = context.get("request")
    return {
        "source": request.path if request else "",
        "topics": selectors.public_topics(),
        "language": (get_language() or settings.LANGUAGE_CODE)[:2],
        "languages": [(code, gettext(name)) for code, name in settings.LANGUAGES],
        "consent_label": consent_label(),
    }
