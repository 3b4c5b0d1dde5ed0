"""core.inserts.row_insert stores a row exactly as the ORM's create() would."""

import datetime
import uuid

import pytest
from django.db import IntegrityError

from consent.models import ConsentRecord, RegistryRevision
from core.inserts import row_insert

pytestmark = pytest.mark.django_db

STORED = ("consent_id", "created_at", "method", "granted", "refused", "registry_revision_id",
          "statement_version_id", "language", "gpc", "ip_prefix", "user_agent_hash")


def _revision_in_force() -> int:
    return RegistryRevision.objects.order_by("-number").values_list("id", flat=True).first()


def _fields(registry_revision_id: int, **overrides) -> dict:
    return {
        "method": "settings", "granted": ["necessary", "analytics"], "refused": ["social"],
        "registry_revision_id": registry_revision_id, "language": "en", "gpc": True,
        "ip_prefix": "2001:db8:1:2::", "user_agent_hash": "ab" * 32, **overrides,
    }


def test_a_row_inserted_reads_back_as_the_orms_twin():
    revision_id = _revision_in_force()
    when = datetime.datetime(2026, 11, 30, 9, 15, tzinfo=datetime.UTC)
    same = {"consent_id": uuid.uuid4(), "created_at": when}
    ours = row_insert(obj=ConsentRecord(**_fields(revision_id), **same))
    twin = ConsentRecord.objects.create(**_fields(revision_id), **same)
    assert ours.pk and ours.pk != twin.pk and not ours._state.adding
    stored = ConsentRecord.objects.values(*STORED)
    assert stored.get(pk=ours.pk) == stored.get(pk=twin.pk)
    assert stored.get(pk=ours.pk)["granted"] == ["necessary", "analytics"]


def test_defaults_are_filled_in_as_by_the_orm():
    revision_id = _revision_in_force()
    before = datetime.datetime.now(datetime.UTC)
    record = ConsentRecord.objects.get(pk=row_insert(obj=ConsentRecord(**_fields(revision_id))).pk)
    assert isinstance(record.consent_id, uuid.UUID) and record.created_at >= before


def test_the_databases_rules_hold_for_it():
    revision_id = _revision_in_force()
    with pytest.raises(IntegrityError):
        row_insert(obj=ConsentRecord(**_fields(revision_id, method="made-up")))


def test_many_rows_in_one_statement_and_a_conflict_left_out():
    """auto_now_add is filled in, and a row that would break a unique constraint is skipped
    while the row already there stays as it was."""
    from core.inserts import rows_insert
    from newsletter.models import Subscriber, Subscription, Topic

    ann = Subscriber.objects.create(email="ann@example.org", language="en")
    news, events = Topic.objects.create(slug="t-news"), Topic.objects.create(slug="t-events")
    kept = Subscription.objects.create(subscriber=ann, topic=news, status=Subscription.Status.UNSUBSCRIBED)
    keys = rows_insert(
        objs=[Subscription(subscriber=ann, topic=topic) for topic in (news, events)], ignore_conflicts=True,
    )
    assert len(keys) == 1
    added = Subscription.objects.get(pk=keys[0])
    assert (added.topic, added.status) == (events, Subscription.Status.PENDING) and added.created_at
    kept_now = Subscription.objects.get(pk=kept.pk)
    assert (kept_now.status, kept_now.created_at) == (Subscription.Status.UNSUBSCRIBED, kept.created_at)
    with pytest.raises(IntegrityError):
        rows_insert(objs=[Subscription(subscriber=ann, topic=news)])


def test_inserts_together_go_in_one_round_trip_and_give_each_its_keys(django_assert_num_queries):
    from core.inserts import Insert, rows_insert_together
    from newsletter.models import Subscriber, Subscription, Topic

    ann = Subscriber.objects.create(email="ann@example.org", language="en")
    news, events = Topic.objects.create(slug="t-news"), Topic.objects.create(slug="t-events")
    Subscription.objects.create(subscriber=ann, topic=news)
    bob, cy = Subscriber(email="bob@example.org", language="nl"), Subscriber(email="cy@example.org", language="en")
    with django_assert_num_queries(1):  # one execute: the statements travel together
        keys = rows_insert_together(inserts=[
            Insert([bob, cy]),
            Insert([], ignore_conflicts=True),
            Insert([Subscription(subscriber=ann, topic=topic) for topic in (news, events)], ignore_conflicts=True),
        ])
    assert keys[0] == [bob.pk, cy.pk] and not bob._state.adding
    assert keys[1] == []
    assert Subscription.objects.get(pk=keys[2][0]).topic == events and len(keys[2]) == 1
    assert list(Subscriber.objects.filter(pk__in=keys[0]).values_list("email", flat=True).order_by("email")) == [
        "bob@example.org", "cy@example.org",
    ]


def test_a_failing_insert_together_keeps_none_of_them():
    from django.db import transaction

    from core.inserts import Insert, rows_insert_together
    from newsletter.models import Subscriber, Subscription, Topic

    ann = Subscriber.objects.create(email="ann@example.org", language="en")
    news = Topic.objects.create(slug="t-news")
    Subscription.objects.create(subscriber=ann, topic=news)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert_together(inserts=[
            Insert([Subscriber(email="dan@example.org", language="en")]),
            Insert([Subscription(subscriber=ann, topic=news)]),  # already there, conflicts not ignored
        ])
    assert not Subscriber.objects.filter(email="dan@example.org").exists()
