"""The beat heartbeat that /healthz reads (core/health.py)."""

import time

from celery import shared_task
from django.core.cache import cache

from core.health import BEAT_HEARTBEAT_KEY


# Registered under its first module's name: beat schedules and queued messages name it so.
@shared_task(name="ilumen_site.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> None:
    cache.set(BEAT_HEARTBEAT_KEY, time.time(), timeout=None)
