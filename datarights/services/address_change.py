"""Self-service address change: from the my-data pages (the visitor already proved the old address
with their my-data link) to a new address, which must confirm it before anything changes.

1. `address_change_request`: a link (tokens.address_change_token: its own salt and expiry) is
   mailed to the NEW address. Nothing else happens, and the page says the same whatever the new
   address is: whether it is known, subscribed or suppressed is not told to someone who has not
   shown they hold it.
2. `address_change_confirm` (the link, opened and its button pressed): a suppressed new address is
   refused, now that the visitor has shown they hold it (and can lift it by subscribing again);
   otherwise every registry source that declares `address_change` moves its data (the newsletter
   merges into an existing subscriber of the new address), the session's link follows, the change is
   recorded as a self-service correction (field names only), and the OLD address is told, in the
   request's language, with no link that could undo it: what to do if it was not them.
"""

import enum

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from core import registry
from core.email import email_normalize
from datarights import tokens
from datarights.models import AccessLink, DataRequest, DataRequestEvent
from datarights.services import LinkProblem, _self_service_request, request_event
from mail.selectors import address_suppressed
from mail.services import outbox_enqueue

CONFIRM_TEMPLATE = "datarights/email/address_change_confirm"
CHANGED_TEMPLATE = "datarights/email/address_changed"


class Outcome(enum.Enum):
    CHANGED = "changed"
    ALREADY = "already"  # the link was used before: the session's link names the new address
    SUPPRESSED = "suppressed"


def _url(view_name: str, language: str, **kwargs: str) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse(view_name, kwargs=kwargs)


def address_change_request(*, link: AccessLink, new_email: str, language: str) -> None:
    """Mail the confirmation link to the new address (the caller limits how often)."""
    new_email = email_normalize(new_email)
    token = tokens.address_change_token(link_id=link.pk, new_email=new_email, language=language)
    outbox_enqueue(
        template=CONFIRM_TEMPLATE, to_email=new_email, language=language,
        context={
            "confirm_url": _url("datarights:address_change_confirm", language, token=token),
            "valid_hours": settings.DATARIGHTS_ADDRESS_CHANGE_MAX_AGE_HOURS,
        },
    )


def _read(token: str) -> tuple[AccessLink, str, str]:
    try:
        link_id, new_email, language = tokens.address_change_read(token)
    except tokens.TokenInvalid as problem:
        raise LinkProblem(problem.kind) from None
    link = AccessLink.objects.filter(pk=link_id).first()
    if link is None:  # deleted by retention, or by an erasure
        raise LinkProblem("expired")
    return link, new_email, language


def address_change_check(token: str) -> str:
    """The new address a token would confirm; LinkProblem for a forged or expired one."""
    return _read(token)[1]


def address_change_confirm(token: str) -> Outcome:
    link, new_email, language = _read(token)
    with transaction.atomic():
        link = AccessLink.objects.select_for_update().get(pk=link.pk)
        old_email = link.email
        if old_email == new_email:
            return Outcome.ALREADY
        if address_suppressed(new_email):
            return Outcome.SUPPRESSED
        for source in registry.sources():
            if source.address_change is not None:
                source.address_change(old_email, new_email)
        AccessLink.objects.filter(pk=link.pk).update(email=new_email)
        data_request = _self_service_request(old_email, DataRequest.Kind.CORRECTION)
        request_event(data_request, DataRequestEvent.Action.CORRECTED, detail={"fields": ["email"]})
        outbox_enqueue(
            template=CHANGED_TEMPLATE, to_email=old_email, language=language,
            context={
                "changed_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
                "contact_url": _url("contact:form", language),
                "my_data_url": _url("datarights:my_data_start", language),
            },
        )
    return Outcome.CHANGED
