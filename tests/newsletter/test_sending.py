"""Sending in this process against an aiosmtpd server: messages, headers, DKIM, failures, leases."""

import datetime
import re

import dkim
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from datarights import services as datarights
from mail.hashing import address_hash
from mail.models import Suppression
from mail.selectors import address_suppressed
from mail.services import suppression_lift
from newsletter.models import Campaign, Delivery, Subscription
from newsletter.services import campaign_status, campaigns, sending
from newsletter.tokens import unsubscribe_token_read

from .factories import campaign_sending, campaign_with_content, confirmed_subscriber, confirmed_subscribers, send_all

pytestmark = pytest.mark.django_db


def test_each_subscriber_gets_one_personal_multipart_message_in_their_language(smtp_mail, topic, settings):
    settings.SITE_URL = "https://www.ilumen.be"
    ann = confirmed_subscriber("ann@example.com", topic, language="nl", name="Ann")
    confirmed_subscriber("bob@example.com", topic, language="en")
    campaign = campaign_sending(campaign_with_content(topic))
    send_all(campaign)

    [to_ann] = smtp_mail.to("ann@example.com")
    [to_bob] = smtp_mail.to("bob@example.com")
    message = to_ann.message
    assert message["Subject"] == "Lentenieuws"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Beste Ann," in text and "Beste Ann," in html
    assert "Onze nieuwe batterij" in text and "<strong>nieuwe</strong>" in html
    assert re.fullmatch(r"<c\d+\.d\d+\.[0-9a-f]{32}@ilumen\.be>", message["Message-ID"])
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(https://www\.ilumen\.be/nl/newsletter/unsubscribe/([^/]+)/)>",
                               message["List-Unsubscribe"])
    assert unsubscribe, message["List-Unsubscribe"]
    token = unsubscribe_token_read(unsubscribe.group(2))
    assert (token.subscriber_uuid, token.topic_ids) == (ann.uuid, (topic.pk,))
    # The visible links in both parts; links unchanged (no tracking), no images at all.
    assert unsubscribe.group(1) in text and unsubscribe.group(1) in html
    assert "/nl/newsletter/preferences/" in text and "/nl/newsletter/preferences/" in html
    assert 'href="https://www.ilumen.be/nl/batterij"' in html
    # No pixel: the one image is the layout's logo, from the site itself.
    assert re.findall(r'<img\b[^>]*\bsrc="([^"]*)"', html) == ["https://www.ilumen.be/static/img/email-logo.png"]
    assert to_bob.message["Subject"] == "Spring news"
    assert "Hello," in to_bob.message.get_body(("plain",)).get_content()

    campaign.refresh_from_db()
    assert campaign.status == "sent"
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert Delivery.objects.get(subscriber=ann).message_id == message["Message-ID"]


def test_one_smtp_connection_serves_many_messages(smtp_mail, topic, settings):
    """A batch goes out over one SMTP connection, not one per message (rules.md, "Known failures
    of other systems"). `batch_send` without a session opens its own, connecting at the first
    message: at most one connection per batch that sends anything."""
    settings.NEWSLETTER_BATCH_SIZE = 10
    settings.MAIL_SEND_RATE = 0
    confirmed_subscribers(30, topic)
    campaign = campaign_sending(campaign_with_content(topic))
    batches = [result for result in send_all(campaign) if result.claimed]

    assert [result.sent for result in batches] == [10, 10, 10]
    assert sorted(r.rcpt for r in smtp_mail.received) == sorted(f"reader{i}@example.com" for i in range(30))
    assert 1 <= smtp_mail.connections <= len(batches) < len(smtp_mail.received)
    assert Campaign.objects.get(pk=campaign.pk).status == "sent"


@pytest.mark.django_db(transaction=True)  # the sender threads' own connections must see the rows
def test_each_sender_keeps_one_smtp_connection_across_its_batches(smtp_mail, topic, settings):
    """How a worker sends (`campaign_work`): NEWSLETTER_SENDERS threads, each with one sending
    session for all of its batches. So at most one connection per sender, fewer than batches."""
    settings.NEWSLETTER_BATCH_SIZE = 10
    settings.NEWSLETTER_SENDERS = 2
    settings.MAIL_SEND_RATE = 0
    confirmed_subscribers(30, topic)
    campaign = campaign_sending(campaign_with_content(topic))

    assert sending.campaign_work(campaign_id=campaign.pk, worker="w1", seconds=60) is False

    assert sorted(r.rcpt for r in smtp_mail.received) == sorted(f"reader{i}@example.com" for i in range(30))
    assert 1 <= smtp_mail.connections <= settings.NEWSLETTER_SENDERS < 30 // settings.NEWSLETTER_BATCH_SIZE
    assert Campaign.objects.get(pk=campaign.pk).status == "sent"


def test_missing_language_falls_back_and_is_reported(smtp_mail, topic):
    confirmed_subscriber("ann@example.com", topic, language="nl")
    campaign = campaign_with_content(topic, languages=("en",))
    assert campaigns.missing_languages(campaign) == [("nl", 1)]
    send_all(campaign_sending(campaign))
    assert smtp_mail.to("ann@example.com")[0].message["Subject"] == "Spring news"


def test_dkim_signature_covers_from_subject_and_list_unsubscribe(smtp_mail, topic, settings, dkim_key):
    import base64
    import subprocess

    public = subprocess.run(
        ["openssl", "rsa", "-pubout", "-outform", "DER"], input=dkim_key.encode(), check=True, capture_output=True
    ).stdout
    settings.DKIM_PRIVATE_KEY = dkim_key
    settings.DKIM_SELECTOR = "mail2026"
    settings.DKIM_DOMAIN = "ilumen.be"
    confirmed_subscriber("ann@example.com", topic)
    send_all(campaign_sending(campaign_with_content(topic)))
    [received] = smtp_mail.to("ann@example.com")
    signature = received.message["DKIM-Signature"]
    tags = dict(part.strip().split("=", 1) for part in signature.replace("\r\n", "").split(";") if "=" in part)
    signed = {h.strip().lower() for h in tags["h"].split(":")}
    assert {"from", "subject", "list-unsubscribe", "list-unsubscribe-post"} <= signed
    assert tags["d"] == "ilumen.be" and tags["s"] == "mail2026"
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    assert dkim.verify(received.raw, dnsfunc=lambda name, timeout=5: record)
    assert not dkim.verify(received.raw.replace(b"Spring news", b"Spring newz", 1), dnsfunc=lambda n, timeout=5: record)


def test_temporary_failures_are_retried_with_backoff_then_fail(smtp_mail, topic, settings, time_machine):
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 60
    settings.NEWSLETTER_MAX_TRIES = 3
    confirmed_subscriber("slow@example.com", topic)
    confirmed_subscriber("never@example.com", topic)
    smtp_mail.temporary = {"slow@example.com": 1, "never@example.com": 99}
    campaign = campaign_sending(campaign_with_content(topic))
    time_machine.move_to(timezone.now(), tick=False)

    send_all(campaign)
    slow = Delivery.objects.get(subscriber__email="slow@example.com")
    assert (slow.status, slow.tries) == ("pending", 1)
    assert slow.next_attempt_at == timezone.now() + datetime.timedelta(seconds=60)
    assert "451" in slow.last_error
    assert send_all(campaign)[0].claimed == 0  # not due yet: nothing is sent early

    time_machine.shift(datetime.timedelta(seconds=61))
    send_all(campaign)
    slow.refresh_from_db()
    assert slow.status == "sent" and len(smtp_mail.to("slow@example.com")) == 1
    never = Delivery.objects.get(subscriber__email="never@example.com")
    assert (never.status, never.tries) == ("pending", 2)
    assert never.next_attempt_at == timezone.now() + datetime.timedelta(seconds=120)  # doubled

    time_machine.shift(datetime.timedelta(seconds=121))
    send_all(campaign)
    never.refresh_from_db()
    assert (never.status, never.tries) == ("failed", 3)
    assert not address_suppressed("never@example.com")  # temporary: not suppressed
    campaign.refresh_from_db()
    assert campaign.status == "sent"


def test_permanent_failure_fails_and_suppresses_then_skips(smtp_mail, topic):
    confirmed_subscriber("gone@example.com", topic)
    confirmed_subscriber("ok@example.com", topic)
    smtp_mail.permanent = {"gone@example.com"}
    send_all(campaign_sending(campaign_with_content(topic)))
    gone = Delivery.objects.get(subscriber__email="gone@example.com")
    assert gone.status == "failed" and "550" in gone.last_error
    assert smtp_mail.attempts["gone@example.com"] == 1
    assert Suppression.objects.get(address_hash=address_hash("gone@example.com")).reason == "bounce"

    second = campaign_sending(campaign_with_content(topic))
    send_all(second)
    assert Delivery.objects.get(campaign=second, subscriber__email="gone@example.com").status == "skipped"
    assert smtp_mail.attempts["gone@example.com"] == 1
    assert len(smtp_mail.to("ok@example.com")) == 2


def test_campaign_pauses_itself_when_too_many_fail(smtp_mail, topic, settings):
    settings.NEWSLETTER_FAILURE_MIN_SAMPLE = 10
    settings.NEWSLETTER_FAILURE_THRESHOLD = 0.2
    settings.NEWSLETTER_BATCH_SIZE = 20
    confirmed_subscribers(60, topic, domain="bad.example")
    smtp_mail.permanent = {f"reader{i}@bad.example" for i in range(0, 60, 2)}  # half of them
    campaign = campaign_sending(campaign_with_content(topic))
    send_all(campaign)
    campaign.refresh_from_db()
    assert campaign.status == "paused" and "failed" in campaign.status_note
    assert Delivery.objects.filter(campaign=campaign, status="pending").count() == 40  # the rest waits for a person


def test_unsubscribe_and_pause_take_effect_in_the_middle_of_a_batch(smtp_mail, topic, settings):
    settings.NEWSLETTER_BATCH_SIZE = 100
    confirmed_subscribers(30, topic)
    campaign = campaign_sending(campaign_with_content(topic))
    ids = sending.deliveries_claim(campaign_id=campaign.pk, worker="w1", limit=100)
    assert len(ids) == 30
    # Claimed, not yet sent: someone unsubscribes, and the check inside the batch sees it.
    Subscription.objects.filter(subscriber__email="reader29@example.com").update(status="unsubscribed")
    Delivery.objects.filter(pk__in=ids).update(status="pending", claimed_by="", lease_expires_at=None, tries=0)
    original = sending.CHECK_EVERY_MESSAGES
    sending.CHECK_EVERY_MESSAGES = 5
    try:
        sent_before_pause = []

        def pause_after_ten():
            if len(smtp_mail.received) >= 10 and not sent_before_pause:
                sent_before_pause.append(len(smtp_mail.received))
                Campaign.objects.filter(pk=campaign.pk).update(status="paused")
            return True

        class Watching(sending.SendRate):
            def wait(self) -> None:
                pause_after_ten()

        Subscription.objects.filter(subscriber__email="reader29@example.com").update(status="unsubscribed")
        sending.batch_send(campaign_id=campaign.pk, worker="w1", rate=Watching(per_second=0))
    finally:
        sending.CHECK_EVERY_MESSAGES = original
    sent = Delivery.objects.filter(campaign=campaign, status="sent").count()
    assert 10 <= sent <= 15  # paused within one check interval
    assert Delivery.objects.filter(campaign=campaign, status="sending").count() == 0
    assert Delivery.objects.get(subscriber__email="reader29@example.com").status == "skipped"
    pending = Delivery.objects.filter(campaign=campaign, status="pending")
    assert pending.count() == 30 - sent - 1 and set(pending.values_list("tries", flat=True)) == {0}

    # Resuming sends the rest, and nothing twice.
    campaign_status.campaign_resume(campaign_id=campaign.pk)
    send_all(campaign)
    assert len(smtp_mail.received) == 29
    assert len({r.rcpt for r in smtp_mail.received}) == 29
    campaign.refresh_from_db()
    assert campaign.status == "sent"


def test_reaper_returns_expired_leases_only(topic, time_machine):
    confirmed_subscribers(4, topic)
    campaign = campaign_sending(campaign_with_content(topic))
    ids = sending.deliveries_claim(campaign_id=campaign.pk, worker="dead", limit=2)
    assert sending.leases_reap() == 0
    time_machine.move_to(timezone.now() + datetime.timedelta(seconds=campaign_lease() + 1))
    others = sending.deliveries_claim(campaign_id=campaign.pk, worker="alive", limit=2)
    assert sending.leases_reap() == 2
    assert set(Delivery.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"pending"}
    assert set(Delivery.objects.filter(pk__in=others).values_list("status", flat=True)) == {"sending"}


def test_a_batch_that_outlasts_its_lease_renews_it_and_keeps_its_rows(smtp_mail, topic, settings, monkeypatch,
                                                                      time_machine):
    """While the beat reaps expired leases, a batch that takes longer than its lease keeps its rows:
    reaped, they would go to another worker and be sent twice."""
    settings.NEWSLETTER_LEASE_SECONDS = 3
    confirmed_subscribers(6, topic)
    campaign = campaign_sending(campaign_with_content(topic))
    monkeypatch.setattr(sending, "CHECK_EVERY_MESSAGES", 1)
    time_machine.move_to(timezone.now())
    reaped = []

    class SlowWithTheBeatRunning(sending.SendRate):
        def wait(self) -> None:  # each message takes more than half the lease
            time_machine.shift(datetime.timedelta(seconds=1.6))
            reaped.append(sending.leases_reap())

    result = sending.batch_send(campaign_id=campaign.pk, worker="w1", rate=SlowWithTheBeatRunning(per_second=0))

    assert reaped == [0] * 6
    assert (result.claimed, result.sent) == (6, 6)
    assert set(Delivery.objects.filter(campaign=campaign).values_list("status", flat=True)) == {"sent"}
    assert sorted(r.rcpt for r in smtp_mail.received) == sorted(f"reader{i}@example.com" for i in range(6))


def test_a_batch_shorter_than_a_third_of_its_lease_leaves_the_claims_lease(smtp_mail, topic, settings, monkeypatch):
    """The checks inside a batch renew nothing until a third of the lease has passed: the only
    write of the rows' lease is the claim's (a renewal updates every row still waiting)."""
    settings.NEWSLETTER_LEASE_SECONDS = 120
    confirmed_subscribers(10, topic)
    campaign = campaign_sending(campaign_with_content(topic))
    monkeypatch.setattr(sending, "CHECK_EVERY_MESSAGES", 2)

    class UnsubscribeAfterThree(sending.SendRate):
        def wait(self) -> None:
            if len(smtp_mail.received) == 3:
                Subscription.objects.filter(subscriber__email="reader8@example.com").update(status="unsubscribed")

    with CaptureQueriesContext(connection) as queries:
        result = sending.batch_send(campaign_id=campaign.pk, worker="w1", rate=UnsubscribeAfterThree(per_second=0))

    assert (result.sent, result.skipped) == (9, 1)  # the checks ran, and saw the unsubscribe
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "newsletter_delivery"')]
    leases = [q for q in updates if re.search(r'"lease_expires_at" = [^N]', q)]  # not the NULLs of sent or skipped rows
    assert len(leases) == 1 and '"claimed_by" = ' in leases[0], leases  # the claim's


def test_a_campaign_whose_workers_keep_dying_pauses_instead_of_ending_as_sent(topic, settings, time_machine):
    settings.NEWSLETTER_FAILURE_MIN_SAMPLE = 10
    settings.NEWSLETTER_FAILURE_THRESHOLD = 0.2
    confirmed_subscribers(12, topic)
    campaign = campaign_sending(campaign_with_content(topic))
    for _ in range(settings.NEWSLETTER_MAX_TRIES):  # every claim's worker dies before it sends
        assert len(sending.deliveries_claim(campaign_id=campaign.pk, worker="doomed", limit=100)) == 12
        time_machine.move_to(timezone.now() + datetime.timedelta(seconds=campaign_lease() + 1))
        sending.leases_reap()
    assert set(Delivery.objects.filter(campaign=campaign).values_list("status", flat=True)) == {"failed"}
    assert not campaign_status.campaign_finish_if_done(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    assert campaign.status == "paused" and "12 deliveries failed" in campaign.status_note


def campaign_lease() -> int:
    from django.conf import settings

    return settings.NEWSLETTER_LEASE_SECONDS


def test_claims_never_overlap(topic):
    confirmed_subscribers(10, topic)
    campaign = campaign_sending(campaign_with_content(topic))
    first = sending.deliveries_claim(campaign_id=campaign.pk, worker="a", limit=6)
    second = sending.deliveries_claim(campaign_id=campaign.pk, worker="b", limit=6)
    assert len(first) == 6 and len(second) == 4 and not set(first) & set(second)


def test_population_is_idempotent_and_unique(topic):
    confirmed_subscribers(5, topic)
    campaign = campaign_with_content(topic)
    sending.campaign_populate(campaign.pk)
    first = set(Delivery.objects.filter(campaign=campaign).values_list("pk", "subscriber_id"))
    sending.campaign_populate(campaign.pk)  # a rerun after a crash adds nothing
    assert set(Delivery.objects.filter(campaign=campaign).values_list("pk", "subscriber_id")) == first
    assert len(first) == 5


def test_overdue_scheduled_campaign_waits_for_a_person(topic, settings, time_machine):
    settings.NEWSLETTER_OVERDUE_SECONDS = 3600
    confirmed_subscriber("ann@example.com", topic)
    campaign = campaign_with_content(topic)
    at = timezone.now() + datetime.timedelta(hours=1)
    campaign_status.campaign_schedule(campaign_id=campaign.pk, at=at)
    assert campaigns.campaign_start(campaign_id=campaign.pk) == "scheduled"  # not yet due
    time_machine.move_to(at + datetime.timedelta(hours=2))  # e.g. restored from a backup
    assert campaigns.campaign_start(campaign_id=campaign.pk) == "on_hold"
    assert not Delivery.objects.exists()
    campaign_status.campaign_schedule(campaign_id=campaign.pk)  # a person says: send now
    assert campaigns.campaign_start(campaign_id=campaign.pk) == "sending"
    assert Delivery.objects.count() == 1


def test_cancel_skips_what_was_not_sent(topic):
    confirmed_subscribers(3, topic)
    campaign = campaign_sending(campaign_with_content(topic))
    campaign_status.campaign_cancel(campaign_id=campaign.pk)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"skipped"}
    assert sending.batch_send(campaign_id=campaign.pk, worker="w").stopped


def test_an_erased_address_that_came_back_is_skipped_unless_it_opted_in_again(smtp_mail, topic, time_machine):
    """Erasure keeps only the address' hash on mail's suppression list. A restore from backup
    can bring the subscriber back before reapply_erasures runs: the hash holds them back at
    send time, for the whole batch in one query. A confirmed opt-in made after the erasure
    lifts it."""
    start = timezone.now() - datetime.timedelta(days=30)
    time_machine.move_to(start, tick=False)
    for address in ("zoe@example.com", "back@example.com", "ok@example.com"):
        confirmed_subscriber(address, topic)
    time_machine.move_to(start + datetime.timedelta(days=10), tick=False)
    datarights.erase_everything("Zoe@Example.com")
    datarights.erase_everything("back@example.com")
    time_machine.move_to(start, tick=False)
    confirmed_subscriber("zoe@example.com", topic)  # the restored backup's copy of her profile
    time_machine.move_to(start + datetime.timedelta(days=20), tick=False)
    confirmed_subscriber("back@example.com", topic)  # subscribed and confirmed again:
    suppression_lift(email="back@example.com")  # what the confirmation does (services.subscriptions)
    time_machine.move_to(start + datetime.timedelta(days=30), tick=False)

    campaign = campaign_sending(campaign_with_content(topic))
    with CaptureQueriesContext(connection) as queries:
        send_all(campaign)

    zoe = Delivery.objects.get(campaign=campaign, subscriber__email="zoe@example.com")
    assert zoe.status == "skipped" and "suppression list" in zoe.last_error
    assert "zoe@example.com" not in smtp_mail.attempts
    assert len(smtp_mail.to("back@example.com")) == 1 and len(smtp_mail.to("ok@example.com")) == 1
    assert Campaign.objects.get(pk=campaign.pk).status == "sent"
    sql = [query["sql"] for query in queries.captured_queries]
    assert sum("datarights_suppressedaddress" in q for q in sql) == 1  # mail.Suppression's table


def test_an_address_erased_in_the_middle_of_a_batch_gets_nothing(smtp_mail, topic, monkeypatch):
    confirmed_subscribers(20, topic)
    campaign = campaign_sending(campaign_with_content(topic))
    monkeypatch.setattr(sending, "CHECK_EVERY_MESSAGES", 2)

    erased = []

    class EraseAfterFive(sending.SendRate):
        def wait(self) -> None:
            if len(smtp_mail.received) == 5 and not erased:
                erased.append(datarights.erase_everything("reader15@example.com"))

    result = sending.batch_send(campaign_id=campaign.pk, worker="w1", rate=EraseAfterFive(per_second=0))

    assert (result.claimed, result.sent) == (20, 19)
    assert "reader15@example.com" not in smtp_mail.attempts
    assert not Delivery.objects.filter(campaign=campaign, subscriber__email="reader15@example.com").exists()
    assert set(Delivery.objects.filter(campaign=campaign).values_list("status", flat=True)) == {"sent"}
