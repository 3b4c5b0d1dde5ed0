"""Bounces and complaints onto mail's suppression list: from a CSV file or a webhook.

Formats are documented in docs/newsletter.md. A "detail" is accepted and not kept: the list holds
only a keyed hash of each address, with its reason, date and source.
"""

import csv
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.email import email_normalize
from mail.hashing import address_hash
from mail.services import suppression_add
from newsletter.services.bounces import BounceNotice, bounce_record

WEBHOOK_MAX_EVENTS = 1000
# The reasons a webhook event or CSV row may give (values of mail's Suppression.Reason).
TYPES = frozenset({"bounce", "complaint", "manual"})


class WebhookError(ValueError):
    pass


def _suppress(email: str, reason: str, *, source: str, message_id: str) -> bool:
    """Suppress the address; a bounce or complaint is recorded as one (tied to its message), once
    however often the same line comes back. True when the address was not suppressed yet."""
    added = suppression_add(email=email, reason=reason, source=source)
    if reason != "manual":
        key = f"{source}:{reason}:{address_hash(email)}:{message_id.strip()}"
        bounce_record(notice=BounceNotice(
            email=email, kind="complaint" if reason == "complaint" else "hard", source=source,
            event_key=key[:250], message_id=message_id,
        ))
    return added


def _valid_email(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    email = email_normalize(value)
    try:
        validate_email(email)
    except ValidationError:
        return None
    return email


def suppressions_from_webhook(payload: object) -> dict:
    """{"events": [{"email": …, "type": "bounce"|"complaint", "detail": …, "message_id": …}, …]} → counts."""
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise WebhookError('expected an object with an "events" list')
    events = payload["events"]
    if len(events) > WEBHOOK_MAX_EVENTS:
        raise WebhookError(f"at most {WEBHOOK_MAX_EVENTS} events per call")
    added, known, rejected = 0, 0, []
    for index, event in enumerate(events):
        email = _valid_email(event.get("email")) if isinstance(event, dict) else None
        reason = event.get("type") if isinstance(event, dict) else None
        if email is None or reason not in TYPES:
            rejected.append(index)
            continue
        message_id = event.get("message_id") if isinstance(event.get("message_id"), str) else ""
        if _suppress(email, reason, source="webhook", message_id=message_id):
            added += 1
        else:
            known += 1
    return {"added": added, "already_suppressed": known, "rejected": rejected}


def suppressions_from_csv(lines: Iterable[str]) -> tuple[int, int, list[int]]:
    """CSV with a header row: email, type (bounce|complaint|manual, default bounce), detail, message_id.

    Returns (added, already suppressed, rejected line numbers).
    """
    added, known, rejected = 0, 0, []
    reader = csv.DictReader(lines)
    if reader.fieldnames is None or "email" not in [f.strip().lower() for f in reader.fieldnames]:
        raise ValueError('the first line must be a header with at least an "email" column')
    for row in reader:
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        email = _valid_email(row.get("email"))
        reason = row.get("type") or "bounce"
        if email is None or reason not in TYPES:
            rejected.append(reader.line_num)
            continue
        if _suppress(email, reason, source="csv", message_id=row.get("message_id", "")):
            added += 1
        else:
            known += 1
    return added, known, rejected
