"""Handing work to Celery without ever depending on it.

Every call here is a hint: if the broker is down the database still holds the work, and the
beat tick (campaigns) or the outbox sweep (transactional mail) picks it up.
"""

import logging

from django.conf import settings

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args: object) -> bool:
    from newsletter import tasks  # tasks import services: import here, not at module level

    try:
        getattr(tasks, task_name).delay(*args)
    except Exception:
        logger.warning("could not enqueue %s%r; the periodic sweep will do it", task_name, args, exc_info=True)
        return False
    return True


def dispatch_senders(campaign_id: int, count: int | None = None) -> None:
    for _i in range(count or settings.NEWSLETTER_PARALLEL_BATCHES):
        if not enqueue("campaign_send", campaign_id):
            return
