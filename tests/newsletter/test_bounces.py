"""Bounces and complaints applied in one place (newsletter.services.bounces), whatever their
source: once per event, tied to the message they name, hard and soft bounces and complaints each
with their effect; the SMTP refusal while sending is one of them; reports go after their period."""

import datetime

import pytest
from django.utils import timezone

from core import retention
from mail.selectors import address_suppressed
from newsletter.models import Bounce, Delivery
from newsletter.services.bounces import BounceNotice, bounce_record

from .factories import campaign_sending, campaign_with_content, confirmed_subscriber, send_all

pytestmark = pytest.mark.django_db



def _notice(**fields) -> BounceNotice:
    return BounceNotice(**{"email": "ann@example.com", "kind": "hard", "source": "mailbox", "event_key": "k1",
                           **fields})


def test_a_hard_bounce_fails_the_message_for_good_and_suppresses_the_address(sent):
    bounce = bounce_record(notice=_notice(delivery_id=sent["ann@example.com"].pk, status_code="5.1.1",
                                          reason="550 5.1.1 user unknown"))
    ann = Delivery.objects.get(pk=sent["ann@example.com"].pk)
    assert (ann.status, ann.failure) == ("failed", "permanent")
    assert ann.sent_at is not None  # it did leave; it came back
    assert bounce.delivery_id == ann.pk and bounce.subscriber_id == ann.subscriber_id
    assert (bounce.status_code, bounce.reason) == ("5.1.1", "550 5.1.1 user unknown")
    assert address_suppressed("ann@example.com")
    assert not address_suppressed("bob@example.com")
    assert Delivery.objects.get(pk=sent["bob@example.com"].pk).status == "sent"


def test_the_same_event_twice_is_applied_once(sent):
    notice = _notice(kind="soft", delivery_id=sent["ann@example.com"].pk)
    assert bounce_record(notice=notice) is not None
    assert bounce_record(notice=notice) is None
    assert Bounce.objects.count() == 1


def test_soft_bounces_suppress_only_when_they_reach_the_limit_within_the_period(sent, settings):
    settings.NEWSLETTER_SOFT_BOUNCE_LIMIT, settings.NEWSLETTER_SOFT_BOUNCE_DAYS = 3, 30
    now = timezone.now()
    long_ago = now - datetime.timedelta(days=31)
    bounce_record(notice=_notice(kind="soft", event_key="old", occurred_at=long_ago))
    bounce_record(notice=_notice(kind="soft", event_key="s1", delivery_id=sent["ann@example.com"].pk))
    ann = Delivery.objects.get(pk=sent["ann@example.com"].pk)
    assert (ann.status, ann.failure) == ("failed", "temporary")
    bounce_record(notice=_notice(kind="soft", event_key="s2"))
    assert not address_suppressed("ann@example.com")  # two in the period; the third is older
    bounce_record(notice=_notice(kind="soft", event_key="s3"))
    assert address_suppressed("ann@example.com")


def test_a_soft_bounce_never_turns_a_hard_bounce_back_into_a_temporary_failure(sent):
    delivery_id = sent["ann@example.com"].pk
    bounce_record(notice=_notice(delivery_id=delivery_id))
    bounce_record(notice=_notice(kind="soft", event_key="k2", delivery_id=delivery_id))
    assert Delivery.objects.get(pk=delivery_id).failure == "permanent"


def test_a_bounce_is_tied_by_the_message_id_it_quotes_and_never_by_the_address_alone(sent):
    bob = sent["bob@example.com"]
    bounce_record(notice=_notice(email="bob@example.com", message_id=bob.message_id))
    assert Delivery.objects.get(pk=bob.pk).status == "failed"
    # Without a reference a bounce may be about any message (a confirmation, a welcome): the address
    # is suppressed, no campaign message is marked.
    unreferenced = bounce_record(notice=_notice(event_key="k2"))
    assert unreferenced.delivery_id is None and unreferenced.subscriber.email == "ann@example.com"
    assert Delivery.objects.get(pk=sent["ann@example.com"].pk).status == "sent"
    assert address_suppressed("ann@example.com")


def test_a_message_id_of_another_address_ties_nothing(sent):
    bounce = bounce_record(notice=_notice(message_id=sent["bob@example.com"].message_id))
    assert bounce.delivery_id is None
    assert Delivery.objects.filter(status="sent").count() == 2


def test_a_complaint_marks_the_latest_message_and_suppresses(sent):
    bounce = bounce_record(notice=_notice(kind="complaint", source="webhook:postmark"))
    ann = Delivery.objects.get(pk=sent["ann@example.com"].pk)
    assert bounce.delivery_id == ann.pk and ann.complained_at is not None and ann.status == "sent"
    assert address_suppressed("ann@example.com")


def test_a_refusal_while_sending_is_recorded_as_a_hard_bounce(smtp_mail, topic):
    confirmed_subscriber("gone@example.com", topic)
    confirmed_subscriber("ann@example.com", topic)
    smtp_mail.permanent.add("gone@example.com")
    campaign = campaign_sending(campaign_with_content(topic))
    send_all(campaign)
    gone = Delivery.objects.get(subscriber__email="gone@example.com")
    assert (gone.status, gone.failure) == ("failed", "permanent")
    [bounce] = Bounce.objects.all()
    assert (bounce.source, bounce.kind, bounce.status_code, bounce.delivery_id) == ("smtp", "hard", "550", gone.pk)
    assert "No such user here" in bounce.reason
    assert address_suppressed("gone@example.com")


def test_reports_go_after_their_period_and_the_suppression_stays(sent, settings):
    settings.NEWSLETTER_BOUNCE_KEEP_DAYS = 30
    old = bounce_record(notice=_notice(occurred_at=timezone.now() - datetime.timedelta(days=31)))
    recent = bounce_record(notice=_notice(email="bob@example.com", event_key="k2"))
    [rule] = [r for r in retention.rules() if r.key == "newsletter_bounces"]
    assert retention.rule_run(rule, batch_size=1) == {"bounce reports": 1}
    assert list(Bounce.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not Bounce.objects.filter(pk=old.pk).exists()
    assert address_suppressed("ann@example.com")
