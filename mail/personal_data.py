"""How long mail keeps the record of transactional e-mails and the bounce mailbox's messages (its
retention rules, run by core.retention; found by autodiscovery). The outbox records themselves are
listed and erased through the newsletter's source, whose kind "transactional_emails" the export
has always had; what a bounce changed is in the newsletter's bounce reports."""

import imaplib
import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core import retention
from mail.mailbox import bounce_mails_delete
from mail.selectors import outbox_expired

log = logging.getLogger(__name__)


def _outbox_purge(ctx: retention.RunContext) -> dict[str, int]:
    due = outbox_expired(before=ctx.cutoff(settings.TRANSACTIONAL_MAIL_KEEP_DAYS))
    return {"transactional e-mails": retention.delete_in_batches(due, ctx, "transactional_mail")}


retention.register(retention.Rule(
    key="transactional_mail", what=_("Record of e-mails you asked for (confirmation and my-data links)"),
    setting="TRANSACTIONAL_MAIL_KEEP_DAYS", counted_from=_("after sending"),
    why=_("To look into delivery problems; the link itself is removed as soon as the e-mail is sent."),
    run=_outbox_purge, order=13,
))


def _bounce_mail_purge(ctx: retention.RunContext) -> dict[str, int]:
    try:
        deleted = bounce_mails_delete(
            before=ctx.cutoff(settings.MAIL_BOUNCE_KEEP_DAYS), batch_size=ctx.batch_size, dry_run=ctx.dry_run
        )
    except (OSError, imaplib.IMAP4.error, ImproperlyConfigured):
        # A mailbox out of reach must not stop the rules after this one; the next run deletes these.
        log.exception("retention: the bounce mailbox could not be reached")
        deleted = 0
    ctx.progress("bounce_mail", deleted)
    return {"bounce mailbox messages": deleted}


retention.register(retention.Rule(
    key="bounce_mail", what=_("Bounce messages and spam complaints about our e-mails, in our bounce mailbox"),
    setting="MAIL_BOUNCE_KEEP_DAYS", counted_from=_("after they are read"),
    why=_("To check how a bounce was handled; what it changed is kept as the bounce report above."),
    run=_bounce_mail_purge, order=15,
))
