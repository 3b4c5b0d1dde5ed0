"""One record of every kind the site can hold for an address, made through the real services."""

from dataclasses import dataclass

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accesslog.models import PageView
from contact.services import message_submit
from datarights import services
from datarights.models import DataRequest, ErasureRecord, ProfileActivity, RetentionNotice
from datarights.services import workflow
from mail.hashing import address_hash
from newsletter.models import Campaign, ConsentProof, Delivery, Subscriber, Topic
from newsletter.services.bounces import BounceNotice, bounce_record
from newsletter.services.subscriptions import ConsentShown, subscription_confirm, subscription_request


@dataclass
class Holdings:
    email: str
    name: str
    subscriber: Subscriber


def opt_in(email: str, name: str, language: str = "en") -> list[Topic]:
    """Subscribe to the two topics and confirm, as a visitor does; returns the topics."""
    topics = list(Topic.objects.filter(slug__in=["newsletter", "surveys"]))
    subscription_request(
        email=email, name=name, language=language, topics=topics,
        consent=ConsentShown("I agree to receive e-mails (test text).", "1-test"), source=f"/{language}/newsletter/",
        ip="198.51.100.23",
    )
    proof = ConsentProof.objects.get(subscriber__email=email.lower(), confirmed_at__isnull=True)
    subscription_confirm(nonce=proof.nonce)
    return topics


def hold_everything(
    email: str, name: str, *, staff: User | None = None, language: str = "en", bounced: bool = True
) -> Holdings:
    topics = opt_in(email, name, language)
    subscriber = Subscriber.objects.get(email=email.lower())
    campaign = Campaign.objects.create(name="Spring news", status="sent")
    campaign.topics.set(topics[:1])
    delivery = Delivery.objects.create(campaign=campaign, subscriber=subscriber, status="sent", sent_at=timezone.now())
    if bounced:  # after the opt-in, so the address is on the suppression list
        bounce_record(notice=BounceNotice(
            email=email, kind="hard", source="mailbox", event_key=f"test:{address_hash(email)}",
            delivery_id=delivery.pk, status_code="5.1.1", reason=f"550 5.1.1 <{email.lower()}>: user unknown",
        ))

    message_submit(name=name, email=email, subject=f"Question from {name}", message="How big a battery?",
                   language=language)
    data_request = services.request_register(kind=DataRequest.Kind.ACCESS, email=email, actor=staff)
    workflow.request_note_add(data_request=data_request, text=f"{name} called about this.", actor=staff)
    workflow.request_answer(data_request=data_request, message="Your data follows.", with_export=True, actor=staff)
    services.access_link_request(email=email, language=language)
    hashed = address_hash(email)
    ErasureRecord.objects.get_or_create(address_hash=hashed, erased_at=timezone.now() - timezone.timedelta(days=400))
    RetentionNotice.objects.get_or_create(address_hash=hashed)
    ProfileActivity.objects.get_or_create(address_hash=hashed)
    if staff is not None:
        LogEntry.objects.create(
            user=staff, content_type=ContentType.objects.get_for_model(Subscriber), object_id=str(subscriber.pk),
            object_repr=str(subscriber), action_flag=CHANGE, change_message="[]",
        )
    PageView.objects.create(time=timezone.now(), path=f"/{language}/", status=200, language=language,
                            ip="198.51.100.23")
    return Holdings(email=email.lower(), name=name, subscriber=subscriber)
