"""Showing exported records to a visitor: readable labels for the export's keys and values."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

LABELS = {
    "email": _("E-mail address"), "to": _("E-mail address"), "name": _("Name"), "name_given": _("Name"),
    "language": _("Language"), "created_at": _("Created"), "requested_at": _("Requested"),
    "received_at": _("Received"), "received_on": _("Received"), "due_on": _("Answer due by"),
    "closed_at": _("Closed"), "status": _("Status"), "type": _("Type"), "received_by": _("Received by"),
    "history": _("History"), "subject": _("Subject"), "message": _("Message"), "handled": _("Handled"),
    "handled_at": _("Handled"), "topic": _("Topic"), "topics": _("Topics"), "confirmed_at": _("Confirmed"),
    "unsubscribed_at": _("Unsubscribed"), "given_at": _("Given"), "consent_text": _("Text you agreed to"),
    "consent_text_version": _("Version of that text"), "page": _("Page"),
    "ip_address_truncated": _("IP address (shortened)"), "campaign": _("Campaign"), "sent_at": _("Sent"),
    "complained_at": _("Reported as spam"),
    "reason": _("Reason"), "source": _("Source"), "detail": _("Detail"), "since": _("Since"),
    "kind": _("Kind"), "expires_at": _("Expires"), "opened_at": _("Opened"), "keyed_hash": _("Keyed hash"),
    "erased_at": _("Erased"), "warned_at": _("Warned"), "stayed_at": _("Chose to stay"), "at": _("When"),
    "action": _("Action"), "by": _("By"), "record_type": _("Record"),
}


@register.filter
def field_label(key: str) -> str:
    return str(LABELS.get(key, key.replace("_", " ").capitalize()))


@register.filter
def field_value(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return str(_("yes"))
    if value is False:
        return str(_("no"))
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "; ".join(
                ", ".join(f"{field_label(k)}: {field_value(v)}" for k, v in item.items()) for item in value
            )
        return ", ".join(str(item) for item in value)
    return str(value)


@register.filter
def has_records(part: dict) -> bool:
    return any(kind["records"] for kind in part["kinds"])


@register.filter
def linkable_part(part: dict) -> bool:
    return any(kind["linkable"] for kind in part["kinds"])
