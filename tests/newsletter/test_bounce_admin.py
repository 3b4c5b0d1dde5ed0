"""Staff see bounces and complaints (issue 14, point 6): on the campaign page (counts by kind and
the list), on the subscriber page (the person's), and in a read-only list with filters."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse
from django.utils import timezone, translation

from newsletter.models import Delivery, Subscriber
from newsletter.services.bounces import BounceNotice, bounce_record

from .factories import campaign_sending, campaign_with_content, confirmed_subscriber

pytestmark = pytest.mark.django_db


def _url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return reverse(f"admin:newsletter_{name}", args=args)


@pytest.fixture
def marketing(client):
    user = User.objects.create_user("marketer", "marketer@ilumen.be", "a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Marketing"))
    client.force_login(user)
    return client


def _record(delivery: Delivery | None, kind: str, key: str, *, email: str = "", days_ago: int = 0, **fields):
    return bounce_record(notice=BounceNotice(
        email=email or delivery.subscriber.email, kind=kind, source=fields.pop("source", "mailbox"), event_key=key,
        delivery_id=delivery.pk if delivery else None,
        occurred_at=timezone.now() - datetime.timedelta(days=days_ago), **fields,
    ))


@pytest.fixture
def reports(topic):
    """Two campaigns to Ann, Bob and Cas; reports about the first's messages, and one about the second's."""
    for name in ("ann", "bob", "cas"):
        confirmed_subscriber(f"{name}@example.com", topic)
    first = campaign_sending(campaign_with_content(topic))
    second = campaign_sending(campaign_with_content(topic))
    mine = {d.subscriber.email: d for d in first.deliveries.select_related("subscriber")}
    Delivery.objects.filter(pk=mine["cas@example.com"].pk).update(status="sent", sent_at=timezone.now())
    _record(mine["ann@example.com"], "hard", "k1", status_code="5.1.1", reason="550 5.1.1 <ann@example.com>: unknown",
            days_ago=2)
    _record(mine["bob@example.com"], "soft", "k2", status_code="4.2.2", reason="452 4.2.2 mailbox full",
            source="webhook:postmark", days_ago=1)
    _record(mine["cas@example.com"], "complaint", "k3", source="webhook:postmark", reason="abuse report")
    other = second.deliveries.get(subscriber__email="bob@example.com")
    _record(other, "hard", "k4", status_code="5.0.0", reason="second campaign's bounce")
    return first, second


def test_the_campaign_page_counts_its_bounces_by_kind_and_lists_them(marketing, reports):
    first, _second = reports
    page = marketing.get(_url("campaign_change", first.pk)).content.decode()
    assert "Bounces and complaints" in page
    assert "Hard bounce: <strong data-kind-count>1</strong> · Soft bounce: <strong data-kind-count>1</strong> · " \
           "Spam complaint: <strong data-kind-count>1</strong>" in page
    section = page[page.index('id="campaign-bounces"'):]
    rows = section[section.index("<tbody>"):section.index("</tbody>")].split("<tr>")[1:]
    assert len(rows) == 3
    assert "cas@example.com" in rows[0] and "Spam complaint" in rows[0] and "abuse report" in rows[0]
    assert all(cell in rows[1] for cell in ("bob@example.com", "Soft bounce", "webhook:postmark", "4.2.2",
                                            "452 4.2.2 mailbox full"))
    assert all(cell in rows[2] for cell in ("ann@example.com", "Hard bounce", "mailbox", "5.1.1",
                                            "550 5.1.1 &lt;ann@example.com&gt;: unknown"))
    assert "second campaign&#x27;s bounce" not in page


def test_a_campaign_without_reports_says_so(marketing, topic):
    campaign = campaign_with_content(topic)
    page = marketing.get(_url("campaign_change", campaign.pk)).content.decode()
    assert "None so far." in page and "Hard bounce: <strong data-kind-count>0</strong>" in page


def test_the_campaign_page_in_dutch(marketing, reports):
    first, _second = reports
    page = marketing.get(_url("campaign_change", first.pk, language="nl")).content.decode()
    assert "Bounces en klachten" in page and "Harde bounce" in page and "Reden zoals ontvangen" in page


def test_the_subscriber_page_shows_the_persons_own_reports(marketing, reports):
    bob = Subscriber.objects.get(email="bob@example.com")
    page = marketing.get(_url("subscriber_change", bob.pk)).content.decode()
    assert "452 4.2.2 mailbox full" in page and "second campaign&#x27;s bounce" in page
    assert "abuse report" not in page and "5.1.1" not in page
    # Read-only: no form field to change a report, none to add one.
    assert 'name="bounces-0-reason"' not in page and "bounces-TOTAL_FORMS\" value=\"2\"" in page


def test_the_bounce_list_filters_by_kind_source_and_campaign(marketing, reports):
    first, _second = reports
    listing = marketing.get(_url("bounce_changelist")).content.decode()
    assert all(reason in listing for reason in ("mailbox full", "abuse report", "second campaign&#x27;s bounce"))
    # The filters offered beside the list: kind, source, date and campaign.
    assert all(offered in listing for offered in (
        "?kind__exact=hard", "?kind__exact=complaint", "?source=webhook%3Apostmark", "occurred_at__gte=",
        f"?delivery__campaign__id__exact={first.pk}",
    ))
    hard = marketing.get(_url("bounce_changelist"), {"kind__exact": "hard"}).content.decode()
    assert "second campaign&#x27;s bounce" in hard and "mailbox full" not in hard and "abuse report" not in hard
    webhook = marketing.get(_url("bounce_changelist"), {"source": "webhook:postmark"}).content.decode()
    assert "mailbox full" in webhook and "abuse report" in webhook and "second campaign" not in webhook
    of_first = marketing.get(_url("bounce_changelist"), {"delivery__campaign__id__exact": first.pk}).content.decode()
    assert "abuse report" in of_first and "second campaign" not in of_first
    recent = marketing.get(_url("bounce_changelist"), {
        "occurred_at__gte": (timezone.now() - datetime.timedelta(hours=12)).isoformat(),
    }).content.decode()
    assert "abuse report" in recent and "mailbox full" not in recent


def test_a_report_without_a_message_is_listed_with_its_address(marketing, reports):
    bounce = _record(None, "hard", "k5", email="ann@example.com", reason="unreferenced")
    assert bounce.delivery_id is None
    listing = marketing.get(_url("bounce_changelist"), {"q": "unreferenced"}).content.decode()
    assert "ann@example.com" in listing


def test_the_bounce_list_is_read_only_and_for_who_may_view_it(client, marketing, reports):
    assert marketing.get(_url("bounce_add")).status_code == 403
    bounce_id = reports[0].deliveries.get(subscriber__email="ann@example.com").bounces.get().pk
    detail = marketing.get(_url("bounce_change", bounce_id)).content.decode()
    assert "550 5.1.1" in detail and 'name="reason"' not in detail
    user = User.objects.create_user("viewer", "v@ilumen.be", "a-long-test-password", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_subscriber", "view_campaign"]))
    client.force_login(user)
    assert client.get(_url("bounce_changelist")).status_code == 403
    campaign_page = client.get(_url("campaign_change", reports[0].pk)).content.decode()
    assert campaign_page.count("Spring news") and "Bounces and complaints" not in campaign_page
    assert "mailbox full" not in campaign_page
    bob = Subscriber.objects.get(email="bob@example.com")
    assert "mailbox full" not in client.get(_url("subscriber_change", bob.pk)).content.decode()
