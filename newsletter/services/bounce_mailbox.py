"""The bounce mailbox as a source of bounces and complaints (mail.mailbox reads it).

A report counts only when it names one of our messages in a way a stranger cannot: the signed
VERP address it was delivered to (or that the message it quotes was sent from), else the
Message-ID it quotes, whose random part only the message's readers know. Without such a
reference anyone could write to the mailbox to have an address suppressed, so such a report is
recorded as read and applied to nobody; with only a quoted Message-ID the address the report
names is not used, so a forwarded or forged address suppresses nobody but the message's reader.
"""

import re

from mail.bounces import BounceReport
from mail.mailbox import bounce_mailbox_enabled, bounce_mailbox_read
from newsletter.services.bounces import BounceNotice, bounce_record

SOURCE = "mailbox"
# The VERP key of a campaign message: "d" and its delivery id (newsletter.services.sending).
_DELIVERY_KEY = re.compile(r"d(\d+)")


def bounce_mailbox_process() -> dict[str, int]:
    """Read the new messages of the bounce mailbox, when one is configured; {kind: messages}."""
    if not bounce_mailbox_enabled():
        return {}
    return bounce_mailbox_read(apply=bounce_report_apply)


def bounce_report_apply(report: BounceReport, *, event_prefix: str) -> int:
    """Record each recipient of one report (event key "<prefix>:<n>"); returns how many were new."""
    match = _DELIVERY_KEY.fullmatch(report.verp_key or "")
    delivery_id = int(match[1]) if match else None
    if delivery_id is None and not report.message_id:
        return 0
    applied = 0
    for n, recipient in enumerate(report.recipients):
        notice = BounceNotice(
            email=recipient.address if delivery_id is not None else "", kind=recipient.kind, source=SOURCE,
            event_key=f"{event_prefix}:{n}", delivery_id=delivery_id, message_id=report.message_id,
            status_code=recipient.status, reason=recipient.diagnostic,
        )
        applied += bounce_record(notice=notice) is not None
    return applied
