"""/healthz for load balancers and monitoring: database, broker, and Celery beat.

Celery beat runs `core.tasks.beat_heartbeat` every minute; the health check reports beat as
stale when the last beat is older than HEALTH_BEAT_MAX_AGE seconds.
"""

import time

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

BEAT_HEARTBEAT_KEY = "health:beat:last"


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def _beat() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    last = cache.get(BEAT_HEARTBEAT_KEY)
    if last is None:
        return "never"
    return "ok" if time.time() - last <= settings.HEALTH_BEAT_MAX_AGE else "stale"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    for name, check in (("database", _database), ("broker", _broker), ("beat", _beat)):
        try:
            checks[name] = check()
        except Exception as error:  # any failure is a failed check, reported by name
            checks[name] = f"error: {type(error).__name__}"
    healthy = checks["database"] == "ok" and not checks["broker"].startswith("error")
    return JsonResponse({"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503)
