"""Segments (issue 13, point 5): a campaign for several topics, narrowed by language and by when
people subscribed, reaches each person once; the audience the admin shows is the number of
messages; its one-click unsubscribe leaves every topic of the campaign the person follows and no
other; its List-Id names the campaign's topics; the segment is fixed once sending started."""

import datetime
import http.client
import re
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation

from mail.throughput import domain_of
from newsletter.messages import list_id_make
from newsletter.models import Campaign, Delivery, Subscriber, Subscription, Topic
from newsletter.selectors import archive_campaign, campaign_audience, campaign_audience_page
from newsletter.services import campaign_status, campaigns, sending
from newsletter.services.archive import campaign_archive_slug_ensure
from newsletter.tokens import UNSUBSCRIBE_SALT, unsubscribe_token_make, unsubscribe_token_read
from tests.polling import wait_until

from .factories import campaign_sending, campaign_with_content, confirmed_subscriber, send_all

pytestmark = pytest.mark.django_db


def _topics() -> tuple[Topic, Topic, Topic]:
    """Shown in the order news, events, jobs; their slugs sort otherwise (events < jobs < news)."""
    news = Topic.objects.create(slug="news", name_nl="Productnieuws", name_en="Product news", position=1)
    events = Topic.objects.create(slug="events", name_nl="Evenementen", name_en="Events", position=2)
    jobs = Topic.objects.create(slug="jobs", name_nl="Vacatures", name_en="Jobs", position=3)
    return news, events, jobs


def _follow(subscriber: Subscriber, topic: Topic, *, at: datetime.datetime | None = None) -> None:
    Subscription.objects.create(
        subscriber=subscriber, topic=topic, status="confirmed", proof=subscriber.proofs.get(),
        confirmed_at=at or timezone.now(),
    )


def _statuses(subscriber: Subscriber) -> dict[str, str]:
    return dict(Subscription.objects.filter(subscriber=subscriber).values_list("topic__slug", "status"))


def _post_one_click(url: str) -> int:
    """The RFC 8058 POST a mail client makes: no cookie, no CSRF token."""
    parts = urlsplit(url)
    connection_ = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection_.request("POST", parts.path, body=b"List-Unsubscribe=One-Click",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    return connection_.getresponse().status


@pytest.mark.django_db(transaction=True)
def test_a_campaign_for_two_topics_reaches_each_follower_once_and_one_click_leaves_both(
    live_server, settings, smtp_server, start_worker
):
    settings.SITE_URL = live_server.url
    news, events, jobs = _topics()
    ann = confirmed_subscriber("ann@example.com", news, language="nl", name="Ann")
    _follow(ann, events)
    _follow(ann, jobs)
    bob = confirmed_subscriber("bob@example.com", events, language="en")
    _follow(bob, news)
    confirmed_subscriber("carol@example.com", jobs)  # follows none of the campaign's topics
    dave = confirmed_subscriber("dave@example.com", news)
    Subscription.objects.filter(subscriber=dave).update(status="unsubscribed", unsubscribed_at=timezone.now())
    campaign = campaign_with_content([news, events])
    start_worker(site_url=live_server.url)
    campaign_status.campaign_schedule(campaign_id=campaign.pk)  # "send now": a real worker lists and sends

    wait_until(lambda: Campaign.objects.get(pk=campaign.pk).status == "sent", timeout=45,
               what=lambda: f"campaign sent: {list(Delivery.objects.values_list('subscriber__email', 'status'))}")
    assert sorted(received.rcpt for received in smtp_server.received) == ["ann@example.com", "bob@example.com"]
    message, bobs = smtp_server.to("ann@example.com")[0].message, smtp_server.to("bob@example.com")[0].message
    assert message["List-Id"] == bobs["List-Id"] == f"<events+news.{domain_of(settings.NEWSLETTER_FROM_EMAIL)}>"
    assert "“Productnieuws en Evenementen”" in message.get_body(("plain",)).get_content()
    assert "“Product news and Events”" in bobs.get_body(("plain",)).get_content()

    one_click = re.fullmatch(r"<(http://[^>]+)>", message["List-Unsubscribe"]).group(1)
    assert _post_one_click(one_click) == 200
    assert _statuses(ann) == {"news": "unsubscribed", "events": "unsubscribed", "jobs": "confirmed"}
    assert _statuses(bob) == {"news": "confirmed", "events": "confirmed"}  # someone else's link, untouched


def _at(day: datetime.date, hour: int = 0, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def test_language_and_subscription_dates_narrow_the_audience(smtp_mail, settings):
    settings.MAIL_SEND_RATE = 0
    news, events, _jobs = _topics()
    since, before = datetime.date(2026, 3, 1), datetime.date(2026, 4, 1)
    people = {
        "first-minute@example.com": ("nl", [(news, _at(since))]),  # "since" includes its whole day
        "last-minute@example.com": ("nl", [(news, _at(datetime.date(2026, 3, 31), 23, 59))]),
        "on-before-day@example.com": ("nl", [(news, _at(before))]),  # "before" excludes its day
        "too-early@example.com": ("nl", [(news, _at(datetime.date(2026, 2, 28), 23, 59))]),
        "english@example.com": ("en", [(news, _at(datetime.date(2026, 3, 15)))]),
        # long a reader of one topic, newly of the other: in, and once
        "both@example.com": ("nl", [(news, _at(datetime.date(2025, 1, 1))), (events, _at(datetime.date(2026, 3, 9)))]),
    }
    for address, (language, follows) in people.items():
        (first_topic, first_at), *more = follows
        subscriber = confirmed_subscriber(address, first_topic, language=language)
        Subscription.objects.filter(subscriber=subscriber).update(confirmed_at=first_at)
        for topic, at in more:
            _follow(subscriber, topic, at=at)
    campaign = campaign_with_content(
        [news, events], audience_language="nl", subscribed_since=since, subscribed_before=before
    )
    expected = ["both@example.com", "first-minute@example.com", "last-minute@example.com"]
    assert sorted(campaign_audience(campaign=campaign).values_list("email", flat=True)) == expected

    send_all(campaign_sending(campaign))
    assert sorted(received.rcpt for received in smtp_mail.received) == expected


def _listed(campaign: Campaign, *, limit: int) -> list[int]:
    """The subscriber ids of every page of `campaign_audience_page` in turn, as population reads them
    (a bounded number of pages: one that repeated the last person would go on for ever)."""
    listed: list[int] = []
    for _page in range(50):
        page = campaign_audience_page(campaign=campaign, after=listed[-1] if listed else 0, limit=limit)
        if not page:
            return listed
        assert len(page) <= limit
        listed += page
    raise AssertionError(f"still listing after 50 pages: {listed}")


def test_recipients_are_listed_a_page_at_a_time_each_once_however_many_topics_they_follow(monkeypatch):
    """Pages of two people, while every third person follows both topics of the campaign (and
    another): their subscriptions straddle the pages' boundaries."""
    news, events, jobs = _topics()
    for n in range(7):
        person = confirmed_subscriber(f"p{n}@example.com", events if n % 3 == 1 else news)
        if n % 3 == 0:
            _follow(person, events)
            _follow(person, jobs)
    confirmed_subscriber("jobs@example.com", jobs)
    left = confirmed_subscriber("left@example.com", news)
    Subscription.objects.filter(subscriber=left).update(status="unsubscribed", unsubscribed_at=timezone.now())
    campaign = campaign_with_content([news, events])
    audience = sorted(campaign_audience(campaign=campaign).values_list("pk", flat=True))
    assert len(audience) == 7

    assert _listed(campaign, limit=2) == audience
    monkeypatch.setattr(sending, "POPULATE_CHUNK", 2)
    assert sending.campaign_populate(campaign.pk) == 7
    assert sorted(Delivery.objects.filter(campaign=campaign).values_list("subscriber_id", flat=True)) == audience


@pytest.mark.parametrize(("segment", "expected"), [
    ({"audience_language": "nl"}, {"nl-2025", "nl-2026"}),
    ({"subscribed_since": datetime.date(2026, 3, 1)}, {"nl-2026", "en-both"}),
    ({"subscribed_before": datetime.date(2026, 1, 1)}, {"nl-2025", "en-both"}),
    ({"audience_language": "en", "subscribed_since": datetime.date(2026, 3, 1)}, {"en-both"}),
    ({"kind": Campaign.Kind.PRIVACY_NOTICE}, {"nl-2025", "nl-2026", "en-both", "nl-jobs"}),
])
def test_the_pages_follow_the_audiences_rules(segment, expected, monkeypatch):
    """Language, subscription dates, and a privacy notice's any topic: the listed pages, the
    delivery rows and `campaign_audience` (what the admin counts) name the same people."""
    news, events, jobs = _topics()
    people = {
        "nl-2025": ("nl", [(news, _at(datetime.date(2025, 6, 1)))]),
        "nl-2026": ("nl", [(events, _at(datetime.date(2026, 3, 15)))]),
        "en-both": ("en", [(news, _at(datetime.date(2025, 6, 1))), (events, _at(datetime.date(2026, 3, 15)))]),
        "nl-jobs": ("nl", [(jobs, _at(datetime.date(2026, 3, 15)))]),  # none of the campaign's topics
    }
    for name, (language, follows) in people.items():
        (first_topic, first_at), *more = follows
        subscriber = confirmed_subscriber(f"{name}@example.com", first_topic, language=language)
        Subscription.objects.filter(subscriber=subscriber).update(confirmed_at=first_at)
        for topic, at in more:
            _follow(subscriber, topic, at=at)
    left = confirmed_subscriber("left@example.com", news, language="nl")
    Subscription.objects.filter(subscriber=left).update(status="unsubscribed", unsubscribed_at=timezone.now())
    if segment.get("kind") == Campaign.Kind.PRIVACY_NOTICE:
        # Not saved: a saved notice needs the statement version it announces, and its segment is empty.
        campaign = Campaign(name="Privacy notice", pk=0, **segment)
    else:
        campaign = campaign_with_content([news, events], **segment)
    names = {pk: email.removesuffix("@example.com") for pk, email in Subscriber.objects.values_list("pk", "email")}

    assert {names[pk] for pk in campaign_audience(campaign=campaign).values_list("pk", flat=True)} == expected
    assert {names[pk] for pk in _listed(campaign, limit=1)} == expected
    if campaign.kind != Campaign.Kind.PRIVACY_NOTICE:
        monkeypatch.setattr(sending, "POPULATE_CHUNK", 1)
        assert sending.campaign_populate(campaign.pk) == len(expected)
        listed = Delivery.objects.filter(campaign=campaign).values_list("subscriber_id", flat=True)
        assert {names[pk] for pk in listed} == expected


def _admin_url(name: str, *args: object) -> str:
    with translation.override("en"):
        return reverse(f"admin:newsletter_campaign_{name}", args=args)


def _change_url(campaign: Campaign) -> str:
    return _admin_url("change", campaign.pk)


def test_the_audience_shown_before_sending_is_the_number_of_messages(
    admin_client, django_capture_on_commit_callbacks
):
    news, events, jobs = _topics()
    for n in range(4):  # Dutch readers of both topics: four people, eight subscriptions
        _follow(confirmed_subscriber(f"both{n}@example.com", news, language="nl"), events)
    confirmed_subscriber("events@example.com", events, language="nl")
    confirmed_subscriber("english@example.com", news, language="en")
    confirmed_subscriber("jobs@example.com", jobs, language="nl")
    campaign = campaign_with_content([news, events], audience_language="nl")

    page = admin_client.get(_change_url(campaign)).content.decode()
    shown_on_page = int(re.search(r"(\d+) people, counted from the saved topics", page).group(1))
    confirm = admin_client.get(_admin_url("action", campaign.pk, "send_now"))
    shown_before_sending = int(re.search(r"It goes to (\d+) people", confirm.content.decode()).group(1))
    assert "Product news and Events" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=False):  # the task would run on a worker; run it here
        admin_client.post(_admin_url("action", campaign.pk, "send_now"), {"confirm": "1"})
    assert campaigns.campaign_start(campaign_id=campaign.pk) == "sending"

    assert shown_on_page == shown_before_sending == Delivery.objects.filter(campaign=campaign).count() == 5


def test_the_segment_cannot_change_once_sending_started(admin_client, topic):
    other = Topic.objects.create(slug="events", name_nl="Evenementen", name_en="Events")
    campaign = campaign_sending(campaign_with_content(topic))
    for change in ({"audience_language": "nl"}, {"subscribed_since": datetime.date(2026, 1, 1)},
                   {"subscribed_before": datetime.date(2026, 1, 1)}, {"started_at": None}):
        with pytest.raises(IntegrityError, match="audience cannot change"), transaction.atomic():
            Campaign.objects.filter(pk=campaign.pk).update(**change)
    with pytest.raises(IntegrityError, match="topics cannot change"), transaction.atomic():
        campaign.topics.add(other)
    with pytest.raises(IntegrityError, match="topics cannot change"), transaction.atomic():
        campaign.topics.remove(topic)
        connection.check_constraints()  # what COMMIT checks
    Campaign.objects.filter(pk=campaign.pk).update(name="Renamed")  # the rest of the row may change

    page = admin_client.get(_change_url(campaign)).content.decode()
    assert 'name="topics"' not in page and 'name="audience_language"' not in page
    assert "Listed when sending started" in page

    campaign.delete()  # a whole campaign may still go, its topics with it
    connection.check_constraints()
    assert not Campaign.objects.filter(pk=campaign.pk).exists()


def test_a_draft_segment_is_edited_in_the_admin(admin_client, topic):
    other = Topic.objects.create(slug="events", name_nl="Evenementen", name_en="Events")
    campaign = campaign_with_content(topic, languages=())
    data = {
        "name": "Spring", "topics": [topic.pk, other.pk], "audience_language": "nl",
        "subscribed_since": "2026-04-01", "subscribed_before": "2026-03-01", "scheduled_at_0": "",
        "scheduled_at_1": "", "contents-TOTAL_FORMS": 0, "contents-INITIAL_FORMS": 0,
        "contents-MIN_NUM_FORMS": 0, "contents-MAX_NUM_FORMS": 2,
    }
    refused = admin_client.post(_change_url(campaign), data)
    assert refused.status_code == 200
    assert "“Subscribed since” must be earlier than “subscribed before”." in refused.content.decode()
    assert admin_client.post(_change_url(campaign), {**data, "subscribed_before": "2026-05-01"}).status_code == 302
    campaign.refresh_from_db()
    assert set(campaign.topics.all()) == {topic, other}
    assert (campaign.audience_language, campaign.subscribed_since, campaign.subscribed_before) == (
        "nl", datetime.date(2026, 4, 1), datetime.date(2026, 5, 1)
    )
    assert admin_client.post(_change_url(campaign), {**data, "topics": []}).status_code == 200  # at least one


def test_the_list_id_names_the_campaigns_topics(settings):
    settings.NEWSLETTER_FROM_EMAIL = "iLumen <info@ilumen.be>"
    assert list_id_make(["news"]) == "<news.ilumen.be>"
    assert list_id_make(["news", "events"]) == list_id_make(["events", "news"]) == "<events+news.ilumen.be>"
    many = [f"topic-{n}-{'x' * 40}" for n in range(6)]
    named = list_id_make(many)
    assert re.fullmatch(r"<topics-[0-9a-f]{16}\.ilumen\.be>", named) and named == list_id_make(reversed(many))
    assert len(list_id_make(many[:4])) <= 255 and list_id_make(many[:4]).startswith("<topic-0-")


def test_an_unsubscribe_token_names_every_topic_and_reads_the_one_topic_form_as_before():
    subscriber_uuid = Subscriber(email="x@example.com").uuid
    assert unsubscribe_token_read(unsubscribe_token_make(subscriber_uuid, [7, 3])).topic_ids == (3, 7)
    assert unsubscribe_token_read(unsubscribe_token_make(subscriber_uuid, None)).topic_ids is None
    before_segments = signing.Signer(salt=UNSUBSCRIBE_SALT).sign(f"{subscriber_uuid.hex}.5")
    assert unsubscribe_token_read(before_segments).topic_ids == (5,)


def test_a_campaign_is_published_only_when_every_topic_may_be(topic, settings):
    settings.SITE_URL = "https://www.ilumen.be"
    Topic.objects.filter(pk=topic.pk).update(archive_public=True)
    internal = Topic.objects.create(slug="partners", name_nl="Partners", name_en="Partners")
    campaign = campaign_with_content([topic, internal])
    Campaign.objects.filter(pk=campaign.pk).update(archive_published=True)
    slug = campaign_archive_slug_ensure(campaign_id=campaign.pk)
    Campaign.objects.filter(pk=campaign.pk).update(status="sent", started_at=timezone.now(),
                                                   finished_at=timezone.now())
    assert archive_campaign(slug=slug) is None
    Topic.objects.filter(pk=internal.pk).update(archive_public=True)
    assert archive_campaign(slug=slug) == campaign
