"""A mail server that cannot be reached (connection refused, or no greeting) costs no recipient a
try: however long it is away nothing fails, and everything goes out once it is back.
Found by `scripts/faults.py smtp-silent`: before, every pending row used up a try per backoff
step, so an outage of about 2.6 hours (at the default settings) failed the rest of a campaign."""

import contextlib
import socket
from collections.abc import Iterator

import pytest
from django.utils import timezone

from mail import services as outbox
from mail.models import OutboxMessage
from newsletter.models import Campaign, Delivery
from newsletter.services import sending
from newsletter.services.subscriptions import CONFIRM_TEMPLATE

from .conftest import free_port
from .factories import campaign_with_content, confirmed_subscribers

pytestmark = pytest.mark.django_db


def _mailer(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 1},
        }
    }


@contextlib.contextmanager
def _unreachable(kind: str) -> Iterator[int]:
    """A port where nothing listens ("refused"), or one that takes connections and never greets."""
    if kind == "refused":
        yield free_port()
        return
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # never accept(): the client waits for a greeting until its timeout
        yield silent.getsockname()[1]


@pytest.mark.parametrize("kind", ["refused", "silent"])
def test_campaign_waits_for_an_unreachable_server_without_using_up_tries(kind, settings, smtp_mail, topic):
    settings.NEWSLETTER_MAX_TRIES = 2
    confirmed_subscribers(5, topic)
    campaign = campaign_with_content(topic)
    Campaign.objects.filter(pk=campaign.pk).update(status="sending", started_at=timezone.now())
    sending.campaign_populate(campaign.pk)
    working = settings.MAILERS
    with _unreachable(kind) as port:
        settings.MAILERS = _mailer(port)
        for _round in range(settings.NEWSLETTER_MAX_TRIES + 2):
            result = sending.batch_send(campaign_id=campaign.pk, worker="w1")
            assert result.unreachable and (result.claimed, result.released, result.failed) == (5, 5, 0)
    rows = Delivery.objects.filter(campaign=campaign)
    assert {(row.status, row.tries, row.claimed_by) for row in rows} == {("pending", 0, "")}
    assert "server unreachable" in rows.order_by("id").first().last_error
    assert Campaign.objects.get(pk=campaign.pk).status == "sending"

    settings.MAILERS = working
    assert sending.campaign_work(campaign_id=campaign.pk, worker="w1", seconds=10) is False
    assert set(rows.values_list("status", flat=True)) == {"sent"}
    assert sorted(r.rcpt for r in smtp_mail.received) == sorted(f"reader{i}@example.com" for i in range(5))
    assert Campaign.objects.get(pk=campaign.pk).status == "sent"


def test_transactional_mail_waits_for_an_unreachable_server_without_using_up_tries(
    settings, smtp_mail, monkeypatch
):
    monkeypatch.setattr(outbox, "OUTBOX_MAX_TRIES", 2)
    context = {"name": "", "confirm_url": "https://www.ilumen.be/en/newsletter/confirm/x/", "topics": ["News"],
               "max_age_days": 7}
    for address in ("one@example.com", "two@example.com"):
        OutboxMessage.objects.create(template=CONFIRM_TEMPLATE, to_email=address, language="en", context=context)
    working = settings.MAILERS
    with _unreachable("refused") as port:
        settings.MAILERS = _mailer(port)
        for _round in range(outbox.OUTBOX_MAX_TRIES + 2):
            assert outbox.outbox_deliver() == 0
    assert {(row.status, row.tries) for row in OutboxMessage.objects.all()} == {("pending", 0)}

    settings.MAILERS = working
    assert outbox.outbox_deliver() == 2
    assert sorted(r.rcpt for r in smtp_mail.received) == ["one@example.com", "two@example.com"]
