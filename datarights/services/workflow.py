"""Staff's steps on a request, each one service and one line of its audit trail (GDPR Art. 12).

Identity, notes, an extension (announced to the person), an answer with a download link to
their export, and closing with an outcome (a refusal names the supervisory authority). The
audit trail holds which step, who and when, never the text: notes, the identity note and the
extension's reason are personal data kept on the request until it closes.
"""

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from datarights import tokens
from datarights.models import DataRequest, DataRequestEvent, DataRequestNote, ExportLink, add_months
from datarights.services import LinkProblem, _actor_label, request_close_fields, request_event
from mail.services import outbox_enqueue

EXTENSION_TEMPLATE = "datarights/email/extension"
ANSWER_TEMPLATE = "datarights/email/answer"
REFUSAL_TEMPLATE = "datarights/email/refusal"


class StepRefused(Exception):
    """A step the request's state or the law does not allow; the message says why, for staff."""


def _open_with_address(data_request: DataRequest) -> None:
    if not data_request.is_open:
        raise StepRefused(_("This request is closed."))
    if not data_request.subject_email:
        raise StepRefused(_("This request no longer holds an address."))


def _date(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _mail_person(data_request: DataRequest, template: str, context: dict[str, Any]) -> None:
    """A message to the person in their language, through the transactional outbox."""
    with translation.override(data_request.language):
        context = {
            "number": data_request.pk, "kind": str(DataRequest.Kind(data_request.kind).label),
            "received_on": _date(data_request.received_on), **context,
        }
    outbox_enqueue(template=template, to_email=data_request.subject_email, language=data_request.language,
                   context=context)


def _handled(data_request: DataRequest, actor) -> None:
    if data_request.handled_by_id is None and actor is not None:
        data_request.handled_by = actor
        DataRequest.objects.filter(pk=data_request.pk).update(handled_by=actor)


def identity_record(*, data_request: DataRequest, method: str, note: str, actor) -> DataRequest:
    """How the person's identity was verified: a method and a short note, never a document."""
    if not data_request.is_open:
        raise StepRefused(_("This request is closed."))
    if method not in DataRequest.IdentityMethod.values:
        raise StepRefused(_("Choose how the identity was verified."))
    with transaction.atomic():
        data_request.identity_method, data_request.identity_note = method, note.strip()[:200]
        data_request.identity_verified_at = timezone.now()
        data_request.save(update_fields=["identity_method", "identity_note", "identity_verified_at"])
        request_event(data_request, DataRequestEvent.Action.IDENTITY, actor=actor, detail={"method": method})
        _handled(data_request, actor)
    return data_request


def request_note_add(*, data_request: DataRequest, text: str, actor) -> DataRequestNote:
    """An internal note; deleted when the request closes."""
    if not data_request.is_open:
        raise StepRefused(_("This request is closed."))
    if not text.strip():
        raise StepRefused(_("Write the note first."))
    with transaction.atomic():
        note = DataRequestNote.objects.create(
            request=data_request, author=actor, author_label=_actor_label(actor), text=text.strip()
        )
        request_event(data_request, DataRequestEvent.Action.NOTE, actor=actor)
    return note


def request_extend(
    *, data_request: DataRequest, months: int, reason: str, actor, today: datetime.date | None = None
) -> DataRequest:
    """Extend the deadline (Art. 12(3)): by two further months at most, announced to the person
    with the reason before the first month runs out."""
    _open_with_address(data_request)
    today = today or timezone.localdate()
    if today > data_request.first_month_ends_on:
        raise StepRefused(_(
            "The first month ran out on %(date)s: an extension must be announced to the person before then "
            "(GDPR Art. 12(3))."
        ) % {"date": _date(data_request.first_month_ends_on)})
    left = DataRequest.MAX_EXTENSION_MONTHS - data_request.extended_months
    if months < 1 or months > left:
        raise StepRefused(ngettext(
            "The deadline can be extended by two months at most (GDPR Art. 12(3)); %(left)d month is left.",
            "The deadline can be extended by two months at most (GDPR Art. 12(3)); %(left)d months are left.",
            left,
        ) % {"left": left})
    if not reason.strip():
        raise StepRefused(_("Give the reason for the delay: the person is told it."))
    with transaction.atomic():
        data_request.extended_months += months
        data_request.due_on = add_months(data_request.received_on, 1 + data_request.extended_months)
        reasons = [data_request.extension_reason, reason.strip()]
        data_request.extension_reason = "\n\n".join(part for part in reasons if part)
        data_request.save(update_fields=["extended_months", "due_on", "extension_reason"])
        request_event(data_request, DataRequestEvent.Action.EXTENDED, actor=actor,
                      detail={"months": months, "due_on": data_request.due_on.isoformat()})
        with translation.override(data_request.language):
            due = _date(data_request.due_on)
        _mail_person(data_request, EXTENSION_TEMPLATE, {"due_on": due, "reason": reason.strip()})
        _handled(data_request, actor)
    return data_request


def export_link_url(link: ExportLink) -> str:
    with translation.override(link.language):
        path = reverse("datarights:export_download", args=[tokens.export_token(link.pk)])
    return settings.SITE_URL + path


def request_answer(*, data_request: DataRequest, message: str, with_export: bool, actor) -> ExportLink | None:
    """Answer the person by e-mail, with a link to download their export if asked: the file is
    built when they use it, never stored."""
    _open_with_address(data_request)
    if not message.strip():
        raise StepRefused(_("Write the answer first."))
    now = timezone.now()
    link = None
    with transaction.atomic():
        context: dict[str, Any] = {"message": message.strip()}
        if with_export:
            link = ExportLink.objects.create(
                request=data_request, email=data_request.subject_email, language=data_request.language,
                created_at=now, expires_at=now + datetime.timedelta(days=settings.DATARIGHTS_EXPORT_LINK_DAYS),
            )
            with translation.override(data_request.language):
                expires = _date(timezone.localdate(link.expires_at))
            context |= {"download_url": export_link_url(link), "download_expires_on": expires}
        _mail_person(data_request, ANSWER_TEMPLATE, context)
        request_event(data_request, DataRequestEvent.Action.ANSWERED, actor=actor,
                      detail={"export_link": link is not None})
        _handled(data_request, actor)
    return link


def request_close(*, data_request: DataRequest, outcome: str, reason: str = "", actor) -> DataRequest:
    """Close with an outcome. A refusal tells the person why and of their right to complain to
    the Data Protection Authority (Art. 12(4)); closing deletes the address and the notes."""
    if not data_request.is_open:
        raise StepRefused(_("This request is closed."))
    if outcome not in DataRequest.Outcome.values:
        raise StepRefused(_("Choose an outcome."))
    refused = outcome == DataRequest.Outcome.REFUSED
    if refused:
        if not data_request.subject_email:
            raise StepRefused(_("This request no longer holds an address."))
        if not reason.strip():
            raise StepRefused(_("Give the reason for the refusal: the person is told it."))
    with transaction.atomic():
        if refused:
            _mail_person(data_request, REFUSAL_TEMPLATE, {"reason": reason.strip()})
        if actor is not None:
            data_request.handled_by = actor
        request_close_fields(data_request, outcome=outcome)
        data_request.save(update_fields=["status", "outcome", "handled_by", "closed_at", "subject_email",
                                         "identity_note"])
        request_event(data_request, DataRequestEvent.Action.CLOSED, actor=actor, detail={"outcome": outcome})
    return data_request


# --- The person's download ---------------------------------------------------------------


def export_link_check(token: str) -> ExportLink:
    """The link a token names while it works; LinkProblem("forged" or "expired") otherwise."""
    try:
        link_id = tokens.export_id_from_token(token)
    except tokens.TokenInvalid as problem:
        raise LinkProblem(problem.kind) from None
    link = ExportLink.objects.filter(pk=link_id, expires_at__gt=timezone.now()).first()
    if link is None:
        # Authentic but gone or late: expired, deleted by retention or by an erasure.
        raise LinkProblem("expired")
    return link


def export_download(*, token: str) -> dict[str, Any]:
    """The person's export, built now in their language, and the download logged on the request."""
    from datarights.selectors import personal_data_export

    link = export_link_check(token)
    with transaction.atomic():
        with translation.override(link.language):
            export = personal_data_export(link.email)
        ExportLink.objects.filter(pk=link.pk).update(downloaded_at=timezone.now())
        if link.request_id:
            request_event(link.request, DataRequestEvent.Action.DOWNLOADED)
    return export
