"""Reads for the newsletter: which campaigns need work or a person, campaign progress, the topics offered in
forms, the public archive."""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from core.cache import LocalCopy
from mail.selectors import addresses_suppressed
from newsletter.messages import site_url, topic_names
from newsletter.models import (
    PRIVACY_TOPIC_SLUG,
    Bounce,
    Campaign,
    CampaignContent,
    CampaignImage,
    Delivery,
    Failure,
    Subscriber,
    Subscription,
    Topic,
    Welcome,
)

TOPICS_CACHE_KEY = "newsletter:public-topics:v1"
# A lease this far past its expiry means no reaper (Celery beat) has run.
STUCK_AFTER = datetime.timedelta(minutes=10)


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of the day, in the site's time zone (the one the admin shows)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _audience_subscriptions(
    *, campaign: Campaign, topic_ids: Iterable[int] | None = None, after: int | None = None
) -> QuerySet[Subscription]:
    """The subscriptions that put a person in a campaign's audience (the rules `campaign_audience`
    states): confirmed, for one of its topics (any topic for a privacy notice), confirmed on or
    after `subscribed_since` and before `subscribed_before`, of a reader of `audience_language`.

    `topic_ids`, when given, are the campaign's topics as values instead of a subquery; `after`
    keeps only subscribers with a higher id."""
    subscriptions = Subscription.objects.filter(status=Subscription.Status.CONFIRMED)
    subscribers = Subscriber.objects.all()
    if after is not None:
        # On both sides of the join with the subscribers (the language rule): PostgreSQL does not
        # carry a bound across a join, and without the second one read every subscriber up to
        # `after` for each page.
        subscriptions = subscriptions.filter(subscriber_id__gt=after)
        subscribers = subscribers.filter(pk__gt=after)
    if campaign.kind != Campaign.Kind.PRIVACY_NOTICE:
        subscriptions = subscriptions.filter(
            topic_id__in=Campaign.topics.through.objects.filter(campaign_id=campaign.pk).values("topic_id")
            if topic_ids is None else list(topic_ids),
        )
    if campaign.subscribed_since:
        subscriptions = subscriptions.filter(confirmed_at__gte=_day_start(campaign.subscribed_since))
    if campaign.subscribed_before:
        subscriptions = subscriptions.filter(confirmed_at__lt=_day_start(campaign.subscribed_before))
    if campaign.audience_language:
        subscriptions = subscriptions.filter(subscriber__in=subscribers.filter(language=campaign.audience_language))
    return subscriptions


def campaign_audience(*, campaign: Campaign) -> QuerySet[Subscriber]:
    """The people a campaign is for, each once however many of its topics they follow: confirmed
    for at least one of its topics (confirmed on or after `subscribed_since` and before
    `subscribed_before`, when set), reading `audience_language`, when set.

    A privacy notice is for everyone confirmed for any topic (its segment is empty).

    The admin counts it before sending and the recipients are listed from it (a page at a time,
    `campaign_audience_page`), so the two agree."""
    return Subscriber.objects.filter(
        Exists(_audience_subscriptions(campaign=campaign).filter(subscriber_id=OuterRef("pk")))
    )


def campaign_audience_page(*, campaign: Campaign, after: int, limit: int) -> list[int]:
    """The ids of the next `limit` people of `campaign_audience` after subscriber id `after`, in id order.

    Read from the subscriptions' side, with the topic ids as values: PostgreSQL then walks an
    index in subscriber order and stops after `limit` people. Read as `campaign_audience` ordered
    by id, each page checked every subscription of the topics, which made listing a campaign's
    recipients quadratic in the list."""
    topic_ids = Campaign.topics.through.objects.filter(campaign_id=campaign.pk).values_list("topic_id", flat=True)
    return list(
        _audience_subscriptions(campaign=campaign, topic_ids=topic_ids, after=after)
        .order_by("subscriber_id").distinct().values_list("subscriber_id", flat=True)[:limit]
    )


def campaign_audience_languages(*, campaign: Campaign) -> dict[str, int]:
    """How many of a campaign's audience read each language."""
    counts = campaign_audience(campaign=campaign).values("language").annotate(n=Count("pk")).order_by()
    return {row["language"]: row["n"] for row in counts}


def campaign_topic_names(*, campaign: Campaign, language: str) -> str:
    """A campaign's topics as one phrase in the language (prefetched or not: Topic's ordering holds)."""
    if campaign.kind == Campaign.Kind.PRIVACY_NOTICE:
        with translation.override(language):
            return gettext("every subscriber (privacy notice)")
    return topic_names(campaign.topics.all(), language)


def campaigns_due(*, now: datetime.datetime) -> QuerySet[Campaign]:
    """Scheduled campaigns whose time has come (or long passed: starting decides whether to hold them)."""
    return Campaign.objects.filter(status=Campaign.Status.SCHEDULED, scheduled_at__lte=now)


def campaigns_sending(*, now: datetime.datetime) -> QuerySet[Campaign]:
    """Sending campaigns, each with `busy` (a delivery under a live lease) and `due` (a delivery waiting
    whose time has come)."""
    leased = Delivery.objects.filter(
        campaign_id=OuterRef("pk"), status=Delivery.Status.SENDING, lease_expires_at__gte=now
    )
    due = Delivery.objects.filter(campaign_id=OuterRef("pk"), status=Delivery.Status.PENDING, next_attempt_at__lte=now)
    return Campaign.objects.filter(status=Campaign.Status.SENDING).annotate(busy=Exists(leased), due=Exists(due))


def welcomes_due(*, now: datetime.datetime, limit: int) -> list[int]:
    """Welcomes waiting to be sent whose time has come (a lost task's, or a retry's), oldest first."""
    return list(
        Welcome.objects.filter(status=Welcome.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    )


def campaigns_waiting_for_a_person() -> QuerySet[Campaign]:
    """On hold (found overdue), or stuck: sending with a lease long expired, so nothing reaps it."""
    stuck = Delivery.objects.filter(
        campaign_id=OuterRef("pk"), status=Delivery.Status.SENDING,
        lease_expires_at__lt=timezone.now() - STUCK_AFTER,
    )
    return Campaign.objects.filter(
        Q(status=Campaign.Status.ON_HOLD) | Q(Exists(stuck), status=Campaign.Status.SENDING)
    )


@dataclass(frozen=True)
class Progress:
    status: str
    status_display: str
    status_note: str
    total: int
    queued: int
    sent: int
    failed: int
    skipped: int
    complaints: int  # sent messages their recipients reported as spam

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.skipped

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    def as_dict(self) -> dict:
        return {
            "status": self.status, "status_display": self.status_display, "status_note": self.status_note,
            "total": self.total, "queued": self.queued, "sent": self.sent, "failed": self.failed,
            "skipped": self.skipped, "complaints": self.complaints, "percent": self.percent,
        }


def campaign_progress(campaign_id: int) -> Progress:
    campaign = Campaign.objects.get(pk=campaign_id)
    counts = Delivery.objects.filter(campaign_id=campaign_id).aggregate(
        total=Count("id"),
        queued=Count("id", filter=Q(status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING])),
        sent=Count("id", filter=Q(status=Delivery.Status.SENT)),
        failed=Count("id", filter=Q(status=Delivery.Status.FAILED)),
        skipped=Count("id", filter=Q(status=Delivery.Status.SKIPPED)),
        complaints=Count("id", filter=Q(complained_at__isnull=False)),
    )
    return Progress(
        status=campaign.status, status_display=str(campaign.get_status_display()),
        status_note=campaign.status_note, **counts,
    )


def with_complaint_counts(campaigns: QuerySet[Campaign]) -> QuerySet[Campaign]:
    """Each campaign with `sent` (its messages sent) and `complained` (of which reported as spam)."""
    return campaigns.annotate(
        sent=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)),
        complained=Count("deliveries", filter=Q(deliveries__complained_at__isnull=False)),
    )


# Each process also keeps the public topics this long, which saves the cache round trip (and
# unpickling) on every subscription; another process's change reaches it at most that much later.
TOPICS_LOCAL_SECONDS = 2.0
_topics_local = LocalCopy(lambda: TOPICS_LOCAL_SECONDS)


def public_topics() -> list[Topic]:
    """Topics offered in the subscription forms (cached: the footer shows them on every page).
    Shared by the requests of a process: read them, never change them."""
    topics = _topics_local.get()
    if topics is not None:
        return topics
    topics = cache.get(TOPICS_CACHE_KEY)
    if topics is None:
        topics = list(Topic.objects.filter(is_public=True))
        cache.set(TOPICS_CACHE_KEY, topics, 300)
    _topics_local.keep(topics)
    return topics


def topics_cache_clear() -> None:
    _topics_local.forget()
    cache.delete(TOPICS_CACHE_KEY)


def topics_of(*, topic_ids: Iterable[int]) -> list[Topic]:
    """These topics, in the order topics are shown everywhere."""
    return list(Topic.objects.filter(pk__in=list(topic_ids)))


def subscriber_topics(subscriber: Subscriber) -> list[Subscription]:
    return list(
        Subscription.objects.filter(subscriber=subscriber, status=Subscription.Status.CONFIRMED)
        .select_related("topic")
        .order_by("topic__position", "topic__slug")
    )


# Complaints about a campaign keep coming in for days after it was sent.
COMPLAINTS_WINDOW = datetime.timedelta(days=30)


def campaigns_over_complaint_aim_count() -> int:
    """Campaigns of the complaint window whose complaint rate is above NEWSLETTER_COMPLAINT_AIM."""
    counted = with_complaint_counts(Campaign.objects.filter(started_at__gte=timezone.now() - COMPLAINTS_WINDOW))
    return sum(1 for sent, complained in counted.values_list("sent", "complained")
               if sent and complained / sent > settings.NEWSLETTER_COMPLAINT_AIM)


def campaign_image_campaigns(*, image: CampaignImage) -> list[Campaign]:
    """The campaigns whose content shows this image (its file name is unique and unguessable,
    so finding it in the Markdown means the image is used)."""
    return list(Campaign.objects.filter(contents__body__contains=image.file.name).distinct().order_by("pk"))


# The public archive. A campaign may be shown when it is marked "publish in the archive", has its
# web address, and is for topics whose campaigns may all be published, none of them privacy notices.
_ARCHIVABLE = (
    Q(archive_published=True, archive_slug__isnull=False)
    & Q(Exists(Campaign.topics.through.objects.filter(campaign_id=OuterRef("pk"))))
    & ~Q(Exists(Campaign.topics.through.objects.filter(
        Q(topic__archive_public=False) | Q(topic__slug=PRIVACY_TOPIC_SLUG), campaign_id=OuterRef("pk"),
    )))
    & Q(Exists(CampaignContent.objects.filter(campaign_id=OuterRef("pk"))))
)
# Its web version is there from the first message sent (a reader of an early message who opens
# it in the browser must find it); the archive lists it once every message has been sent.
WEB_VERSION_STATUSES = (Campaign.Status.SENDING, Campaign.Status.PAUSED, Campaign.Status.SENT)


def archive_campaigns() -> QuerySet[Campaign]:
    """The archive's list: sent campaigns that may be shown, newest first, with topics and contents."""
    return (
        Campaign.objects.filter(_ARCHIVABLE, status=Campaign.Status.SENT)
        .prefetch_related("topics", "contents").order_by("-finished_at", "-pk")
    )


def _web_versions() -> QuerySet[Campaign]:
    """The campaigns whose web version a visitor can open now."""
    return Campaign.objects.filter(_ARCHIVABLE, status__in=WEB_VERSION_STATUSES, started_at__isnull=False)


def archive_campaign(*, slug: str) -> Campaign | None:
    """A campaign's web version, if it may be shown (with topics and contents)."""
    return _web_versions().filter(archive_slug=slug).prefetch_related("topics", "contents").first()


def campaign_web_url(*, campaign: Campaign, language: str) -> str | None:
    """The absolute address of a campaign's web version in a language: the same for every reader.
    None until it has one."""
    if not campaign.archive_slug:
        return None
    return site_url("newsletter:archive_campaign", language, slug=campaign.archive_slug)


def campaign_web_urls(*, campaign_id: int) -> dict[str, str]:
    """The addresses of a campaign's web version per language it was written in, while a visitor
    can open them (what its messages link to as "view in browser"); empty when there is none."""
    campaign = _web_versions().filter(pk=campaign_id).prefetch_related("contents").first()
    if campaign is None:
        return {}
    return {language: site_url("newsletter:archive_campaign", language, slug=campaign.archive_slug)
            for language in archive_languages(campaign=campaign)}


def archive_languages(*, campaign: Campaign) -> list[str]:
    """The languages a campaign was written in, in the site's order (its contents prefetched)."""
    written = {content.language for content in campaign.contents.all()}
    return [code for code, _name in settings.LANGUAGES if code in written]


def archive_content(*, campaign: Campaign, language: str) -> CampaignContent:
    """A campaign's content in this language, else in the first language it was written in."""
    contents = {content.language: content for content in campaign.contents.all()}
    return contents.get(language) or contents[archive_languages(campaign=campaign)[0]]


# Bounces and complaints, and the deliveries a person may retry.


def campaign_bounces(*, campaign_id: int) -> QuerySet[Bounce]:
    """The bounces and complaints about a campaign's messages, newest first, with whose they are."""
    return (
        Bounce.objects.filter(delivery__campaign_id=campaign_id)
        .select_related("subscriber").order_by("-occurred_at", "-pk")
    )


def bounce_counts(bounces: QuerySet[Bounce]) -> dict[str, int]:
    """How many of these are of each kind, every kind listed (zero too), in the kinds' order."""
    counted = dict(bounces.order_by().values_list("kind").annotate(n=Count("pk")))
    return {kind: counted.get(kind, 0) for kind in Bounce.Kind.values}


def deliveries_retryable(*, campaign_id: int) -> QuerySet[Delivery]:
    """A campaign's deliveries that failed for now (a 4xx answer until the tries ran out, or a
    soft bounce) and drew no complaint: what "retry failed deliveries" may queue again, but for
    suppressed addresses (`deliveries_retryable_batches` leaves those out)."""
    return Delivery.objects.filter(
        campaign_id=campaign_id, status=Delivery.Status.FAILED, failure=Failure.TEMPORARY, complained_at__isnull=True,
    )


def deliveries_retryable_batches(*, campaign_id: int, size: int = 1000) -> Iterator[list[int]]:
    """The ids of `deliveries_retryable` whose address is not suppressed, a batch at a time (the
    caller may change the rows between batches)."""
    rows = deliveries_retryable(campaign_id=campaign_id).order_by("pk").values_list("pk", "subscriber__email")
    after = 0
    while batch := list(rows.filter(pk__gt=after)[:size]):
        after = batch[-1][0]
        suppressed = addresses_suppressed(email for _pk, email in batch)
        yield [pk for pk, email in batch if email not in suppressed]


# The columns of a subscriber export, in order, and what each is read from.
EXPORT_COLUMNS = {
    "email": "subscriber__email",
    "name": "subscriber__name",
    "language": "subscriber__language",
    "topic": "topic__slug",
    "confirmed_at": "confirmed_at",
    "consent_given_at": "proof__given_at",
    "consent_source": "proof__source",
    "consent_version": "proof__consent_version",
    "consent_origin": "proof__origin",  # the subscription form, or an import with its evidence
}


def subscribers_export_rows(*, topic_id: int, language: str, with_ip: bool) -> QuerySet:
    """The confirmed subscribers of a topic (of one language, or all when `language` is empty) as
    tuples in the order of `subscribers_export_columns`, by address."""
    rows = Subscription.objects.filter(topic_id=topic_id, status=Subscription.Status.CONFIRMED)
    if language:
        rows = rows.filter(subscriber__language=language)
    return rows.order_by("subscriber__email").values_list(*subscribers_export_columns(with_ip=with_ip).values())


def subscribers_export_columns(*, with_ip: bool) -> dict[str, str]:
    """The export's column names and their sources; the proof's IP only `with_ip`."""
    return {**EXPORT_COLUMNS, "consent_ip_truncated": "proof__ip_truncated"} if with_ip else EXPORT_COLUMNS


# What the admin index counts for marketing.


def _confirmed_subscription() -> QuerySet[Subscription]:
    return Subscription.objects.filter(subscriber_id=OuterRef("pk"), status=Subscription.Status.CONFIRMED)


def subscribers_joined(*, since: datetime.datetime) -> QuerySet[Subscriber]:
    """People who came since then and follow a topic now (the subscriber list's "created at" and
    "subscription status: confirmed" filters list the same)."""
    return Subscriber.objects.filter(Exists(_confirmed_subscription()), created_at__gte=since)


def subscribers_left(*, since: datetime.datetime) -> QuerySet[Subscriber]:
    """People who unsubscribed since then and follow no topic any more."""
    left = Subscription.objects.filter(
        subscriber_id=OuterRef("pk"), status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at__gte=since
    )
    return Subscriber.objects.filter(Exists(left)).exclude(Exists(_confirmed_subscription()))


@dataclass(frozen=True)
class NewsletterCounts:
    joined: int
    left: int
    sending: int
    paused: int
    on_hold: int
    bounces: int  # hard and soft
    complaints: int


def newsletter_counts(*, since: datetime.datetime) -> NewsletterCounts:
    """Subscribers who joined and left, bounces and complaints since then; campaigns sending or held
    now. One query for each of the three tables."""
    subscribers = Subscriber.objects.aggregate(
        joined=Count("pk", filter=Q(pk__in=subscribers_joined(since=since).values("pk"))),
        left=Count("pk", filter=Q(pk__in=subscribers_left(since=since).values("pk"))),
    )
    campaigns = Campaign.objects.aggregate(**{
        name: Count("pk", filter=Q(status=status)) for name, status in (
            ("sending", Campaign.Status.SENDING), ("paused", Campaign.Status.PAUSED),
            ("on_hold", Campaign.Status.ON_HOLD),
        )
    })
    bounces = Bounce.objects.filter(occurred_at__gte=since).aggregate(
        bounces=Count("pk", filter=Q(kind__in=[Bounce.Kind.HARD, Bounce.Kind.SOFT])),
        complaints=Count("pk", filter=Q(kind=Bounce.Kind.COMPLAINT)),
    )
    return NewsletterCounts(**subscribers, **campaigns, **bounces)
