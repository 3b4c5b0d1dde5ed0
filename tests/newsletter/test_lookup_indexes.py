"""Look-ups by address read an index, not the whole list of subscribers (bounces, provider events,
exports, erasure and imports all find a person by the stored address)."""

import pytest
from django.db import connection

from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        # With a few rows a scan is cheaper and PostgreSQL would choose it; forbidding it shows
        # whether an index could serve the query at all.
        cursor.execute("SET LOCAL enable_seqscan = off")  # until the test's transaction ends
    return queryset.explain()


@pytest.mark.parametrize("queryset", [
    lambda: Subscriber.objects.filter(email="ann@example.org"),
    lambda: Subscriber.objects.filter(email__in=["ann@example.org", "bob@example.org"]),
])
def test_an_address_look_up_reads_an_index(queryset):
    Subscriber.objects.create(email="ann@example.org", language="nl")
    plan = _plan(queryset())
    assert "newsletter_subscriber_email" in plan and "Seq Scan" not in plan, plan
