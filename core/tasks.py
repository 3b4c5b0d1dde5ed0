"""The beat heartbeat that /healthz reads (core/health.py), and enqueueing that may fail."""

import logging
import time

from celery import shared_task
from django.core.cache import cache

from core.health import BEAT_HEARTBEAT_KEY

logger = logging.getLogger(__name__)


# Registered under its first module's name: beat schedules and queued messages name it so.
@shared_task(name="ilumen_site.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> None:
    cache.set(BEAT_HEARTBEAT_KEY, time.time(), timeout=None)


def enqueue(task, *args: object) -> bool:
    """Queue a task, as a hint only: with the broker down the database still holds the work, and
    a periodic sweep or tick picks it up. False when the broker could not be reached."""
    try:
        task.delay(*args)
    except Exception:
        logger.warning("could not enqueue %s%r; the periodic sweep will do it", task.name, args, exc_info=True)
        return False
    return True
