"""Small builders for newsletter tests (plain ORM: confirmed subscribers as the services leave them)."""

from collections.abc import Iterable

from django.utils import timezone

from newsletter.models import Campaign, CampaignContent, ConsentProof, Subscriber, Subscription, Topic
from newsletter.services import sending


def confirmed_subscriber(
    email: str, topic: Topic, *, language: str = "en", name: str = "", at=None, ip_truncated: str = "",
) -> Subscriber:
    """`at`: when they asked and confirmed (now); the proof is evidence, written once as it stays."""
    subscriber = Subscriber.objects.create(email=email, language=language, name=name)
    now = at or timezone.now()
    proof = ConsentProof.objects.create(
        subscriber=subscriber, language=language, consent_text="test consent", consent_version="1",
        source="/test/", given_at=now, confirmed_at=now, ip_truncated=ip_truncated,
    )
    proof.topics.add(topic)
    Subscription.objects.create(subscriber=subscriber, topic=topic, status="confirmed", proof=proof, confirmed_at=now)
    return subscriber


def confirmed_subscribers(count: int, topic: Topic, *, prefix: str = "reader", domain: str = "example.com") -> None:
    """Many subscribers at once (bulk inserts), alternating languages."""
    now = timezone.now()
    subscribers = Subscriber.objects.bulk_create(
        [Subscriber(email=f"{prefix}{i}@{domain}", language="nl" if i % 2 else "en") for i in range(count)],
        batch_size=2000,
    )
    proofs = ConsentProof.objects.bulk_create(
        [
            ConsentProof(subscriber=s, language=s.language, consent_text="test", consent_version="1", source="/t/",
                         given_at=now, confirmed_at=now)
            for s in subscribers
        ],
        batch_size=2000,
    )
    Subscription.objects.bulk_create(
        [
            Subscription(subscriber=s, topic=topic, status="confirmed", proof=p, confirmed_at=now)
            for s, p in zip(subscribers, proofs, strict=True)
        ],
        batch_size=2000,
    )


def campaign_with_content(
    topics: Topic | Iterable[Topic], *, languages=("nl", "en"), status: str = "draft", **segment: object
) -> Campaign:
    """A campaign for one topic or several (its segment: `audience_language`, `subscribed_since`… as given)."""
    campaign = Campaign.objects.create(name="Spring news", status=status, **segment)
    campaign.topics.set([topics] if isinstance(topics, Topic) else topics)
    texts = {
        "nl": ("Lentenieuws", "## Nieuws\n\nOnze **nieuwe** batterij. Lees [meer](https://www.ilumen.be/nl/batterij)."),
        "en": ("Spring news", "## News\n\nOur **new** battery. Read [more](https://www.ilumen.be/en/battery)."),
    }
    for language in languages:
        subject, body = texts[language]
        CampaignContent.objects.create(campaign=campaign, language=language, subject=subject, body=body)
    return campaign


def campaign_sending(campaign: Campaign) -> Campaign:
    """The campaign as "send now" leaves it: sending, its deliveries created."""
    Campaign.objects.filter(pk=campaign.pk).update(status="sending", started_at=timezone.now())
    sending.campaign_populate(campaign.pk)
    campaign.refresh_from_db()
    return campaign


def send_all(campaign: Campaign, worker: str = "w1") -> list[sending.BatchResult]:
    """Send batch after batch in this process until nothing is left or the campaign stops."""
    results = []
    while True:
        result = sending.batch_send(campaign_id=campaign.pk, worker=worker)
        results.append(result)
        if result.stopped or not result.claimed:
            return results


def statement_change_published(
    language: str, *, publisher, material: bool = True, summary: str = "We now keep access logs for 30 days.",
):
    """A new version of the primary statement in one language, published by `publisher` (nobody edited
    the draft through the admin, so four eyes lets them): the version the publish page announces."""
    import datetime

    from django.conf import settings

    from privacy.models import Document, Version
    from privacy.services.statements import version_publish

    draft = Version.objects.create(
        document=Document.objects.get(slug=settings.PRIVACY_PRIMARY_DOCUMENT), language=language,
        title="Privacy", body=f"New text ({language})", last_amended=datetime.date(2026, 11, 1),
        change_summary=summary,
    )
    return version_publish(version=draft, user=publisher, material=material)
