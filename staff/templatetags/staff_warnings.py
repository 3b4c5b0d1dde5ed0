from django import template

from staff.panels import Panel, admin_panels
from staff.selectors import admin_warnings

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_warnings(context: template.Context) -> list[str]:
    return admin_warnings(context["request"].user)


@register.simple_tag(takes_context=True)
def staff_panels(context: template.Context) -> list[Panel]:
    return admin_panels(user=context["request"].user)
