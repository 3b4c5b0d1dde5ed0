"""The site's Celery app, plus a query counter for the newsletter benchmark (bench only).

Every SQL statement a worker process runs is counted and added to a Redis key when each task
ends, so the benchmark can print database queries per message without touching site code.
"""

import os
import threading

import redis
from celery.signals import task_postrun
from django.db.backends.signals import connection_created

from ilumen_site.celery import app

__all__ = ["app"]

_count = [0]
_lock = threading.Lock()


def _counter(execute, sql, params, many, context):
    with _lock:  # sender threads count into the same total
        _count[0] += 1
    return execute(sql, params, many, context)


def _install(sender, connection, **_kwargs) -> None:
    """Every Django connection the worker opens, in any of its sender threads, is counted."""
    if _counter not in connection.execute_wrappers:
        connection.execute_wrappers.append(_counter)


connection_created.connect(_install)


@task_postrun.connect
def _on_task_end(**_kwargs) -> None:
    if _count[0]:
        redis.Redis.from_url(os.environ["BENCH_COUNTER_URL"]).incrby("bench:queries", _count[0])
        _count[0] = 0
