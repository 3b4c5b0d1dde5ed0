"""Celery tasks: thin, idempotent triggers. What to send and to whom is in the database.

Any of these may run twice, late, or never (a lost message): claims with SKIP LOCKED make a
second run harmless, and the beat tick redoes whatever a lost one should have done. The
services announce work with newsletter.signals; `connect` (from NewsletterConfig.ready())
turns each announcement into a task once the transaction commits.
"""

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import retention
from core.tasks import enqueue
from mail.transport import Transport
from newsletter.models import Campaign
from newsletter.selectors import campaigns_due, campaigns_sending, welcomes_due
from newsletter.services import bounce_mailbox, campaign_status, campaigns, import_runs, sending, welcome
from newsletter.signals import campaign_due, campaign_resumed, subscriber_import_due, welcome_due

# Welcomes a sweep sends at most (the next sweep takes the rest).
WELCOMES_PER_SWEEP = 100


@shared_task(ignore_result=True)
def campaign_start(campaign_id: int) -> None:
    if campaigns.campaign_start(campaign_id=campaign_id) == Campaign.Status.SENDING:
        dispatch_senders(campaign_id)


@shared_task(ignore_result=True)
def campaign_send(campaign_id: int) -> None:
    """Send batches for a while, then hand over to a fresh task (so no task runs for hours)."""
    more = sending.campaign_work(
        campaign_id=campaign_id, worker=sending.worker_name(), seconds=settings.NEWSLETTER_TASK_SECONDS
    )
    if more:
        campaign_send.delay(campaign_id)


@shared_task(ignore_result=True)
def campaigns_tick() -> None:
    """Beat: reap dead workers' leases, start due campaigns, keep running ones moving."""
    sending.leases_reap()
    now = timezone.now()
    for campaign_id in campaigns_due(now=now).values_list("pk", flat=True):
        campaign_start.delay(campaign_id)
    for campaign in campaigns_sending(now=now):
        if not campaign.populated:
            campaign_start.delay(campaign.pk)  # its list was cut short by a crash: finish it
        elif campaign.due and not campaign.busy:
            # Nobody is working on it (a crash, or retries that came due): start again.
            dispatch_senders(campaign.pk)
        else:
            campaign_status.campaign_finish_if_done(campaign_id=campaign.pk)


@shared_task(ignore_result=True)
def welcome_send(welcome_id: int) -> None:
    welcome.welcome_send(welcome_id=welcome_id, worker=sending.worker_name())


@shared_task(ignore_result=True)
def welcomes_sweep() -> None:
    """Beat: return welcomes whose worker died, and send those a lost task left (or due retries)."""
    welcome.welcomes_reap()
    due = welcomes_due(now=timezone.now(), limit=WELCOMES_PER_SWEEP)
    if due:
        with Transport() as transport:
            for welcome_id in due:
                welcome.welcome_send(welcome_id=welcome_id, worker=sending.worker_name(), transport=transport)


@shared_task(ignore_result=True)
def subscriber_import_run(import_id: int) -> None:
    import_runs.subscriber_import_run(import_id=import_id)


@shared_task(ignore_result=True)
def subscriber_imports_sweep() -> None:
    """Beat: close imports whose worker died, and run uploads whose task was lost."""
    for import_id in import_runs.subscriber_imports_reap(now=timezone.now()):
        import_runs.subscriber_import_run(import_id=import_id)


@shared_task(ignore_result=True)
def bounce_mailbox_read() -> None:
    """Beat: apply the bounces and complaints new in the bounce mailbox (none when it is not set).
    Each message is recorded as read with what it applied, so runs that overlap apply it once."""
    bounce_mailbox.bounce_mailbox_process()


@shared_task(ignore_result=True)
def pending_purge() -> None:
    """No longer scheduled (the daily datarights.retention_run covers it); kept for messages
    queued before a deploy, and runs the same rules."""
    retention.retention_run_all(only=["newsletter_unconfirmed", "transactional_mail"])


def dispatch_senders(campaign_id: int, count: int | None = None) -> None:
    for _i in range(count or settings.NEWSLETTER_PARALLEL_BATCHES):
        if not enqueue(campaign_send, campaign_id):
            return


def _on_campaign_due(sender: object, *, campaign_id: int, **kwargs: object) -> None:
    transaction.on_commit(lambda: enqueue(campaign_start, campaign_id))


def _on_campaign_resumed(sender: object, *, campaign_id: int, **kwargs: object) -> None:
    transaction.on_commit(lambda: dispatch_senders(campaign_id))


def _on_welcome_due(sender: object, *, welcome_id: int, **kwargs: object) -> None:
    transaction.on_commit(lambda: enqueue(welcome_send, welcome_id))


def _on_subscriber_import_due(sender: object, *, import_id: int, **kwargs: object) -> None:
    transaction.on_commit(lambda: enqueue(subscriber_import_run, import_id))


def connect() -> None:
    subscriber_import_due.connect(_on_subscriber_import_due, dispatch_uid="newsletter.tasks.subscriber_import_run")
    welcome_due.connect(_on_welcome_due, dispatch_uid="newsletter.tasks.welcome_send")
    campaign_due.connect(_on_campaign_due, dispatch_uid="newsletter.tasks.campaign_start")
    campaign_resumed.connect(_on_campaign_resumed, dispatch_uid="newsletter.tasks.dispatch_senders")
