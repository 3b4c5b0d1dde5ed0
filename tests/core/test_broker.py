"""The Celery broker transport: kombu's Redis transport, reusing one Redis client per channel."""

from kombu import Connection

from core.broker import Transport
from ilumen_site.celery import app
from tests.newsletter.conftest import broker_url


def test_a_redis_broker_url_uses_the_transport_that_reuses_its_client():
    with app.connection_for_write(broker_url()) as connection:
        assert isinstance(connection.transport, Transport)
        channel = connection.default_channel
        with channel.conn_or_acquire() as first, channel.conn_or_acquire() as second:
            assert first is second
        assert first.connection_pool is channel.pool


def test_messages_published_through_it_arrive_in_order_and_a_new_pool_gets_a_new_client():
    with Connection(broker_url()) as connection:
        queue = connection.SimpleQueue("test-broker-transport")
        queue.clear()
        for n in range(3):
            queue.put({"n": n})
        channel = queue.channel
        with channel.conn_or_acquire() as before:
            pass
        channel._pool = None  # as kombu leaves it after a fork (_disconnect_pools)
        queue.put({"n": 3})
        with channel.conn_or_acquire() as after:
            assert after is not before and after.connection_pool is channel.pool
        received = []
        for _ in range(4):
            message = queue.get(timeout=5)
            received.append(message.payload["n"])
            message.ack()
        queue.close()
    assert received == [0, 1, 2, 3]
