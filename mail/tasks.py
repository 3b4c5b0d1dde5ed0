"""Celery tasks of the outbox: thin, idempotent triggers (the rows are the work).

Registered under their old names in the newsletter app (messages may sit in Redis during a
deploy; beat and CELERY_TASK_ROUTES name them too).
"""

from celery import shared_task
from django.db import transaction

from core.tasks import enqueue
from mail import services
from mail.signals import outbox_message_queued


@shared_task(name="newsletter.tasks.outbox_sweep", ignore_result=True)
def outbox_sweep() -> None:
    """Send every due row: on the beat's schedule, and when a commit queued one (`_on_queued`)."""
    services.outbox_wake_done()
    services.outbox_reap()
    while services.outbox_deliver():
        pass


def _wake() -> None:
    if services.outbox_wake_needed() and not enqueue(outbox_sweep):
        services.outbox_wake_done()  # nothing is waiting after all: the next commit asks again


def _on_queued(sender: object, *, message_id: int, **kwargs: object) -> None:
    transaction.on_commit(_wake)


def connect() -> None:
    outbox_message_queued.connect(_on_queued, dispatch_uid="mail.tasks.outbox_send")
