"""A campaign's status: the one module that changes it.

    draft ──schedule──▶ scheduled ──start_sending──▶ sending ──finish──▶ sent
                          ▲  │                          │  ▲
                 schedule │  │ hold_overdue       pause │  │ resume_sending
                          │  ▼                          ▼  │
                         on_hold                       paused ──resume_schedule──▶ scheduled
    scheduled ──pause──▶ paused (before it started)
    every status before sent ──cancel──▶ cancelled
    sent ──reopen──▶ sending (a person retries deliveries that failed for now)

`TRANSITIONS` is the whole table. Each action is one conditional UPDATE whose WHERE names the
statuses it may leave, so two workers (or a worker and a person) racing on the same campaign
can never make a move the table forbids: the loser's UPDATE matches no row. Each returns
whether the move happened. Stored values are those of `Campaign.Status`.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from newsletter.models import Campaign, CampaignContent, Delivery
from newsletter.selectors import deliveries_retryable, deliveries_retryable_batches
from newsletter.services.archive import archive_pages_clear
from newsletter.signals import campaign_due, campaign_resumed

Status = Campaign.Status
_BEFORE_SENT = frozenset({Status.DRAFT, Status.SCHEDULED, Status.SENDING, Status.PAUSED, Status.ON_HOLD})


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str


TRANSITIONS: dict[str, Transition] = {
    "schedule": Transition(frozenset({Status.DRAFT, Status.SCHEDULED, Status.ON_HOLD}), Status.SCHEDULED),
    "start_sending": Transition(frozenset({Status.SCHEDULED}), Status.SENDING),
    "hold_overdue": Transition(frozenset({Status.SCHEDULED}), Status.ON_HOLD),
    "pause": Transition(frozenset({Status.SCHEDULED, Status.SENDING}), Status.PAUSED),
    "pause_automatically": Transition(frozenset({Status.SENDING}), Status.PAUSED),
    # Paused before it started: back to its schedule; paused while sending: sending again.
    "resume_schedule": Transition(frozenset({Status.PAUSED}), Status.SCHEDULED),
    "resume_sending": Transition(frozenset({Status.PAUSED}), Status.SENDING),
    "finish": Transition(frozenset({Status.SENDING}), Status.SENT),
    "cancel": Transition(_BEFORE_SENT, Status.CANCELLED),
    "reopen": Transition(frozenset({Status.SENT}), Status.SENDING),
}


def _move(campaign_id: int, action: str, condition: Q | None = None, **fields: object) -> bool:
    transition = TRANSITIONS[action]
    return bool(
        Campaign.objects.filter(condition or Q(), pk=campaign_id, status__in=transition.sources).update(
            status=transition.target, **fields
        )
    )


def campaign_schedule(*, campaign_id: int, at: datetime.datetime | None = None) -> bool:
    """A person sends a draft (or a campaign held back as overdue) at `at`, or now."""
    if not CampaignContent.objects.filter(campaign_id=campaign_id).exists():
        raise ValidationError(_("Write the subject and text in at least one language first."))
    now = timezone.now()
    when = at or now
    with transaction.atomic():
        moved = _move(campaign_id, "schedule", scheduled_at=when, status_note="")
        if moved and when <= now:
            campaign_due.send(sender=Campaign, campaign_id=campaign_id)
    return moved


def _overdue_before(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(seconds=settings.NEWSLETTER_OVERDUE_SECONDS)


def campaign_start_sending(*, campaign_id: int, now: datetime.datetime) -> bool:
    """A scheduled campaign that is due, and not so late that a person must decide, starts sending."""
    return _move(
        campaign_id, "start_sending", Q(scheduled_at__lte=now, scheduled_at__gte=_overdue_before(now)),
        started_at=Coalesce("started_at", now), status_note="",
    )


def campaign_hold_overdue(*, campaign_id: int, now: datetime.datetime) -> bool:
    """A scheduled campaign found long past its time (a restore from backup) waits for a person."""
    scheduled_at = Campaign.objects.filter(pk=campaign_id).values_list("scheduled_at", flat=True).first()
    if scheduled_at is None or scheduled_at >= _overdue_before(now):
        return False
    note = _("Found overdue (scheduled for %(when)s); not sent without a person.") % {
        "when": timezone.localtime(scheduled_at).strftime("%Y-%m-%d %H:%M")
    }
    # The note names the time read above: only hold the campaign if that is still its time.
    return _move(campaign_id, "hold_overdue", Q(scheduled_at=scheduled_at), status_note=note[:300])


def campaign_pause(*, campaign_id: int) -> bool:
    """A person pauses a scheduled or sending campaign."""
    return _move(campaign_id, "pause", status_note=_("Paused by a person."))


def campaign_pause_automatically(*, campaign_id: int, note: str) -> bool:
    """Sending stops itself for a person to look (too many failures or complaints, no content)."""
    return _move(campaign_id, "pause_automatically", status_note=note[:300])


def campaign_resume(*, campaign_id: int) -> bool:
    now = timezone.now()
    with transaction.atomic():
        if _move(
            campaign_id, "resume_schedule", Q(started_at__isnull=True),
            scheduled_at=Greatest(Coalesce("scheduled_at", now), now), status_note="",
        ):
            campaign_due.send(sender=Campaign, campaign_id=campaign_id)
            return True
        if _move(campaign_id, "resume_sending", Q(started_at__isnull=False), status_note=""):
            campaign_resumed.send(sender=Campaign, campaign_id=campaign_id)
            return True
    return False


def campaign_finish_if_done(*, campaign_id: int) -> bool:
    """Sending becomes sent once every recipient is listed and no delivery is open.

    The campaign row is locked before its deliveries are counted: `deliveries_retry` holds that
    lock while it queues failed rows again, and an UPDATE that only waited for the row would
    still count them from before the retry (its snapshot is older) and finish with rows queued."""
    open_rows = Delivery.objects.filter(
        campaign_id=OuterRef("pk"), status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
    )
    with transaction.atomic():
        if not Campaign.objects.select_for_update().filter(pk=campaign_id, status=Status.SENDING).exists():
            return False
        finished = _move(campaign_id, "finish", Q(populated=True) & ~Exists(open_rows), finished_at=timezone.now())
    if finished:
        _archive_changed(campaign_id)  # the archive's list shows it from now on
    return finished


def campaign_cancel(*, campaign_id: int) -> bool:
    """Cancel anything not yet finished; what was still waiting to be sent is skipped."""
    with transaction.atomic():
        if not _move(campaign_id, "cancel", finished_at=timezone.now()):
            return False
        Delivery.objects.filter(campaign_id=campaign_id, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.SKIPPED, last_error="campaign cancelled"
        )
        _archive_changed(campaign_id)  # a web version shown while it was sending is withdrawn
    return True


def _archive_changed(campaign_id: int) -> None:
    if Campaign.objects.filter(pk=campaign_id, archive_published=True).exists():
        archive_pages_clear()


# Statuses in which failed deliveries may be retried: while it sends, paused (they go when it
# resumes), and once sent (it sends again, then finishes again).
RETRY_STATUSES = frozenset({Status.SENDING, Status.PAUSED, Status.SENT})


def deliveries_retry(*, campaign_id: int) -> int:
    """A person retries a campaign's deliveries that failed for now (a 4xx answer until the tries
    ran out, or a soft bounce): those rows are queued again with fresh tries, and a sent campaign
    goes back to sending so the workers send them, then finishes again. Never a row that was sent,
    failed for good, drew a complaint, or whose address is now suppressed. Returns how many were
    queued; raises ValidationError when the campaign's status allows no retry."""
    with transaction.atomic():
        # Locked first, as campaign_finish_if_done does: a worker finishing the campaign meanwhile
        # either finished before (then it is reopened here) or counts the rows queued here.
        status = Campaign.objects.select_for_update().filter(pk=campaign_id).values_list("status", flat=True).first()
        if status not in RETRY_STATUSES:
            raise ValidationError(_("Only a sending, paused or sent campaign can retry failed deliveries."))
        failed = deliveries_retryable(campaign_id=campaign_id)
        queued = 0
        for ids in deliveries_retryable_batches(campaign_id=campaign_id):
            queued += failed.filter(pk__in=ids).update(
                status=Delivery.Status.PENDING, failure="", tries=0, next_attempt_at=timezone.now(),
                lease_expires_at=None, claimed_by="", sent_at=None, message_id="", last_error="",
            )
        if not queued:
            return 0
        if _move(campaign_id, "reopen", finished_at=None, status_note=""):
            _archive_changed(campaign_id)  # off the archive's list until it has finished again
        if status != Status.PAUSED:
            campaign_resumed.send(sender=Campaign, campaign_id=campaign_id)
    return queued
