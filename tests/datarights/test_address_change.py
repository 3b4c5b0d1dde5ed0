"""Self-service address change on the my-data pages (issue 15, point 7): a link to the NEW address
only, nothing changes before it is opened, the OLD address is told, a subscriber of the new address
is merged (topics joined, every proof kept), a suppressed new address is refused, and expired,
forged and other-purpose links are refused."""

import datetime
import re

import pytest
import time_machine
from django.core import mail, signing
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from datarights import tokens
from datarights.models import AccessLink, DataRequest
from mail.services import suppression_add
from newsletter.models import ConsentProof, Subscriber, Subscription, Topic
from tests.newsletter.factories import confirmed_subscriber

from .conftest import delivered, link_in

pytestmark = pytest.mark.django_db

OLD, NEW = "ann.old@example.org", "ann.new@example.org"


def _session(client, email: str = OLD, language: str = "en") -> None:
    client.post(f"/{language}/privacy/my-data/", {"email": email}, REMOTE_ADDR="203.0.113.9")
    message = [m for m in delivered() if m.to == [email] and "/my-data/open/" in m.body][-1]
    assert client.post(link_in(message, "/my-data/open/")).status_code == 302
    mail.outbox.clear()


def _ask(client, new: str = NEW, language: str = "en", ip: str = "203.0.113.9"):
    return client.post(f"/{language}/privacy/my-data/address/", {"email": new}, REMOTE_ADDR=ip)


def _confirm_path(new: str = NEW) -> str:
    """The link mailed to the new address (the mailbox is emptied afterwards)."""
    [message] = [m for m in delivered() if m.to == [new]]
    mail.outbox.clear()
    return link_in(message, "/my-data/address/confirm/")


@pytest.fixture
def ann(db):
    return confirmed_subscriber(OLD, Topic.objects.get(slug="newsletter"), language="en", name="Ann")


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_change_takes_effect_only_when_the_new_address_confirms_and_the_old_one_is_told(client, ann, language):
    _session(client, language=language)
    overview = client.get(f"/{language}/privacy/my-data/view/").content.decode()
    assert f'href="/{language}/privacy/my-data/address/"' in overview
    answer = _ask(client, language=language)
    assert answer.status_code == 200 and NEW in answer.content.decode()
    messages = delivered()
    assert [m.to for m in messages] == [[NEW]]  # the link goes to the new address only
    assert ("e-mailadres" in messages[0].subject) == (language == "nl")
    path = _confirm_path()
    assert Subscriber.objects.get().email == OLD  # nothing changed yet
    mail.outbox.clear()

    page = client.get(path)  # a mail scanner: nothing happens
    assert page.status_code == 200 and b'method="post"' in page.content
    assert Subscriber.objects.get().email == OLD

    done = client.post(path)
    assert done.status_code == 200
    subscriber = Subscriber.objects.get()
    assert subscriber.pk == ann.pk and subscriber.email == NEW and subscriber.proofs.count() == 1
    [told] = delivered()
    assert told.to == [OLD] and ("gewijzigd" in told.subject) == (language == "nl")
    assert f"/{language}/contact/" in told.body  # what to do if it was not them
    assert "/my-data/" not in told.body and "/address/" not in told.body  # no link that undoes anything
    # recorded as a self-service correction, field names only
    event = DataRequest.objects.get(kind="correction").events.get(action="corrected")
    assert event.detail == {"fields": ["email"]}
    # a second press changes nothing more and tells nobody again
    mail.outbox.clear()
    assert client.post(path).status_code == 200
    assert delivered() == []


def test_a_subscriber_of_the_new_address_is_merged_keeping_every_proof_and_joining_topics(client, ann):
    news, events = Topic.objects.get(slug="newsletter"), Topic.objects.create(
        slug="events", name_nl="Evenementen", name_en="Events")
    other = confirmed_subscriber(NEW, events, language="nl", name="")
    proofs = set(ConsentProof.objects.values_list("pk", flat=True))
    _session(client)
    _ask(client)
    client.post(_confirm_path())

    [merged] = Subscriber.objects.all()
    assert merged.pk == other.pk and merged.email == NEW and merged.name == "Ann"  # an empty name takes the old one
    assert set(merged.proofs.values_list("pk", flat=True)) == proofs
    confirmed = Subscription.objects.filter(subscriber=merged, status="confirmed")
    assert set(confirmed.values_list("topic__slug", flat=True)) == {news.slug, events.slug}
    # the trigger's permission to move proofs ended with the move
    third = Subscriber.objects.create(email="third@example.org", language="en")
    refused = pytest.raises(DatabaseError, match="consent proofs cannot be changed")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE newsletter_consentproof SET subscriber_id = %s WHERE subscriber_id = %s",
                       [third.pk, merged.pk])


def test_a_confirmed_topic_wins_over_one_left_on_the_other_address(client, ann):
    news = Topic.objects.get(slug="newsletter")
    other = confirmed_subscriber(NEW, news)
    Subscription.objects.filter(subscriber=other).update(status="unsubscribed", unsubscribed_at=timezone.now())
    _session(client)
    _ask(client)
    client.post(_confirm_path())
    assert Subscription.objects.get(subscriber__email=NEW, topic=news).status == "confirmed"


def test_a_suppressed_new_address_is_refused_once_its_holder_opens_the_link(client, ann):
    suppression_add(email=NEW, reason="complaint", source="test")
    _session(client)
    answer = _ask(client)  # the same answer as for any address: nothing told before the link is opened
    assert answer.status_code == 200 and "We sent a link" in answer.content.decode()
    refused = client.post(_confirm_path())
    assert refused.status_code == 409 and "no longer write to" in refused.content.decode()
    assert Subscriber.objects.get().email == OLD and delivered() == []


def test_the_visitor_s_language_is_used_for_the_refusal(client, ann):
    suppression_add(email=NEW, reason="bounce", source="test")
    _session(client, language="nl")
    _ask(client, language="nl")
    refused = client.post(_confirm_path())
    assert refused.status_code == 409 and "niet meer naar schrijven" in refused.content.decode()


def test_expired_forged_and_other_purpose_links_are_refused(client, ann, settings):
    _session(client)
    _ask(client)
    path = _confirm_path()
    token = re.search(r"/confirm/([^/]+)/", path).group(1)
    later = timezone.now() + datetime.timedelta(hours=settings.DATARIGHTS_ADDRESS_CHANGE_MAX_AGE_HOURS + 1)
    with time_machine.travel(later):
        assert client.post(path).status_code == 410
    assert client.post(path.replace(token, token[:-2] + "xx")).status_code == 400
    link = AccessLink.objects.get()
    for other in (
        tokens.link_token(link.pk),  # a my-data link
        signing.TimestampSigner(salt=tokens.EXPORT_SALT).sign_object(
            {"link": link.pk.hex, "new": NEW, "language": "en"}
        ),  # the right content under another purpose's salt
    ):
        assert client.post(path.replace(token, other)).status_code == 400
    assert Subscriber.objects.get().email == OLD


def test_the_request_needs_a_session_a_new_address_and_stays_within_the_limits(client, ann, settings):
    assert _ask(client).status_code == 403  # no my-data session
    _session(client)
    assert _ask(client, new=OLD).status_code == 400
    assert _ask(client, new="not an address").status_code == 400
    settings.DATARIGHTS_LINKS_PER_ADDRESS = 1
    _ask(client)
    _ask(client)  # over the address' limit: the same answer, no second mail
    assert [m.to for m in delivered()] == [[NEW]]
    settings.DATARIGHTS_LINKS_PER_IP = 2
    assert _ask(client, new="third@example.org").status_code == 429
