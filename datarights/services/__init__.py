"""Writes for data rights: requests and their audit trail, erasure, my-data links, activity.

Erasure walks the registry in one transaction: either every app has erased the address,
or none has. What it keeps is only keyed hashes (mail.hashing): on mail's suppression
list, in the erasure log (also appended to ERASURE_LOG_FILE after commit, outside the
database, so `reapply_erasures` survives a restore), and on the request record.
"""

import datetime
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from core import registry
from core.email import email_normalize
from datarights import tokens
from datarights.models import (
    AccessLink,
    DataRequest,
    DataRequestEvent,
    DataRequestNote,
    ErasureRecord,
    ProfileActivity,
    RetentionNotice,
)
from mail.hashing import address_hash
from mail.services import outbox_enqueue, suppression_add

logger = logging.getLogger(__name__)

SELF_SERVICE = "self-service"
ACCESS_LINK_TEMPLATE = "datarights/email/access_link"


# --- Requests and their audit trail ---------------------------------------------------


def _actor_label(actor) -> str:
    return actor.get_username() if actor is not None else SELF_SERVICE


def request_event(
    data_request: DataRequest, action: str, *, actor=None, detail: dict | None = None
) -> DataRequestEvent:
    """One line of the audit trail. `detail` holds counts and field names, never values."""
    return DataRequestEvent.objects.create(
        request=data_request, action=action, actor=actor, actor_label=_actor_label(actor), detail=detail or {}
    )


def request_register(
    *, kind: str, email: str, channel: str = DataRequest.Channel.EMAIL, received_on: datetime.date | None = None,
    actor=None, language: str = settings.LANGUAGE_CODE,
) -> DataRequest:
    """A request that arrived by e-mail, post or otherwise; due one month after receipt."""
    with transaction.atomic():
        data_request = DataRequest(
            kind=kind, channel=channel, subject_email=email_normalize(email), language=language,
            subject_hash=address_hash(email), received_on=received_on or timezone.localdate(), handled_by=actor,
        )
        data_request.save()
        request_event(data_request, DataRequestEvent.Action.REGISTERED, actor=actor,
                      detail={"kind": kind, "channel": channel})
    return data_request


def request_close_fields(data_request: DataRequest, *, outcome: str) -> None:
    """Close a request in memory and delete its notes: a closed request holds no personal data,
    only its keyed hash (the caller saves it, in the same transaction)."""
    data_request.outcome = outcome
    data_request.status = (
        DataRequest.Status.REFUSED if outcome == DataRequest.Outcome.REFUSED else DataRequest.Status.DONE
    )
    data_request.closed_at = timezone.now()
    data_request.subject_email = ""
    data_request.identity_note = ""
    DataRequestNote.objects.filter(request=data_request).delete()


def request_set_status(data_request: DataRequest, status: str, *, actor=None) -> DataRequest:
    """Move a request on; closing it (done or refused) removes the address and notes it held."""
    if status == data_request.status:
        return data_request
    with transaction.atomic():
        previous = data_request.status
        if actor is not None:
            data_request.handled_by = actor
        if status in DataRequest.OPEN_STATUSES:
            data_request.status, data_request.closed_at, data_request.outcome = status, None, ""
        else:
            request_close_fields(data_request, outcome=status)
        data_request.save(update_fields=["status", "outcome", "handled_by", "closed_at", "subject_email",
                                         "identity_note"])
        request_event(data_request, DataRequestEvent.Action.STATUS, actor=actor,
                      detail={"from": previous, "to": status})
    return data_request


def request_export(data_request: DataRequest, *, actor) -> dict[str, Any]:
    """The export for a registered request's address, logged (with counts) on the request."""
    from datarights.selectors import personal_data_export

    if not data_request.subject_email:
        raise ValueError("This request no longer holds an address.")
    with translation.override(settings.LANGUAGE_CODE):
        export = personal_data_export(data_request.subject_email)
    request_event(data_request, DataRequestEvent.Action.EXPORTED, actor=actor, detail=_export_counts(export))
    if data_request.handled_by_id is None:
        DataRequest.objects.filter(pk=data_request.pk).update(handled_by=actor)
    return export


def request_erase(data_request: DataRequest, *, actor) -> dict[str, dict[str, int]]:
    """Erase everything for the request's address; the request is closed as done."""
    if not data_request.subject_email:
        raise ValueError("This request no longer holds an address.")
    with transaction.atomic():
        counts = erase_everything(data_request.subject_email, data_request=data_request, actor=actor)
        data_request.refresh_from_db()
        if data_request.is_open:
            request_set_status(data_request, DataRequest.Status.DONE, actor=actor)
    return counts


def _export_counts(export: dict[str, Any]) -> dict[str, int]:
    return {
        f"{part['key']}.{kind['key']}": len(kind["records"])
        for part in export["parts"]
        for kind in part["kinds"]
        if kind["records"]
    }


def _self_service_request(address: str, kind: str) -> DataRequest:
    """A request made and answered on the website at once: recorded, closed, no address."""
    now = timezone.now()
    data_request = DataRequest(
        kind=kind, channel=DataRequest.Channel.SELF_SERVICE, status=DataRequest.Status.DONE,
        outcome=DataRequest.Outcome.DONE,
        subject_hash=address_hash(address), received_on=timezone.localdate(), closed_at=now,
    )
    data_request.save()
    request_event(data_request, DataRequestEvent.Action.REGISTERED, detail={"kind": kind, "channel": "self_service"})
    return data_request


# --- Erasure --------------------------------------------------------------------------


def erase_everything(
    address: str, *, data_request: DataRequest | None = None, actor=None,
    created_before: datetime.datetime | None = None, reason: str = "erasure",
) -> dict[str, dict[str, int]]:
    """Remove or anonymise everything every registered source holds for `address`.

    One transaction. Keeps the address' keyed hash on the suppression list and in the
    erasure log; `created_before` limits the erasure to older data (reapply_erasures).
    Returns {source key: {kind: count}}.
    """
    address = email_normalize(address)
    hashed = address_hash(address)
    now = timezone.now()
    with transaction.atomic():
        counts = {source.key: source.erase(address, created_before) for source in registry.sources()}
        summary = {key: {kind: n for kind, n in kinds.items() if n} for key, kinds in counts.items()}
        summary = {key: kinds for key, kinds in summary.items() if kinds}
        erased_at = created_before or now
        record, created = ErasureRecord.objects.get_or_create(
            address_hash=hashed, erased_at=erased_at,
            defaults={"request": data_request, "summary": summary},
        )
        if not created and summary:
            record.summary = {**record.summary, "reapplied": summary}
            record.save(update_fields=["summary"])
        if created_before is None or not _opted_in_since(address, created_before):
            # Re-applied after a restore, an opt-in confirmed since the erasure stands: it lifted the hash.
            suppression_add(email=address, reason=reason, source="erasure", at=erased_at)
        RetentionNotice.objects.filter(address_hash=hashed).delete()
        ProfileActivity.objects.filter(address_hash=hashed).delete()
        if data_request is not None:
            request_event(data_request, DataRequestEvent.Action.ERASED, actor=actor, detail=summary)
        if created:
            transaction.on_commit(lambda: erasure_log_append(hashed, erased_at))
    return counts


def _opted_in_since(address: str, moment: datetime.datetime) -> bool:
    return any(
        opted_in > moment
        for source in registry.sources() if source.opted_in_at
        for opted_in in source.opted_in_at([address]).values()
    )


def erasure_log_append(hashed: str, erased_at: datetime.datetime) -> None:
    """Append to the erasure log file beside the database (one JSON object per line)."""
    path = Path(settings.ERASURE_LOG_FILE)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(json.dumps({"hash": hashed, "erased_at": erased_at.isoformat()}) + "\n")
    except OSError:
        # The erasure itself is committed; the table still has it. Say so loudly.
        logger.error("Could not append erasure %s… to %s", hashed[:12], path, exc_info=True)


def erasure_log_entries(path: Path | None = None) -> dict[str, datetime.datetime]:
    """{hash: latest erasure time} from the table and the log file together."""
    entries: dict[str, datetime.datetime] = {}

    def _keep(hashed: str, at: datetime.datetime) -> None:
        if hashed not in entries or at > entries[hashed]:
            entries[hashed] = at

    for hashed, at in ErasureRecord.objects.values_list("address_hash", "erased_at").iterator(chunk_size=5000):
        _keep(hashed, at)
    path = Path(path or settings.ERASURE_LOG_FILE)
    if path.exists():
        with path.open(encoding="utf-8") as log:
            for number, line in enumerate(log, start=1):
                line = line.strip()
                if not line:
                    continue
                try:
                    item = json.loads(line)
                    _keep(str(item["hash"]), datetime.datetime.fromisoformat(item["erased_at"]))
                except (ValueError, KeyError, TypeError):
                    logger.warning("Erasure log %s line %d is not valid; skipped", path, number)
    return entries


@dataclass
class ReapplyResult:
    entries: int = 0
    records_restored: int = 0
    addresses_found: int = 0
    erased: dict[str, int] | None = None


def erasures_reapply(*, path: Path | None = None, progress: Callable[[str], None] | None = None) -> ReapplyResult:
    """After a restore: erase again every logged address found in any source.

    Only data older than the logged erasure is removed, so an explicit opt-in made after
    it survives. Erasure records missing from the table (newer than the backup) are
    written back from the file.
    """
    say = progress or (lambda _message: None)
    entries = erasure_log_entries(path)
    result = ReapplyResult(entries=len(entries), erased={})
    existing = set(ErasureRecord.objects.values_list("address_hash", "erased_at"))
    missing = [ErasureRecord(address_hash=h, erased_at=at) for h, at in entries.items() if (h, at) not in existing]
    ErasureRecord.objects.bulk_create(missing, ignore_conflicts=True, batch_size=1000)
    result.records_restored = len(missing)
    say(f"{len(entries)} logged erasures; {len(missing)} written back to the table.")

    found: dict[str, str] = {}
    for source in registry.sources():
        if source.addresses is None:
            continue
        scanned = 0
        for address in source.addresses():
            scanned += 1
            normalized = email_normalize(address)
            if normalized not in found:
                hashed = address_hash(normalized)
                if hashed in entries:
                    found[normalized] = hashed
        say(f"{source.key}: {scanned} addresses checked.")
    result.addresses_found = len(found)
    for address, hashed in found.items():
        counts = erase_everything(address, created_before=entries[hashed])
        for key, kinds in counts.items():
            for kind, n in kinds.items():
                if n:
                    result.erased[f"{key}.{kind}"] = result.erased.get(f"{key}.{kind}", 0) + n
    say(f"{len(found)} erased addresses were present again and have been erased.")
    return result


# --- Self-service: links, sessions, correction, erasure ---------------------------------


class LinkProblem(Exception):
    """kind: "forged", "expired" or "used"."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def access_link_url(link: AccessLink) -> str:
    with translation.override(link.language):
        path = reverse("datarights:my_data_open", args=[tokens.link_token(link.pk)])
    return settings.SITE_URL + path


def _send_access_link(link: AccessLink) -> None:
    # The mail app's transactional outbox: written in this transaction, sent by a
    # worker on its own queue, so the visitor's request never waits on SMTP.
    context = {"link_url": access_link_url(link), "valid_hours": settings.DATARIGHTS_LINK_MAX_AGE_HOURS}
    outbox_enqueue(template=ACCESS_LINK_TEMPLATE, to_email=link.email, language=link.language, context=context)


def access_link_request(*, email: str, language: str) -> AccessLink:
    """Create a link and mail it. The same happens for every address: an address the site
    does not know gets a link to a page that says so, and the visitor's screen is the same."""
    now = timezone.now()
    with transaction.atomic():
        link = AccessLink.objects.create(
            email=email_normalize(email), language=language, created_at=now,
            expires_at=now + datetime.timedelta(hours=settings.DATARIGHTS_LINK_MAX_AGE_HOURS),
        )
        _send_access_link(link)
    return link


def access_link_check(token: str) -> AccessLink:
    """The link a token names, if it may still be opened; LinkProblem otherwise."""
    try:
        link_id = tokens.link_id_from_token(token)
    except tokens.TokenInvalid as problem:
        raise LinkProblem(problem.kind) from None
    link = AccessLink.objects.filter(pk=link_id).first()
    if link is None:
        # Authentic but gone: deleted by retention after expiry, or by an erasure.
        raise LinkProblem("expired")
    if link.used_at is not None:
        raise LinkProblem("used")
    if link.expires_at <= timezone.now():
        raise LinkProblem("expired")
    return link


def access_link_open(token: str) -> AccessLink:
    """Use the link (once) and start a short my-data session; recorded as an access request."""
    link = access_link_check(token)
    now = timezone.now()
    session_end = now + datetime.timedelta(minutes=settings.DATARIGHTS_SESSION_MINUTES)
    with transaction.atomic():
        # The conditional UPDATE makes a double click or a replay lose the race cleanly.
        opened = AccessLink.objects.filter(pk=link.pk, used_at__isnull=True).update(
            used_at=now, session_expires_at=session_end
        )
        if not opened:
            raise LinkProblem("used")
        data_request = _self_service_request(link.email, DataRequest.Kind.ACCESS)
        request_event(data_request, DataRequestEvent.Action.VIEWED)
        AccessLink.objects.filter(pk=link.pk).update(request=data_request)
    link.refresh_from_db()
    return link


def access_session_end(link: AccessLink) -> None:
    AccessLink.objects.filter(pk=link.pk).update(session_expires_at=timezone.now())


def my_data_downloaded(link: AccessLink, export: dict[str, Any]) -> None:
    if link.request_id:
        request_event(link.request, DataRequestEvent.Action.EXPORTED, detail=_export_counts(export))


def my_data_correct(link: AccessLink, cleaned: dict[str, Any]) -> list[str]:
    """Apply each source's corrections; recorded as a correction request (field names only)."""
    changed: list[str] = []
    with transaction.atomic():
        for source in registry.sources():
            if source.correction is None:
                continue
            prefix = f"{source.key}__"
            values = {name[len(prefix):]: value for name, value in cleaned.items() if name.startswith(prefix)}
            if values:
                changed += [f"{source.key}.{name}" for name in source.correction.apply(link.email, values)]
        if changed:
            data_request = _self_service_request(link.email, DataRequest.Kind.CORRECTION)
            request_event(data_request, DataRequestEvent.Action.CORRECTED, detail={"fields": changed})
    return changed


def my_data_erase(link: AccessLink) -> dict[str, dict[str, int]]:
    """Erase everything for the session's address. The link itself goes with it."""
    address = link.email
    with transaction.atomic():
        data_request = _self_service_request(address, DataRequest.Kind.ERASURE)
        return erase_everything(address, data_request=data_request)


def activity_record(hashed: str) -> None:
    """The person showed they want to stay (answered the inactivity e-mail)."""
    now = timezone.now()
    ProfileActivity.objects.update_or_create(address_hash=hashed, defaults={"last_active_at": now})
    RetentionNotice.objects.filter(address_hash=hashed).delete()



# --- For the newsletter's retention rules ----------------------------------------------


def inactivity_warn(*, email: str, name: str, language: str, deletion_at: datetime.datetime,
                    now: datetime.datetime) -> None:
    """Record the warning and mail it: the profile goes on `deletion_at` unless the person chooses to stay."""
    hashed = address_hash(email)
    RetentionNotice.objects.update_or_create(address_hash=hashed, defaults={"warned_at": now})
    with translation.override(language):
        stay_url = settings.SITE_URL + reverse("datarights:stay", args=[tokens.stay_token(hashed)])
    outbox_enqueue(
        template="datarights/email/inactivity_warning", to_email=email, language=language,
        context={"name": name, "stay_url": stay_url, "deletion_date": deletion_at.date().isoformat(),
                 "years": settings.INACTIVE_PROFILE_DAYS // 365},
    )


def inactivity_warnings_clear(*, emails: Iterable[str]) -> None:
    """Forget the warnings of profiles that are gone."""
    RetentionNotice.objects.filter(address_hash__in=[address_hash(email) for email in emails]).delete()
