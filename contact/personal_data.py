"""What the contact form holds for an e-mail address, for core.registry, and how long
it keeps it (its retention rule, run by core.retention; found by autodiscovery)."""

import datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from contact.models import ContactMessage
from core import registry, retention
from core.email import email_normalize


def _messages(address: str):
    return ContactMessage.objects.filter(email__iexact=email_normalize(address))


def export(address: str) -> registry.Records:
    return {
        "contact_messages": [
            {
                "name": m.name, "email": m.email, "subject": m.subject, "message": m.message,
                "language": m.language, "received_at": m.created_at.isoformat(),
                "handled": m.handled, "handled_at": m.handled_at.isoformat() if m.handled_at else None,
            }
            for m in _messages(address).order_by("created_at")
        ]
    }


def erase(address: str, created_before: datetime.datetime | None = None) -> dict[str, int]:
    queryset = _messages(address)
    if created_before is not None:
        queryset = queryset.filter(created_at__lt=created_before)
    deleted, _per_model = queryset.delete()
    return {"contact_messages": deleted}


def addresses():
    return ContactMessage.objects.values_list("email", flat=True).distinct().iterator(chunk_size=2000)


registry.register(
    registry.Source(
        key="contact",
        title=_("Contact form"),
        explanation=_("Messages you sent us through the contact form on the website."),
        models=("contact.ContactMessage",),
        kinds=(
            registry.Kind(
                "contact_messages",
                _("Each message as you sent it, and whether we have handled it. Messages are deleted automatically "
                  "some time after they were handled (see the retention page)."),
            ),
        ),
        export=export,
        erase=erase,
        processing=registry.Processing(
            activity=_("Answering messages sent through the contact form"),
            purposes=(_("Reading and answering the questions and requests people send us, and following up on "
                        "the conversation."),),
            bases=(registry.Basis(
                registry.LegalBasis.LEGITIMATE_INTEREST,
                _("Our interest in answering the people who write to us; they chose to send the message."),
            ),),
            subjects=(_("People who write to us through the contact form"),),
            data=(_("Name, e-mail address, subject and message, language, when it was received and whether and "
                    "when we handled it"),),
            processors=(registry.Processor.HOSTING, registry.Processor.MAIL),
            retention=("contact_handled",),
            kept=(_("Messages not yet handled stay until we handle them."),),
        ),
        addresses=addresses,
        order=30,
    )
)


def _handled_purge(ctx: retention.RunContext) -> dict[str, int]:
    due = ContactMessage.objects.filter(
        handled=True, handled_at__lt=ctx.cutoff(settings.CONTACT_KEEP_DAYS_AFTER_HANDLED)
    )
    return {"contact messages": retention.delete_in_batches(due, ctx, "contact_handled")}


retention.register(retention.Rule(
    key="contact_handled", what=_("Messages sent through the contact form"),
    setting="CONTACT_KEEP_DAYS_AFTER_HANDLED", counted_from=_("after we handled them"),
    why=_("To follow up on the conversation."), run=_handled_purge, order=30,
))
