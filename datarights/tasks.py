"""Thin Celery wrappers around datarights services (idempotent: rerunning deletes nothing twice)."""

import logging

from celery import shared_task

from core import retention

logger = logging.getLogger(__name__)


@shared_task(name="datarights.retention_run", ignore_result=True)
def retention_run() -> None:
    results = retention.retention_run_all()
    logger.info("Retention run: %s", {rule: counts for rule, counts in results.items() if any(counts.values())})


@shared_task(name="datarights.requests_digest", ignore_result=True)
def requests_digest() -> None:
    from datarights.services.reminders import requests_digest_send

    logger.info("Data-request digest: %d messages queued", requests_digest_send())
