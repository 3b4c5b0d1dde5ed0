"""Real Celery workers (subprocesses, Redis broker) sending to an aiosmtpd server on 127.0.0.1,
with the links in what it received followed over HTTP against the live server."""

import bisect
import http.client
import re
import socket
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from core.health import BEAT_HEARTBEAT_KEY
from core.tasks import beat_heartbeat
from mail.models import OutboxMessage
from mail.selectors import address_suppressed
from newsletter.models import Campaign, Delivery, Subscription
from newsletter.services import campaign_status
from tests.conftest import BrowserClient
from tests.polling import wait_until

from .factories import campaign_with_content, confirmed_subscriber, confirmed_subscribers

pytestmark = pytest.mark.django_db(transaction=True)


def _http(method: str, url: str, body: bytes | None = None, headers: dict | None = None):
    """One bare HTTP request: no cookies, no redirects followed."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request(method, parts.path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read().decode()


def test_opt_in_campaign_and_one_click_unsubscribe_through_real_workers(
    live_server, settings, smtp_server, start_worker, topic
):
    settings.SITE_URL = live_server.url
    start_worker(site_url=live_server.url)
    client = BrowserClient()  # posts the subscription form as a browser does (Sec-Fetch-Site)
    for language, address in (("nl", "ann@example.com"), ("en", "bob@example.com")):
        response = client.post(
            f"/{language}/newsletter/",
            {"email": address, "name": address[:3].title(), "language": language, "topics": [topic.pk],
             "consent": "on"},
        )
        assert response.status_code == 302

    # Confirmation mails come from the outbox, sent by the worker on the transactional queue.
    smtp_server.wait_for(lambda: len(smtp_server.received) == 2, what="two confirmation mails")
    for address in ("ann@example.com", "bob@example.com"):
        message = smtp_server.to(address)[0].message
        text = message.get_body(("plain",)).get_content()
        link = re.search(re.escape(live_server.url) + r"/(nl|en)/newsletter/confirm/[^/\s]+/", text).group(0)
        assert link in message.get_body(("html",)).get_content()
        status, _headers, page = _http("GET", link)  # a link scanner: shows a button, confirms nothing
        assert status == 200 and "<form method=\"post\">" in page
        assert Subscription.objects.get(subscriber__email=address).status == "pending"
        assert client.post(urlsplit(link).path).status_code == 200
        assert Subscription.objects.get(subscriber__email=address).status == "confirmed"
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}

    confirmed_subscriber("later@example.com", topic)  # answered 451 once, then accepted
    confirmed_subscriber("gone@example.com", topic)  # answered 550
    smtp_server.temporary["later@example.com"] = 1
    smtp_server.permanent.add("gone@example.com")
    smtp_server.received.clear()
    campaign = campaign_with_content(topic)
    campaign_status.campaign_schedule(campaign_id=campaign.pk)  # "send now": on commit, a task goes to the broker

    wait_until(
        lambda: Campaign.objects.get(pk=campaign.pk).status == "sent", timeout=45,
        what=lambda: f"campaign sent: {Campaign.objects.get(pk=campaign.pk).status}, "
        f"{list(Delivery.objects.values_list('subscriber__email', 'status', 'tries', 'last_error'))}",
    )
    statuses = dict(Delivery.objects.values_list("subscriber__email", "status"))
    assert statuses == {"ann@example.com": "sent", "bob@example.com": "sent", "later@example.com": "sent",
                        "gone@example.com": "failed"}
    assert Delivery.objects.get(subscriber__email="later@example.com").tries == 2
    assert smtp_server.attempts["later@example.com"] == 2 and len(smtp_server.to("later@example.com")) == 1
    assert address_suppressed("gone@example.com")

    ann = smtp_server.to("ann@example.com")
    assert len(ann) == 1
    message = ann[0].message
    assert message["Subject"] == "Lentenieuws" and message["To"] == "Ann <ann@example.com>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Beste Ann," in text and "<strong>nieuwe</strong>" in html
    assert message["Message-ID"].startswith(f"<c{campaign.pk}.")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"]).group(1)
    assert one_click.startswith(live_server.url + "/nl/newsletter/unsubscribe/")
    assert one_click in text and one_click in html
    preferences = re.search(re.escape(live_server.url) + r"/nl/newsletter/preferences/[^/\s]+/", text).group(0)
    status, _headers, page = _http("GET", preferences)
    assert status == 200 and "ann@example.com" in page

    # GET of the unsubscribe link: a page with a button, nothing changes.
    status, _headers, page = _http("GET", one_click)
    assert status == 200 and "Uitschrijven" in page
    assert Subscription.objects.get(subscriber__email="ann@example.com").status == "confirmed"
    # RFC 8058 one-click: POST, no cookie, no CSRF token -> 2xx, no redirect.
    status, headers, _body = _http(
        "POST", one_click, b"List-Unsubscribe=One-Click", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert 200 <= status < 300 and "Location" not in headers and "Set-Cookie" not in headers
    assert Subscription.objects.get(subscriber__email="ann@example.com").status == "unsubscribed"

    # The English message of the other subscriber, and the same one-click in English.
    bob = smtp_server.to("bob@example.com")[0].message
    assert bob["Subject"] == "Spring news" and "/en/newsletter/unsubscribe/" in bob["List-Unsubscribe"]
    status, _headers, _body = _http(
        "POST", bob["List-Unsubscribe"][1:-1], b"List-Unsubscribe=One-Click",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 200
    assert Subscription.objects.get(subscriber__email="bob@example.com").status == "unsubscribed"

    # The worker knows beat's heartbeat task (core/tasks.py), which /healthz reads.
    beat_heartbeat.delay()
    wait_until(lambda: cache.get(BEAT_HEARTBEAT_KEY) is not None, timeout=30, what="the beat heartbeat")


def test_sigkill_in_the_middle_of_a_campaign_loses_no_one(smtp_server, start_worker, topic):
    """Kill a worker mid-campaign; a new one finishes it. Everyone gets the message, and at most
    the one message each of the killed worker's senders had in flight is sent twice."""
    subscribers, senders = 300, 2
    confirmed_subscribers(subscribers, topic)
    knobs = {
        "MAIL_SEND_RATE": "100", "NEWSLETTER_BATCH_SIZE": "40", "NEWSLETTER_LEASE_SECONDS": "3",
        "NEWSLETTER_SENDERS": str(senders),
    }
    first = start_worker(beat=False, **knobs)
    campaign = campaign_with_content(topic)
    campaign_status.campaign_schedule(campaign_id=campaign.pk)

    smtp_server.wait_for(lambda: len(smtp_server.received) >= 60, what="the campaign to be under way")
    first.kill()
    received_at_kill = len(smtp_server.received)
    assert received_at_kill < subscribers, "the worker finished before it could be killed"
    assert Campaign.objects.get(pk=campaign.pk).status == "sending"
    assert Delivery.objects.filter(campaign=campaign, status="sending").exists()  # leased by the dead worker

    start_worker(beat=True, **knobs)  # its beat reaps the dead worker's leases and restarts sending
    wait_until(
        lambda: Campaign.objects.get(pk=campaign.pk).status == "sent", timeout=45, what="campaign finished by worker 2"
    )

    recipients = [r.rcpt for r in smtp_server.received]
    assert set(recipients) == {f"reader{i}@example.com" for i in range(subscribers)}
    duplicates = len(recipients) - len(set(recipients))
    print(f"killed after {received_at_kill} messages; {duplicates} duplicate(s)")
    assert duplicates <= senders, f"{duplicates} duplicates"
    assert set(Delivery.objects.filter(campaign=campaign).values_list("status", flat=True)) == {"sent"}


def test_send_rate_holds_for_two_workers_together(smtp_server, start_worker, topic):
    """MAIL_SEND_RATE is one budget shared by every worker (GCRA in Redis), not one each.

    GCRA lets n messages out no faster than n - 1 intervals minus its burst tolerance
    (0.1 s, one message at 10/s): 50 messages take at least 4.8 s. Within one second the
    most it allows is rate + 1 + that burst: the bucket's two-at-once, and a second that
    starts and ends with a message. Two workers each limited on their own would send
    twice as fast.
    """
    rate, subscribers, tolerance = 10, 50, 0.1
    burst = round(rate * tolerance)
    # The server sees a message one SMTP exchange after the throttle let it go, and that
    # exchange takes a little more or less time from one message to the next.
    jitter = 0.1
    confirmed_subscribers(subscribers, topic)
    # Small batches, so that both workers claim some while the campaign is under way.
    knobs = {"MAIL_SEND_RATE": str(rate), "NEWSLETTER_BATCH_SIZE": "4"}
    workers = [start_worker(beat=False, **knobs), start_worker(beat=False, **knobs)]
    campaign = campaign_with_content(topic)
    campaign_status.campaign_schedule(campaign_id=campaign.pk)
    wait_until(
        lambda: Campaign.objects.get(pk=campaign.pk).status == "sent", timeout=30,
        what=lambda: f"campaign sent: {len(smtp_server.received)} received",
    )

    assert sorted(r.rcpt for r in smtp_server.received) == sorted(f"reader{i}@example.com" for i in range(subscribers))
    senders = Counter(Delivery.objects.filter(campaign=campaign, status="sent").values_list("claimed_by", flat=True))
    assert set(senders) == {f"{socket.gethostname()}:{worker.process.pid}" for worker in workers}, senders
    arrivals = sorted(r.at for r in smtp_server.received)
    span = arrivals[-1] - arrivals[0]
    busiest = max(bisect.bisect_left(arrivals, at + 1.0) - i for i, at in enumerate(arrivals))
    print(f"{subscribers} messages in {span:.2f} s ({(subscribers - 1) / span:.1f}/s), "
          f"at most {busiest} in one second; per worker {dict(senders)}")
    assert span >= (subscribers - 1) / rate - tolerance - jitter, f"{(subscribers - 1) / span:.1f} messages/s"
    assert busiest <= rate + 1 + burst
