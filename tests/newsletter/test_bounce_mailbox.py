"""The bounce mailbox against a real IMAP server (Dovecot on loopback): bounces and complaints
that arrive as e-mail are applied to the message they name, once, never on a forged address'
word, and the messages read leave the mailbox after MAIL_BOUNCE_KEEP_DAYS."""

import datetime

import pytest
from django.utils import timezone

from core import retention
from mail.models import BounceMail
from mail.selectors import address_suppressed
from mail.verp import verp_address
from newsletter import tasks
from newsletter.models import Bounce, Delivery
from tests.mail.bounce_samples import sample
from tests.mail.imap_server import imap_server  # noqa: F401 - the real IMAP server
from tests.newsletter.conftest import free_port
from tests.polling import wait_until

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(settings, imap_server):  # noqa: F811 - the fixture above
    settings.MAIL_BOUNCE_DOMAIN = "bounces.ilumen.be"
    settings.MAIL_BOUNCE_IMAP_URL = imap_server.url
    return imap_server



def _about(delivery: Delivery, name: str, *, verp: str | None = None) -> bytes:
    """A sample report about this delivery, delivered to its VERP address (or `verp`)."""
    return sample(name, verp=verp or verp_address(key=f"d{delivery.pk}"), message_id=delivery.message_id)


def test_a_hard_bounce_fails_the_message_suppresses_the_address_and_is_applied_once(mailbox, sent):
    ann, bob = sent["ann@example.com"], sent["bob@example.com"]
    mailbox.append(_about(ann, "gmail_dsn_hard"))
    mailbox.append(_about(bob, "microsoft_arf_complaint"))  # tied by the quoted Message-ID alone
    mailbox.append(_about(ann, "gmail_vacation"))
    mailbox.append(_about(ann, "person_reply"))

    tasks.bounce_mailbox_read()

    ann.refresh_from_db()
    assert (ann.status, ann.failure) == ("failed", "permanent")
    assert "5.1.1" in ann.last_error
    assert address_suppressed("ann@example.com")
    bob.refresh_from_db()
    assert bob.complained_at is not None and bob.status == "sent"
    assert address_suppressed("bob@example.com")
    assert sorted(Bounce.objects.values_list("delivery_id", "kind", "source")) == sorted(
        [(ann.pk, "hard", "mailbox"), (bob.pk, "complaint", "mailbox")])
    assert sorted(BounceMail.objects.values_list("uid", "kind", "applied")) == [
        (1, "hard", 1), (2, "complaint", 1), (3, "ignored", 0), (4, "unreadable", 0)]

    # The same mailbox read again (as an overlapping run would) applies nothing twice.
    tasks.bounce_mailbox_read()
    BounceMail.objects.all().delete()  # even with the record of reading gone, the event keys hold
    tasks.bounce_mailbox_read()
    assert Bounce.objects.count() == 2
    assert BounceMail.objects.filter(applied__gt=0).count() == 0
    assert mailbox.uids() == [1, 2, 3, 4]  # nothing deleted before its time


def test_a_forged_verp_address_suppresses_nobody(mailbox, sent):
    ann = sent["ann@example.com"]
    genuine = verp_address(key=f"d{ann.pk}")
    local, _at, domain = genuine.partition("@")
    forged = f"{local[:-13]}{'a' * 13}@{domain}"  # well formed, wrong signature
    # A bounce naming Ann's address, sent to the mailbox by someone who wants her off the list.
    mailbox.append(sample("gmail_dsn_hard", verp=forged))  # quoting no Message-ID
    mailbox.append(sample("exim_hard", verp=forged).replace(b"erin@example.org", b"ann@example.com"))

    tasks.bounce_mailbox_read()

    assert not address_suppressed("ann@example.com")
    ann.refresh_from_db()
    assert ann.status == "sent"
    assert not Bounce.objects.exists()
    assert sorted(BounceMail.objects.values_list("kind", "applied")) == [("hard", 0), ("hard", 0)]


def test_a_bounce_tied_by_the_quoted_message_id_alone_is_about_that_messages_reader(mailbox, sent):
    ann, bob = sent["ann@example.com"], sent["bob@example.com"]
    # Delivered to a plain address (no VERP), quoting Bob's message, naming Ann (forwarded, or forged).
    mailbox.append(sample("gmail_dsn_hard", verp="bounces@ilumen.be", message_id=bob.message_id))

    tasks.bounce_mailbox_read()

    assert not address_suppressed("ann@example.com")
    assert address_suppressed("bob@example.com")
    bob.refresh_from_db()
    assert (bob.status, bob.failure) == ("failed", "permanent")
    assert Delivery.objects.get(pk=ann.pk).status == "sent"


def test_messages_read_leave_the_mailbox_after_the_period_those_not_understood_stay(mailbox, sent, settings):
    settings.MAIL_BOUNCE_KEEP_DAYS = 30
    ann = sent["ann@example.com"]
    for name in ("gmail_dsn_hard", "person_reply", "postfix_delayed"):
        mailbox.append(_about(ann, name))
    tasks.bounce_mailbox_read()
    BounceMail.objects.filter(uid=3).update(read_at=timezone.now() - datetime.timedelta(days=20))
    BounceMail.objects.exclude(uid=3).update(read_at=timezone.now() - datetime.timedelta(days=31))
    rule = next(rule for rule in retention.rules() if rule.key == "bounce_mail")

    assert retention.rule_run(rule, dry_run=True) == {"bounce mailbox messages": 1}
    assert mailbox.uids() == [1, 2, 3]
    assert retention.rule_run(rule) == {"bounce mailbox messages": 1}

    assert mailbox.uids() == [2, 3]  # the hard bounce went; the unreadable one and the recent notice stay
    assert sorted(BounceMail.objects.values_list("uid", "kind")) == [(2, "unreadable"), (3, "ignored")]
    tasks.bounce_mailbox_read()  # nothing is read again
    assert Bounce.objects.count() == 1 and BounceMail.objects.count() == 2


def test_without_a_mailbox_configured_the_task_does_nothing(settings, sent):
    settings.MAIL_BOUNCE_IMAP_URL = ""
    tasks.bounce_mailbox_read()
    assert not BounceMail.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_beat_has_a_worker_read_the_mailbox(mailbox, sent, start_worker):
    ann = sent["ann@example.com"]
    mailbox.append(_about(ann, "postfix_dsn_soft"))
    start_worker(MAIL_BOUNCE_IMAP_URL=mailbox.url, MAIL_BOUNCE_DOMAIN="bounces.ilumen.be",
                 MAIL_BOUNCE_CHECK_SECONDS="1")

    wait_until(lambda: BounceMail.objects.filter(kind="soft", applied=1).exists(), timeout=60,
               what="the beat's worker to read the mailbox")
    ann.refresh_from_db()
    assert (ann.status, ann.failure) == ("failed", "temporary")
    assert not address_suppressed("ann@example.com")  # one soft bounce is under the limit


def test_a_mailbox_out_of_reach_stops_no_other_retention_rule(settings, sent):
    settings.MAIL_BOUNCE_IMAP_URL = f"imap://bounces:secret@127.0.0.1:{free_port()}/INBOX"  # nobody listens
    BounceMail.objects.create(mailbox="INBOX", uidvalidity=1, uid=1, kind="hard",
                              read_at=timezone.now() - datetime.timedelta(days=400))
    with pytest.raises(OSError):
        tasks.bounce_mailbox_read()  # the beat's next run tries again

    results = retention.retention_run_all(only=["bounce_mail", "contact_handled"])

    assert results["bounce_mail"] == {"bounce mailbox messages": 0}
    assert "contact_handled" in results  # a rule after it still ran
    assert BounceMail.objects.count() == 1  # kept until the message itself can be deleted
