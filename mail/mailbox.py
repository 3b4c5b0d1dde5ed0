"""The bounce mailbox: an IMAP mailbox (MAIL_BOUNCE_IMAP_URL) where bounces and complaints arrive.

Each new message is read (mail.bounces) and handed to the caller's `apply` in the transaction
that records it as read (BounceMail: mailbox, UIDVALIDITY, UID), so a message is applied once
however often or concurrently the mailbox is read. A message nobody can read is recorded as such
and left for a person; a report that fails to apply is logged and tried again on the next run.
Read messages are deleted from the mailbox after MAIL_BOUNCE_KEEP_DAYS (the retention rule in
mail.personal_data); those not understood stay.
"""

import datetime
import imaplib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from mail.bounces import IGNORED, BounceReport, BounceUnreadable, bounce_parse
from mail.models import BounceMail

log = logging.getLogger(__name__)

# Messages one run reads at most (the next run takes the rest), so a run stays short.
READ_PER_RUN = 200
# UIDs named in one STORE command, well within a server's command line limit.
_UIDS_PER_COMMAND = 500
_TIMEOUT_SECONDS = 60

# apply(report, event_prefix=…) applies what a report says and returns how many reports it applied.
Apply = Callable[..., int]


@dataclass(frozen=True)
class _Account:
    secure: bool
    host: str
    port: int
    user: str
    password: str
    mailbox: str


def bounce_mailbox_enabled() -> bool:
    return bool(settings.MAIL_BOUNCE_IMAP_URL)


def _account() -> _Account:
    url = urlsplit(settings.MAIL_BOUNCE_IMAP_URL)
    if url.scheme not in ("imap", "imaps") or not url.hostname or not url.username:
        raise ImproperlyConfigured(
            "MAIL_BOUNCE_IMAP_URL must look like imaps://user:password@host:port/Mailbox (or imap://)"
        )
    return _Account(
        secure=url.scheme == "imaps", host=url.hostname, port=url.port or (993 if url.scheme == "imaps" else 143),
        user=unquote(url.username), password=unquote(url.password or ""),
        mailbox=unquote(url.path.lstrip("/")) or "INBOX",
    )


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ok(answer: tuple[str, list]) -> list:
    status, data = answer
    if status != "OK":
        raise imaplib.IMAP4.error(f"IMAP answered {status}: {data!r}"[:300])
    return data


@contextmanager
def _opened() -> Iterator[tuple[imaplib.IMAP4, _Account, int]]:
    """A logged-in connection with the mailbox selected, and the mailbox's UIDVALIDITY."""
    account = _account()
    if account.secure:
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL(account.host, account.port, timeout=_TIMEOUT_SECONDS)
    else:
        client = imaplib.IMAP4(account.host, account.port, timeout=_TIMEOUT_SECONDS)
        if "STARTTLS" in client.capabilities:  # plain imap:// still encrypts when the server can
            client.starttls()
    try:
        client.login(account.user, account.password)
        _ok(client.select(_quoted(account.mailbox)))
        _status, (uidvalidity,) = client.response("UIDVALIDITY")
        yield client, account, int(uidvalidity)
    finally:
        with suppress(OSError, imaplib.IMAP4.error):  # the connection may be gone already
            client.logout()


def _uids(client: imaplib.IMAP4) -> list[int]:
    data = _ok(client.uid("SEARCH", "UNDELETED"))
    return sorted(int(uid) for uid in (data[0] or b"").split())


def _fetch(client: imaplib.IMAP4, uid: int) -> bytes | None:
    for item in _ok(client.uid("FETCH", str(uid), "(BODY.PEEK[])")):
        if isinstance(item, tuple):
            return item[1]
    return None  # expunged meanwhile


def bounce_mailbox_read(*, apply: Apply, limit: int = READ_PER_RUN) -> dict[str, int]:
    """Read the messages not read before; {kind: messages read}."""
    counts: dict[str, int] = {}
    with _opened() as (client, account, uidvalidity):
        uids = _uids(client)
        done = set(BounceMail.objects.filter(mailbox=account.mailbox, uidvalidity=uidvalidity, uid__in=uids)
                   .values_list("uid", flat=True))
        for uid in [uid for uid in uids if uid not in done][:limit]:
            raw = _fetch(client, uid)
            if raw is not None:
                kind = _message_read(raw, apply=apply, mailbox=account.mailbox, uidvalidity=uidvalidity, uid=uid)
                if kind:
                    counts[kind] = counts.get(kind, 0) + 1
    return counts


def _message_read(raw: bytes, *, apply: Apply, mailbox: str, uidvalidity: int, uid: int) -> str:
    """Record and apply one message; returns its kind, or "" when it was not recorded."""
    report: BounceReport | None = None
    note = ""
    try:
        report = bounce_parse(raw=raw)
    except BounceUnreadable as unreadable:
        note = str(unreadable)
    except Exception:  # a message that trips the parser must not stop the others
        log.exception("bounce mailbox: message %s:%s could not be parsed", uidvalidity, uid)
        note = "the parser failed on it"
    try:
        with transaction.atomic():
            record = BounceMail.objects.create(
                mailbox=mailbox, uidvalidity=uidvalidity, uid=uid,
                kind=report.kind if report else BounceMail.Kind.UNREADABLE,
                note=(report.note if report else note)[:200],
            )
            if report is not None and report.kind != IGNORED:
                record.applied = apply(report, event_prefix=f"mailbox:{uidvalidity}:{uid}")
                record.save(update_fields=["applied"])
    except IntegrityError:
        return ""  # another run recorded it first
    except Exception:  # left unrecorded, so the next run tries it again
        log.exception("bounce mailbox: message %s:%s could not be applied", uidvalidity, uid)
        return ""
    return record.kind


def bounce_mails_delete(*, before: datetime.datetime, batch_size: int, dry_run: bool = False) -> int:
    """Delete from the mailbox the messages read before `before` (not those left for a person),
    and their records; returns how many."""
    due = BounceMail.objects.filter(read_at__lt=before).exclude(kind=BounceMail.Kind.UNREADABLE)
    if dry_run:
        return due.count()
    if not bounce_mailbox_enabled():
        return 0
    deleted = 0
    with _opened() as (client, account, uidvalidity):
        # Servers name UIDPLUS only once logged in, after imaplib read the capabilities.
        uidplus = "UIDPLUS" in _ok(client.capability())[0].decode().upper().split()
        # Records of another mailbox or an earlier UIDVALIDITY name messages that can no longer be reached.
        stale = due.exclude(mailbox=account.mailbox, uidvalidity=uidvalidity)
        deleted += stale.delete()[0]
        current = due.filter(mailbox=account.mailbox, uidvalidity=uidvalidity).order_by("uid")
        batch = min(batch_size, _UIDS_PER_COMMAND)
        while ids_uids := list(current.values_list("pk", "uid")[:batch]):
            uid_set = ",".join(str(uid) for _pk, uid in ids_uids)
            _ok(client.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Deleted)"))
            # UID EXPUNGE (UIDPLUS) removes only these; plain EXPUNGE would also take what a person flagged.
            _ok(client.uid("EXPUNGE", uid_set) if uidplus else client.expunge())
            deleted += BounceMail.objects.filter(pk__in=[pk for pk, _uid in ids_uids]).delete()[0]
    return deleted
