"""Celery tasks of the outbox: thin, idempotent triggers (the rows are the work).

Registered under their old names in the newsletter app (messages may sit in Redis during a
deploy; beat and CELERY_TASK_ROUTES name them too).
"""

import logging

from celery import shared_task
from django.db import transaction

from mail import services
from mail.signals import outbox_message_queued

logger = logging.getLogger(__name__)


@shared_task(name="newsletter.tasks.outbox_send", ignore_result=True)
def outbox_send(message_id: int) -> None:
    services.outbox_deliver(message_ids=[message_id])


@shared_task(name="newsletter.tasks.outbox_sweep", ignore_result=True)
def outbox_sweep() -> None:
    services.outbox_reap()
    while services.outbox_deliver():
        pass


def _send_later(message_id: int) -> None:
    try:
        outbox_send.delay(message_id)
    except Exception:  # the broker is down: the row waits for the sweep
        logger.warning("could not enqueue outbox message %s; the sweep will send it", message_id, exc_info=True)


def _on_queued(sender: object, *, message_id: int, **kwargs: object) -> None:
    transaction.on_commit(lambda: _send_later(message_id))


def connect() -> None:
    outbox_message_queued.connect(_on_queued, dispatch_uid="mail.tasks.outbox_send")
