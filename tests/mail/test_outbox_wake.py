"""A commit that queues transactional mail asks a worker to send it, once per worker pass: the
rows committed while a request to send waits share it, and every one of them is sent."""

import pytest
import redis
from django.core.cache import caches
from django.db import transaction
from django.test import override_settings

from mail.models import OutboxMessage
from mail.services import outbox_enqueue
from tests.polling import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

DEAD_REDIS = {"default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}


def _queue(n: int, first: int = 0) -> None:
    for i in range(first, first + n):
        with transaction.atomic():  # one commit each, as one form post each
            outbox_enqueue(template="newsletter/email/confirm", to_email=f"wake{i}@example.com", language="en",
                           context={"name": "", "confirm_url": "https://example.com/c/", "topics": [],
                                    "max_age_days": 7})


def _waiting_tasks(broker: str) -> int:
    return redis.Redis.from_url(broker).llen("transactional")


def test_commits_while_a_request_to_send_waits_share_it_and_all_are_sent(celery_broker, start_worker, smtp_server):
    _queue(3)
    assert _waiting_tasks(celery_broker) == 1, "one request to send serves the three rows"
    start_worker(beat=False)  # nothing but that request can send them
    smtp_server.wait_for(lambda: len(smtp_server.received) == 3, what="three messages")
    # The worker took the request: the next commit asks again at once, and is sent without beat.
    _queue(2, first=3)
    smtp_server.wait_for(lambda: len(smtp_server.received) == 5, what="two more messages")
    wait_until(
        lambda: set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}, timeout=10, what="all sent",
    )
    assert sorted(m.rcpt for m in smtp_server.received) == sorted(f"wake{i}@example.com" for i in range(5))


def test_with_the_cache_away_every_commit_asks_a_worker(celery_broker):
    with override_settings(CACHES=DEAD_REDIS):
        caches.close_all()
        _queue(2)
    caches.close_all()
    assert _waiting_tasks(celery_broker) == 2


def test_a_request_to_send_the_broker_refused_is_made_again_by_the_next_commit(celery_broker):
    from ilumen_site.celery import app
    from tests.newsletter.conftest import reset_celery_connections

    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    reset_celery_connections(app)
    _queue(1)
    app.conf.broker_url = celery_broker
    reset_celery_connections(app)
    _queue(1, first=1)
    assert _waiting_tasks(celery_broker) == 1
