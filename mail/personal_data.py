"""How long mail keeps the record of transactional e-mails (its retention rule, run by
core.retention; found by autodiscovery). The records themselves are listed and erased
through the newsletter's source, whose kind "transactional_emails" the export has always had."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core import retention
from mail.selectors import outbox_expired


def _outbox_purge(ctx: retention.RunContext) -> dict[str, int]:
    due = outbox_expired(before=ctx.cutoff(settings.TRANSACTIONAL_MAIL_KEEP_DAYS))
    return {"transactional e-mails": retention.delete_in_batches(due, ctx, "transactional_mail")}


retention.register(retention.Rule(
    key="transactional_mail", what=_("Record of e-mails you asked for (confirmation and my-data links)"),
    setting="TRANSACTIONAL_MAIL_KEEP_DAYS", counted_from=_("after sending"),
    why=_("To look into delivery problems; the link itself is removed as soon as the e-mail is sent."),
    run=_outbox_purge, order=13,
))
