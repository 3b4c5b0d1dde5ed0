"""Sending campaigns: the database decides who gets what, workers only do the work.

This module handles deliveries; the campaign's status it reads, and changes only through
services.campaign_status (pause when sending goes wrong, sent when nothing is left).

- `campaign_populate` writes one Delivery row per person in the campaign's audience (its
  segment: `selectors.campaign_audience`), in batches; the unique constraint makes a rerun
  (after a crash) add only what is missing.
- `deliveries_claim` takes a batch of due rows with SELECT … FOR UPDATE SKIP LOCKED and
  leases them to one worker; parallel workers never take the same row.
- `batch_send` sends a claimed batch over one SMTP connection and marks each row the moment
  the server accepted it, so a crash costs at most the one message in flight.
- `leases_reap` (beat) gives a dead worker's rows back; retry times live on the rows.
"""

import contextlib
import logging
import os
import socket
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from mail.messages import RawMessage, message_id_make
from mail.selectors import addresses_suppressed
from mail.services import suppression_add
from mail.throttle import SendRate
from mail.throughput import SentMarks, asynchronous_commit, senders_run
from mail.transport import SendFailed, Transport
from mail.verp import verp_address, verp_enabled
from newsletter.messages import (
    CampaignMessages,
    Recipient,
    RenderedContent,
    campaign_content_render,
    campaign_topic_list,
)
from newsletter.models import Campaign, CampaignContent, Delivery, Failure, Subscription
from newsletter.selectors import campaign_audience_page, campaign_web_urls
from newsletter.services.bounces import BounceNotice, bounce_record
from newsletter.services.campaign_status import campaign_finish_if_done, campaign_pause_automatically
from newsletter.services.leases import expired_leases_reap

logger = logging.getLogger(__name__)

POPULATE_CHUNK = 2000
# While a batch is being sent, every so often: is the campaign still running, has anyone in
# the rest of the batch unsubscribed, and is the lease due for renewal. Half a second is what "at once"
# means for an unsubscribe or a pause; the message count only matters when sending is fast
# (each check costs five queries, which every 50 messages was a tenth of the sending time).
CHECK_EVERY_SECONDS = 0.5
CHECK_EVERY_MESSAGES = 250
# The share of NEWSLETTER_LEASE_SECONDS after which a batch's lease is renewed. Renewing at every
# check rewrote every waiting row of the batch several times before it was sent; this way a batch
# shorter than the share writes its lease once (the claim), and a longer one keeps its rows as
# long as no single message takes the other two thirds of the lease.
LEASE_RENEW_AFTER = 1 / 3


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retried: int = 0
    skipped: int = 0
    released: int = 0
    stopped: bool = False  # the campaign is not (or no longer) sending
    unreachable: bool = False  # the mail server could not be reached: the batch went back untouched


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def campaign_populate(campaign_id: int) -> int:
    """Create the delivery rows of a campaign: one per person of its audience, in batches by
    subscriber id (each person once, however many of its topics they follow)."""
    campaign = Campaign.objects.get(pk=campaign_id)
    last, created = 0, 0
    while True:
        with transaction.atomic():
            subscriber_ids = campaign_audience_page(campaign=campaign, after=last, limit=POPULATE_CHUNK)
            if not subscriber_ids:
                break
            rows = Delivery.objects.bulk_create(
                [Delivery(campaign_id=campaign_id, subscriber_id=pk) for pk in subscriber_ids], ignore_conflicts=True
            )
            created += len(rows)
        last = subscriber_ids[-1]
    Campaign.objects.filter(pk=campaign_id).update(populated=True)
    return created


def deliveries_claim(*, campaign_id: int, worker: str, limit: int) -> list[int]:
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                campaign_id=campaign_id, campaign__status=Campaign.Status.SENDING,
                status=Delivery.Status.PENDING, next_attempt_at__lte=now,
            )
            # The order of the partial index newsletter_delivery_due, so the claim reads 100 index
            # entries and stops; ordering by id alone sorted every pending row (139 ms a batch at 100,000).
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            Delivery.objects.filter(pk__in=ids).update(
                status=Delivery.Status.SENDING, claimed_by=worker, tries=F("tries") + 1,
                lease_expires_at=now + timedelta(seconds=settings.NEWSLETTER_LEASE_SECONDS),
            )
    return ids


def leases_reap() -> int:
    """Give rows whose lease ran out (their worker died) back to the queue."""

    def campaigns_pause_if_failing(failed_ids: list[int]) -> None:
        # Rows lost with their workers are failures like any other: a campaign whose workers keep
        # dying pauses for a person instead of ending as "sent".
        for campaign_id in Delivery.objects.filter(pk__in=failed_ids).values_list("campaign_id", flat=True).distinct():
            _pause_if_failing(campaign_id)

    return expired_leases_reap(rows=Delivery.objects.all(), after_failing=campaigns_pause_if_failing)


def _contents(campaign: Campaign) -> dict[str, RenderedContent]:
    """Rendered content per language; a missing language falls back to another one."""
    rendered = {
        c.language: campaign_content_render(content=c)
        for c in CampaignContent.objects.filter(campaign=campaign)
    }
    if not rendered:
        return {}
    ordered = [code for code, _name in settings.LANGUAGES]
    fallback = next(rendered[code] for code in ordered if code in rendered)
    return {code: rendered.get(code, fallback) for code in ordered}


_ROW_FIELDS = (
    "id", "tries", "subscriber_id", "subscriber__email", "subscriber__name", "subscriber__language", "subscriber__uuid",
)


def _standing(rows: list[dict], topic_ids: tuple[int, ...] | None) -> list[dict]:
    """Mark each row `subscribed` (still confirmed for one of the campaign's topics, or for any
    topic when `topic_ids` is None, a privacy notice's: the language
    and dates of its segment decided who was listed) and `suppressed` (its keyed
    hash on mail's suppression list: a bounce, a complaint, a manual block, or an erasure or
    deletion that a database restore may have undone before reapply_erasures ran).

    Two lookups by the rows' own keys: a subquery per row let PostgreSQL scan the topic's
    whole subscriber list once per batch (22 ms at 100,000 subscribers), twice per batch with
    the re-checks.
    """
    confirmed = Subscription.objects.filter(
        subscriber_id__in=[row["subscriber_id"] for row in rows], status=Subscription.Status.CONFIRMED,
    )
    if topic_ids is not None:
        confirmed = confirmed.filter(topic_id__in=topic_ids)
    subscribed = set(confirmed.values_list("subscriber_id", flat=True))
    suppressed = addresses_suppressed(row["subscriber__email"] for row in rows)
    for row in rows:
        row["subscribed"] = row["subscriber_id"] in subscribed
        row["suppressed"] = row["subscriber__email"] in suppressed
    return rows


def _recipients(ids: list[int], topic_ids: tuple[int, ...] | None) -> list[dict]:
    return _standing(list(Delivery.objects.filter(pk__in=ids).order_by("id").values(*_ROW_FIELDS)), topic_ids)


def _skip(ids: list[int], worker: str, reason: str) -> int:
    if not ids:
        return 0
    return Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENDING, claimed_by=worker).update(
        status=Delivery.Status.SKIPPED, lease_expires_at=None, last_error=reason
    )


def _release(ids: list[int], worker: str, last_error: str | None = None) -> int:
    """Unsent rows of a stopped batch go back untouched (their claim did not count as a try)."""
    if not ids:
        return 0
    reason = {} if last_error is None else {"last_error": last_error}
    return Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENDING, claimed_by=worker).update(
        status=Delivery.Status.PENDING, lease_expires_at=None, claimed_by="", tries=F("tries") - 1, **reason
    )


def _still_running(
    campaign_id: int, rest: deque, worker: str, topic_ids: tuple[int, ...] | None, result: BatchResult
) -> bool:
    if not Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING).exists():
        result.released += _release([row["id"] for row in rest], worker)
        rest.clear()
        result.stopped = True
        return False
    ids = [row["id"] for row in rest]
    found = _recipients(ids, topic_ids)
    gone = {row["id"] for row in found if not row["subscribed"] or row["suppressed"]}
    # A row that no longer exists went with its subscriber (erasure, retention): nothing to mark.
    vanished = set(ids) - {row["id"] for row in found}
    if gone or vanished:
        result.skipped += _skip(list(gone), worker, "unsubscribed or suppressed while sending")
        kept = [row for row in rest if row["id"] not in gone and row["id"] not in vanished]
        rest.clear()
        rest.extend(kept)
    return True


def _lease_renew(rest: deque, worker: str, leased_at: datetime) -> datetime:
    """Renew the lease of the batch's waiting rows once LEASE_RENEW_AFTER of it has passed since
    `leased_at`, when it was last set; returns when it was last set (now, if renewed)."""
    lease = timedelta(seconds=settings.NEWSLETTER_LEASE_SECONDS)
    now = timezone.now()
    if now - leased_at < lease * LEASE_RENEW_AFTER:
        return leased_at
    Delivery.objects.filter(
        pk__in=[row["id"] for row in rest], status=Delivery.Status.SENDING, claimed_by=worker
    ).update(lease_expires_at=now + lease)
    return now


def send_failure_record(*, claimed: QuerySet, failure: SendFailed, tries: int, email: str) -> str:
    """Record a refused or failed send on the one claimed row `claimed` selects (a Delivery or a
    Welcome: the same status fields); returns the row's status afterwards.

    An unreachable mail server gives the row back without counting the try: nothing was sent and
    the recipient is not at fault, so an outage, however long, must not use up the tries that
    NEWSLETTER_MAX_TRIES allows the address. A permanent refusal fails the row and suppresses the
    address; a temporary one is tried again later, until the tries run out.
    """
    if failure.unreachable:
        claimed.update(status=Delivery.Status.PENDING, lease_expires_at=None, claimed_by="", tries=F("tries") - 1,
                       last_error=failure.detail)
        return Delivery.Status.PENDING
    if failure.permanent or tries >= settings.NEWSLETTER_MAX_TRIES:
        failed = {"status": Delivery.Status.FAILED, "lease_expires_at": None, "last_error": failure.detail}
        if claimed.model is not Delivery:
            claimed.update(**failed)
            if failure.permanent:
                suppression_add(email=email, reason="bounce", source="smtp")
        elif failure.permanent:
            _refusal_record(claimed, failure, email, tries)
        else:
            claimed.update(**failed, failure=Failure.TEMPORARY)
        return Delivery.Status.FAILED
    claimed.update(status=Delivery.Status.PENDING, lease_expires_at=None, claimed_by="", last_error=failure.detail,
                   next_attempt_at=timezone.now() + retry_delay(tries))
    return Delivery.Status.PENDING


def _refusal_record(claimed: QuerySet, failure: SendFailed, email: str, tries: int) -> None:
    """A campaign message the mail server refused for good is a hard bounce like those reported
    later: the row fails for good, the address is suppressed, staff see it with the others."""
    for delivery_id in claimed.values_list("pk", flat=True):
        bounce_record(notice=BounceNotice(
            email=email, kind="hard", source="smtp", event_key=f"smtp:d{delivery_id}:t{tries}", delivery_id=delivery_id,
            status_code=str(failure.code or ""), reason=failure.detail,
        ))


def retry_delay(tries: int) -> timedelta:
    return timedelta(seconds=min(settings.NEWSLETTER_RETRY_BASE_SECONDS * 2 ** max(tries - 1, 0), 24 * 3600))


def batch_send(
    *, campaign_id: int, worker: str, limit: int | None = None, rate: SendRate | None = None,
    session: "SendingSession | None" = None,
) -> BatchResult:
    """Claim one batch of due deliveries and send it over one connection (the session's, when
    given, so that consecutive batches share their SMTP and database connections)."""
    result = BatchResult()
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.status != Campaign.Status.SENDING:
        result.stopped = True
        return result
    # Read before the claim reads its own clock: the lease is renewed a little early, never late.
    leased_at = timezone.now()
    ids = deliveries_claim(campaign_id=campaign_id, worker=worker, limit=limit or settings.NEWSLETTER_BATCH_SIZE)
    result.claimed = len(ids)
    if not ids:
        campaign_finish_if_done(campaign_id=campaign_id)
        return result
    contents = _contents(campaign)
    topics = campaign_topic_list(campaign)
    rows = _recipients(ids, topics.topic_ids)
    result.skipped += _skip([r["id"] for r in rows if not r["subscribed"]], worker, "not subscribed (any more)")
    result.skipped += _skip(
        [r["id"] for r in rows if r["subscribed"] and r["suppressed"]], worker, "address on the suppression list"
    )
    rest = deque(r for r in rows if r["subscribed"] and not r["suppressed"])
    if not contents:
        result.released += _release([r["id"] for r in rest], worker)
        campaign_pause_automatically(campaign_id=campaign_id, note="The campaign has no content.")
        result.stopped = True
        return result
    rate = rate or SendRate()
    builder = CampaignMessages(contents=contents, topics=topics, web_urls=campaign_web_urls(campaign_id=campaign_id))
    from_email = settings.NEWSLETTER_FROM_EMAIL
    verp = verp_enabled()
    last_check, since_check = time.monotonic(), 0
    with contextlib.ExitStack() as stack:
        transport, marks = session or stack.enter_context(sending_session(worker))
        while rest:
            if since_check >= CHECK_EVERY_MESSAGES or time.monotonic() - last_check >= CHECK_EVERY_SECONDS:
                marks.wait()
                if not _still_running(campaign_id, rest, worker, topics.topic_ids, result):
                    break
                last_check, since_check = time.monotonic(), 0
                if not rest:
                    break
                leased_at = _lease_renew(rest, worker, leased_at)
            row = rest.popleft()
            since_check += 1
            rate.wait()
            recipient = Recipient(
                email=row["subscriber__email"], name=row["subscriber__name"], language=row["subscriber__language"],
                uuid=row["subscriber__uuid"],
            )
            try:
                message = builder.build(
                    recipient, message_id_make(f"c{campaign_id}.d{row['id']}", from_email=from_email),
                    # Its own bounce address: verp_read gives back "d<delivery id>" from a bounce to it.
                    envelope_sender=verp_address(key=f"d{row['id']}") if verp else "",
                )
            except ValueError as error:  # mail refuses what could break a header (an address stored unchecked)
                Delivery.objects.filter(pk=row["id"], status=Delivery.Status.SENDING, claimed_by=worker).update(
                    status=Delivery.Status.FAILED, lease_expires_at=None, last_error=f"not sent: {error}"[:500],
                )
                result.failed += 1
                continue
            _send_one(transport, message, row, worker, result, marks)
            if result.unreachable:
                # The next message would meet the same closed door: the rest waits for the beat
                # tick, which restarts sending while the campaign has due rows and no live lease.
                result.released += _release([r["id"] for r in rest], worker)
                logger.warning("mail server unreachable; campaign %s waits for the next tick", campaign_id)
                break
        marks.wait()  # every accepted message of this batch is marked before the campaign is judged
    if result.failed:
        _pause_if_failing(campaign_id)
    campaign_finish_if_done(campaign_id=campaign_id)
    return result


SendingSession = tuple[Transport, "_DeliveryMarks"]


@contextlib.contextmanager
def sending_session(worker: str) -> Iterator[SendingSession]:
    """One SMTP connection (opened at the first message) and one "sent"-mark connection for
    as many batches as run inside it."""
    with Transport() as transport, asynchronous_commit(), contextlib.closing(_DeliveryMarks(worker)) as marks:
        yield transport, marks


_MARK_SENT = (
    "UPDATE newsletter_delivery SET status = 'sent', sent_at = %s, lease_expires_at = NULL, last_error = '', "
    "message_id = %s WHERE id = %s AND status = 'sending' AND claimed_by = %s"
)


class _DeliveryMarks(SentMarks):
    """Marks a delivery "sent" the moment the server accepted it, on mail.throughput's mark connection."""

    def __init__(self, worker: str) -> None:
        super().__init__(_MARK_SENT)
        self.worker = worker

    def delivered(self, delivery_id: int, message_id: str) -> None:
        self.mark(delivery_id, [timezone.now(), message_id, delivery_id, self.worker])


def _send_one(
    transport: Transport, message: RawMessage, row: dict, worker: str, result: BatchResult, marks: "_DeliveryMarks"
) -> None:
    try:
        transport.send(message, before_accept=marks.wait)
    except SendFailed as failure:
        outcome = send_failure_record(
            claimed=Delivery.objects.filter(pk=row["id"], status=Delivery.Status.SENDING, claimed_by=worker),
            failure=failure, tries=row["tries"],  # read after the claim, which counted this try
            email=row["subscriber__email"],
        )
        if outcome == Delivery.Status.PENDING and failure.unreachable:
            result.released += 1
            result.unreachable = True
        elif outcome == Delivery.Status.PENDING:
            result.retried += 1
        else:
            result.failed += 1
        return
    marks.delivered(row["id"], message.message_id)
    result.sent += 1


def _pause_if_failing(campaign_id: int) -> None:
    counts = Delivery.objects.filter(campaign_id=campaign_id).aggregate(
        failed=Count("id", filter=Q(status=Delivery.Status.FAILED)),
        sent=Count("id", filter=Q(status=Delivery.Status.SENT)),
    )
    attempts = counts["failed"] + counts["sent"]
    if attempts >= settings.NEWSLETTER_FAILURE_MIN_SAMPLE and counts["failed"] / attempts > (
        settings.NEWSLETTER_FAILURE_THRESHOLD
    ):
        share = round(100 * counts["failed"] / attempts)
        campaign_pause_automatically(
            campaign_id=campaign_id, note=f"Paused automatically: {share}% of {attempts} deliveries failed."
        )


def campaign_work(*, campaign_id: int, worker: str, seconds: float) -> bool:
    """Send batches for up to `seconds`, on NEWSLETTER_SENDERS connections side by side
    (mail.throughput.senders_run); True when there is more to do right now."""
    rate = SendRate()
    return senders_run(lambda: _send_batches(campaign_id, worker, seconds, rate), settings.NEWSLETTER_SENDERS)


def _send_batches(campaign_id: int, worker: str, seconds: float, rate: SendRate) -> bool:
    deadline = time.monotonic() + seconds
    with sending_session(worker) as session:
        while time.monotonic() < deadline:
            result = batch_send(campaign_id=campaign_id, worker=worker, rate=rate, session=session)
            if result.stopped or result.unreachable:
                return False
            if not result.claimed:
                if Campaign.objects.filter(pk=campaign_id, populated=False, status=Campaign.Status.SENDING).exists():
                    time.sleep(0.2)  # the recipient list is still being written
                    continue
                return False
    return True
