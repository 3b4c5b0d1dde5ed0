"""Retry failed deliveries (issue 14, point 6): only rows that failed with a temporary answer go
again, with fresh tries; never a row sent, failed for good, complained about or now suppressed; a
finished campaign goes back to sending and finishes again. Through a real worker and aiosmtpd:
only the person who got a 451 receives the message on retry, and nobody receives it twice."""

import threading

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from mail.services import suppression_add
from newsletter.models import Campaign, Delivery
from newsletter.services import campaign_status
from tests.polling import wait_until

from .factories import campaign_sending, campaign_with_content, confirmed_subscriber, send_all


def _url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"admin:newsletter_campaign_{name}", args=args)


def _marketer() -> User:
    user = User.objects.create_user("marketer", "marketer@ilumen.be", "a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Marketing"))
    return user


@pytest.fixture
def finished(db, topic) -> Campaign:
    """A sent campaign: Ann failed for now (451s), Bob for good, Cas got it, Dan failed for now but
    is suppressed since, Eve soft-bounced after it was sent and then complained, Fay was skipped."""
    for name in ("ann", "bob", "cas", "dan", "eve", "fay"):
        confirmed_subscriber(f"{name}@example.com", topic)
    campaign = campaign_sending(campaign_with_content(topic))
    now = timezone.now()
    rows = Delivery.objects.filter(campaign=campaign)
    temporary = {"status": "failed", "failure": "temporary", "tries": 6, "last_error": "451 4.3.0 Try again later"}
    rows.filter(subscriber__email__in=["ann@example.com", "dan@example.com"]).update(**temporary)
    rows.filter(subscriber__email="bob@example.com").update(status="failed", failure="permanent", tries=1)
    rows.filter(subscriber__email="cas@example.com").update(status="sent", sent_at=now, tries=1)
    rows.filter(subscriber__email="eve@example.com").update(**temporary, sent_at=now, complained_at=now)
    rows.filter(subscriber__email="fay@example.com").update(status="skipped")
    suppression_add(email="dan@example.com", reason="bounce", source="test")
    Campaign.objects.filter(pk=campaign.pk).update(status="sent", finished_at=now)
    return campaign


def _rows(campaign: Campaign) -> dict[str, tuple]:
    return {email[:3]: (status, failure, tries) for email, status, failure, tries in Delivery.objects.filter(
        campaign=campaign).values_list("subscriber__email", "status", "failure", "tries")}


def test_only_temporary_failures_go_again_and_the_campaign_sends_then_finishes_again(finished, smtp_mail):
    before = _rows(finished)
    assert campaign_status.deliveries_retry(campaign_id=finished.pk) == 1
    after = _rows(finished)
    assert after.pop("ann") == ("pending", "", 0)
    before.pop("ann")
    assert after == before  # Bob, Cas, Dan, Eve and Fay untouched
    campaign = Campaign.objects.get(pk=finished.pk)
    assert (campaign.status, campaign.finished_at) == ("sending", None)
    send_all(campaign)
    assert [r.rcpt for r in smtp_mail.received] == ["ann@example.com"]
    campaign.refresh_from_db()
    assert campaign.status == "sent" and campaign.finished_at is not None
    assert _rows(campaign)["ann"] == ("sent", "", 1)
    assert campaign_status.deliveries_retry(campaign_id=finished.pk) == 0  # nothing left to retry
    assert Campaign.objects.get(pk=finished.pk).status == "sent"


def test_a_paused_campaign_keeps_its_pause_and_sends_them_when_resumed(finished):
    Campaign.objects.filter(pk=finished.pk).update(status="paused", finished_at=None)
    assert campaign_status.deliveries_retry(campaign_id=finished.pk) == 1
    assert Campaign.objects.get(pk=finished.pk).status == "paused"
    assert _rows(finished)["ann"] == ("pending", "", 0)


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_no_retry_for_a_campaign_that_is_not_sending_paused_or_sent(finished, status):
    Campaign.objects.filter(pk=finished.pk).update(status=status)
    with pytest.raises(ValidationError):
        campaign_status.deliveries_retry(campaign_id=finished.pk)
    assert _rows(finished)["ann"] == ("failed", "temporary", 6)


def test_the_button_on_the_campaign_page(client, finished, smtp_mail, django_capture_on_commit_callbacks):
    client.force_login(_marketer())
    page = client.get(_url("change", finished.pk)).content.decode()
    assert "Retry failed deliveries (1 failed for now)" in page  # Ann: Dan is suppressed, Eve complained
    assert client.get(_url("retry", finished.pk)).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):  # no broker: the task runs here after the commit
        done = client.post(_url("retry", finished.pk), follow=True).content.decode()
    assert "1 failed delivery was queued again." in done
    assert [r.rcpt for r in smtp_mail.received] == ["ann@example.com"]
    assert Campaign.objects.get(pk=finished.pk).status == "sent"
    assert _url("retry", finished.pk) not in client.get(_url("change", finished.pk)).content.decode()


def test_retrying_needs_the_send_permission(client, finished):
    user = User.objects.create_user("viewer", "v@ilumen.be", "a-long-test-password", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_campaign"))
    client.force_login(user)
    assert _url("retry", finished.pk) not in client.get(_url("change", finished.pk)).content.decode()
    assert client.post(_url("retry", finished.pk)).status_code == 403
    assert _rows(finished)["ann"] == ("failed", "temporary", 6)


@pytest.mark.django_db(transaction=True)
def test_through_a_real_worker_only_the_temporarily_failed_person_gets_it_again_and_nobody_twice(
    client, smtp_server, start_worker, topic
):
    for name in ("ann", "bob", "cas"):
        confirmed_subscriber(f"{name}@example.com", topic)
    smtp_server.temporary["ann@example.com"] = 99  # 451 until the retry
    smtp_server.permanent.add("bob@example.com")
    start_worker(NEWSLETTER_MAX_TRIES="2")
    campaign = campaign_with_content(topic)
    campaign_status.campaign_schedule(campaign_id=campaign.pk)

    def state() -> str:
        return f"{Campaign.objects.get(pk=campaign.pk).status} {_rows(campaign)}"

    wait_until(lambda: Campaign.objects.get(pk=campaign.pk).status == "sent", timeout=60, what=state)
    assert _rows(campaign) == {"ann": ("failed", "temporary", 2), "bob": ("failed", "permanent", 1),
                               "cas": ("sent", "", 1)}
    assert [r.rcpt for r in smtp_server.received] == ["cas@example.com"]
    first_finish = Campaign.objects.get(pk=campaign.pk).finished_at

    smtp_server.temporary["ann@example.com"] = 0  # the mailbox takes mail again
    client.force_login(_marketer())
    assert client.post(_url("retry", campaign.pk)).status_code == 302
    wait_until(lambda: smtp_server.to("ann@example.com"), timeout=60, what=state)
    wait_until(lambda: Campaign.objects.get(pk=campaign.pk).status == "sent", timeout=60, what=state)
    assert _rows(campaign) == {"ann": ("sent", "", 1), "bob": ("failed", "permanent", 1), "cas": ("sent", "", 1)}
    assert sorted(r.rcpt for r in smtp_server.received) == ["ann@example.com", "cas@example.com"]
    assert smtp_server.attempts["bob@example.com"] == 1  # a permanent refusal is never tried again
    assert Campaign.objects.get(pk=campaign.pk).finished_at > first_finish


@pytest.mark.django_db(transaction=True)
def test_a_worker_finishing_while_a_retry_queues_rows_waits_and_counts_them(topic):
    """A retry's transaction holds the campaign row while it queues rows; a worker's check for the
    end, started meanwhile, must count them once it gets the row, not finish the campaign."""
    confirmed_subscriber("ann@example.com", topic)
    campaign = campaign_sending(campaign_with_content(topic))
    Delivery.objects.filter(campaign=campaign).update(status="failed", failure="temporary")
    retry = connection.copy()  # another session: the retry's transaction, held open here
    retry.connect()
    finished = []
    try:
        with retry.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT 1 FROM newsletter_campaign WHERE id = %s FOR UPDATE", [campaign.pk])
            cursor.execute("UPDATE newsletter_delivery SET status = 'pending', failure = '' WHERE campaign_id = %s",
                           [campaign.pk])
            worker = threading.Thread(target=lambda: (
                finished.append(campaign_status.campaign_finish_if_done(campaign_id=campaign.pk)), connection.close()))
            worker.start()
            wait_until(_waiting_for_a_lock, timeout=10, what="the worker waits for the row")
            cursor.execute("COMMIT")
        worker.join(timeout=10)
    finally:
        retry.close()
    assert finished == [False]
    assert Campaign.objects.get(pk=campaign.pk).status == "sending"


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND query LIKE %s", ['%newsletter_campaign%'])
        return cursor.fetchone()[0] > 0
