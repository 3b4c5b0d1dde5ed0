"""The one definition of deleting subscribers (erasure and the retention rules both use it):
everything that hangs on them goes, in an order the PROTECT on Subscription.proof allows, and
nobody else's rows."""

import pytest

from newsletter import personal_data
from newsletter.models import Bounce, ConsentProof, Delivery, Subscriber, Subscription, Topic
from newsletter.services.retention import subscribers_delete

from .factories import campaign_sending, campaign_with_content, confirmed_subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(topic):
    other_topic = Topic.objects.create(slug="events", name_nl="Evenementen", name_en="Events")
    ann = confirmed_subscriber("ann@example.com", topic, name="Ann")
    proof = ConsentProof.objects.create(
        subscriber=ann, language="en", consent_text="events too", consent_version="1", source="/t/",
        given_at=ann.created_at, confirmed_at=ann.created_at,
    )
    Subscription.objects.create(subscriber=ann, topic=other_topic, status="confirmed", proof=proof,
                                confirmed_at=ann.created_at)
    bob = confirmed_subscriber("bob@example.com", topic)
    campaign_sending(campaign_with_content(topic))  # a delivery for each
    for delivery in Delivery.objects.select_related("subscriber"):  # and a bounce report for each
        Bounce.objects.create(subscriber=delivery.subscriber, delivery=delivery, kind="soft", source="test",
                              event_key=f"test:{delivery.pk}")
    return ann, bob


def test_subscribers_go_with_everything_that_hangs_on_them_and_only_theirs(held):
    ann, bob = held
    assert subscribers_delete(ids=[ann.pk]) == {"bounces": 1, "deliveries": 1, "subscriptions": 2,
                                                "consent_proofs": 2, "subscriber": 1}
    assert not Subscriber.objects.filter(pk=ann.pk).exists()
    for model in (Bounce, Delivery, Subscription, ConsentProof):
        assert not model.objects.filter(subscriber_id=ann.pk).exists()
        assert model.objects.filter(subscriber=bob).count() == 1


def test_erasure_reports_the_same_counts(held):
    counts = personal_data.erase("Ann@Example.com")
    assert {key: counts[key] for key in ("bounces", "deliveries", "subscriptions", "consent_proofs", "subscriber")} == {
        "bounces": 1, "deliveries": 1, "subscriptions": 2, "consent_proofs": 2, "subscriber": 1,
    }
    assert Subscriber.objects.filter(email="bob@example.com").exists()
