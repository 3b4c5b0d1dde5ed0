"""An existing database, populated before the redesign (issue 11), migrates to the new shape with
nothing lost: every row of every table, the values of the rows people rely on, every group's
rights (following their models to consent/ and mail/), and the triggers that freeze evidence."""

import datetime
import importlib

import pytest
from django.apps import apps as current_apps
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from mail.hashing import address_hash
from staff.roles import ROLES
from tests.migrating import group_rights, latest, migrate, permissions_create

CONSENT_0004 = importlib.import_module("consent.migrations.0004_integrations")

# The leaf migrations at c8043a2, the last commit before the redesign; consent/ and mail/ did not exist.
BEFORE_THE_REDESIGN = [
    ("privacy", "0007_registry_mydata_cookie"), ("newsletter", "0005_person_name_validated"),
    ("datarights", "0001_initial"), ("accesslog", "0003_ip_truncated_when_written"),
    ("pages", "0003_company_identity"), ("contact", "0001_initial"), ("staff", "0001_roles"),
    ("consent", None), ("mail", None),
]
CONSENT_MODELS = ("category", "cookie", "registryrevision", "consentrecord", "gpcrefusalday")
# (old label, model) -> new label: the documented moves.
RELABELLED = {
    **{("privacy", model): "consent" for model in CONSENT_MODELS},
    ("newsletter", "outboxmessage"): "mail",
    ("newsletter", "suppression"): "mail",
}
# datarights.SuppressedAddress is the same table as mail.Suppression, whose rights come from the
# newsletter's suppression; it was never in the admin, so its rights let nobody see anything.
GONE = {("datarights", "suppressedaddress")}
FORWARD_TO = ["info@ilumen.be", "sales@ilumen.be"]


def _row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            if table != "django_migrations":
                cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - the catalogue's names
                counts[table] = cursor.fetchone()[0]
    return counts


def _moved(rights: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    return {(RELABELLED.get((label, model), label), model, code) for label, model, code in rights
            if (label, model) not in GONE}


def _populate(old, now: datetime.datetime) -> dict:
    """Rows at the old schema, written with the models as they were then."""
    document = old.get_model("privacy", "Document").objects.create(slug="test-moved", name="Moved statement")
    version = old.get_model("privacy", "Version").objects.create(
        document=document, language="en", number=1, title="Before", body="Kept **as published**.",
        last_amended=datetime.date(2026, 11, 1), status="published", published_at=now,
    )
    category = old.get_model("privacy", "Category").objects.create(
        key="test_moved", position=9, name_nl="Verhuisd", name_en="Moved",
        description_nl="Voor de test.", description_en="For the test.",
    )
    old.get_model("privacy", "Cookie").objects.create(
        category=category, name="moved_*", provider="Test", purpose_nl="Test", purpose_en="Test",
        lifetime_nl="1 dag", lifetime_en="1 day",
    )
    revisions = old.get_model("privacy", "RegistryRevision").objects
    latest = revisions.order_by("-number").first()  # the seeded one, unless an earlier test flushed the tables
    revision = revisions.create(number=(latest.number if latest else 0) + 1, snapshot={"categories": []})
    record = old.get_model("privacy", "ConsentRecord").objects.create(
        method="settings", granted=["test_moved"], refused=["marketing"], registry_revision=revision,
        statement_version=version, language="nl", gpc=True, ip_prefix="192.0.2.0", user_agent_hash="ab" * 32,
    )

    topic = old.get_model("newsletter", "Topic").objects.create(slug="test-moved", name_nl="Verhuisd", name_en="Moved")
    subscriber_model = old.get_model("newsletter", "Subscriber")
    ann = subscriber_model.objects.create(email="ann@example.com", name="Ann", language="en")
    bob = subscriber_model.objects.create(email="bob@example.com", name="Bob", language="nl")
    proof = old.get_model("newsletter", "ConsentProof").objects.create(
        subscriber=ann, requested_name="Ann", language="en", consent_text="Yes, send me news.",
        consent_version="2026-1", source="/en/newsletter/", ip_truncated="192.0.2.0", given_at=now, confirmed_at=now,
    )
    proof.topics.add(topic)
    old.get_model("newsletter", "Subscription").objects.create(
        subscriber=ann, topic=topic, status="confirmed", proof=proof, confirmed_at=now,
    )
    campaign = old.get_model("newsletter", "Campaign").objects.create(
        name="November", topic=topic, status="sending", started_at=now, populated=True,
    )
    old.get_model("newsletter", "CampaignContent").objects.create(
        campaign=campaign, language="en", subject="News", body="Hello **all**.",
    )
    deliveries = old.get_model("newsletter", "Delivery").objects
    deliveries.create(campaign=campaign, subscriber=ann, status="sent", tries=1, sent_at=now, message_id="<1@ilumen>")
    deliveries.create(campaign=campaign, subscriber=bob, status="pending", tries=2, last_error="421 try later")

    outbox = old.get_model("newsletter", "OutboxMessage").objects.create(
        template="newsletter/email/confirm", to_email="ann@example.com", language="en", context={"link": "/c/1"},
    )
    old.get_model("newsletter", "Suppression").objects.create(
        email="bounced@example.com", reason="bounce", source="webhook", detail="550 no such user", created_at=now,
    )
    old.get_model("datarights", "SuppressedAddress").objects.create(
        address_hash=address_hash("erased@example.com"), reason="erasure", created_at=now,
    )
    data_request = old.get_model("datarights", "DataRequest").objects.create(
        kind="access", channel="email", subject_email="carol@example.com",
        subject_hash=address_hash("carol@example.com"), received_on=now.date(),
        due_on=now.date() + datetime.timedelta(days=30),
    )
    message = old.get_model("contact", "ContactMessage").objects.create(
        name="Dirk", email="dirk@example.be", subject="Offerte", message="Graag een prijs.", language="nl",
        created_at=now, forward_error="SMTP timeout",
    )
    return {"version": version.pk, "record": record.pk, "revision": revision.pk, "ann": ann.pk, "bob": bob.pk,
            "proof": proof.pk, "campaign": campaign.pk, "outbox": outbox.pk, "data_request": data_request.pk,
            "message": message.pk}


def _added_since(old, label_then: str, label: str, codename: str) -> bool:
    """Whether a default right (view_x, add_x, ...) is on a model added since the old schema (the
    cookie audit's reports, say): no group could hold it then; roles_sync grants it on the next migrate."""
    action, _sep, model = codename.partition("_")
    then = {m._meta.model_name for m in old.get_app_config(label_then).get_models()}
    now = {m._meta.model_name for m in current_apps.get_app_config(label).get_models()}
    return action in ("view", "add", "change", "delete") and model in now - then


def _rights_as_before_the_redesign(old) -> dict[str, set[tuple[str, str]]]:
    """The staff groups as staff/roles.py had them then, and a group an administrator made with every
    right. Returns each role's rights on models added since."""
    groups, permissions = old.get_model("auth", "Group").objects, old.get_model("auth", "Permission").objects
    labels_then = {"consent": "privacy", "mail": "newsletter"}
    added: dict[str, set[tuple[str, str]]] = {}
    for name, grants in ROLES.items():
        rights = {(label, code) for label, codes in grants.items() for code in codes}
        added[name] = {(label, code) for label, code in rights
                       if _added_since(old, labels_then.get(label, label), label, code)}
        wanted = {(labels_then.get(label, label), code) for label, code in rights - added[name]}
        found = [p for p in permissions.select_related("content_type")
                 if (p.content_type.app_label, p.codename) in wanted]
        assert len(found) == len(wanted), f"{name}: a right missing at the old schema"
        groups.get_or_create(name=name)[0].permissions.set(found)
    groups.create(name="Everything").permissions.set(permissions.all())
    return added


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_redesign_keeps_every_row_and_right(settings):
    settings.CONTACT_FORWARD_TO = FORWARD_TO
    now = timezone.now().replace(microsecond=0)
    try:
        old = migrate(BEFORE_THE_REDESIGN)
        permissions_create(old)
        added_since = _rights_as_before_the_redesign(old)
        pk = _populate(old, now)
        rights_before, counts_before = group_rights(old), _row_counts()
    finally:
        migrate(latest())
    ContentType.objects.clear_cache()

    # Every table keeps its rows, but for the documented changes.
    expected = dict(counts_before)
    expected["datarights_suppressedaddress"] += expected.pop("newsletter_suppression")  # hashed into the one list
    expected["newsletter_outboxmessage"] += len(FORWARD_TO)  # the unforwarded contact message, queued
    lost_rights = {right for right in rights_before["Everything"] if right[:2] in GONE}
    assert len(lost_rights) == 4  # view, add, change and delete of the old hash list
    expected["django_content_type"] -= 1
    expected["auth_permission"] -= len(lost_rights)
    expected["auth_group_permissions"] -= len(lost_rights)
    counts_after = _row_counts()
    expected.update({table: 0 for table in counts_after.keys() - counts_before.keys()})  # tables added since: empty
    expected["newsletter_campaign_topics"] = 1  # but for the campaign's one topic, now its segment (newsletter/0011)
    # but for what consent/0004 seeds: one integration of each kind, and Matomo's two cookies beside the
    # analytics category (none when an earlier transactional test emptied the registry)
    matomo = current_apps.get_model("consent", "Cookie").objects.filter(integration="matomo").count()
    analytics = current_apps.get_model("consent", "Category").objects.filter(key="analytics").count()
    assert matomo == len(CONSENT_0004.MATOMO_COOKIES) * analytics
    expected["consent_integration"] = len(CONSENT_0004.CATEGORY)
    expected["privacy_cookie"] += matomo
    assert counts_after == expected

    # Every group keeps its rights, following the moved models; the staff roles are what staff/roles.py says.
    rights_after = group_rights(current_apps)
    assert rights_after == {group: _moved(rights) for group, rights in rights_before.items()}
    for name, grants in ROLES.items():
        assert {(label, code) for label, _model, code in rights_after[name]} | added_since[name] == {
            (label, code) for label, codes in grants.items() for code in codes
        }
    assert ("consent", "consentrecord", "view_consentrecord") in rights_after["Legal"]
    assert ("mail", "suppression", "view_suppression") in rights_after["Marketing"]

    from consent.models import ConsentRecord, Cookie, RegistryRevision
    from contact.models import ContactMessage
    from datarights.models import DataRequest
    from mail.models import OutboxMessage, Suppression
    from newsletter.models import Campaign, ConsentProof, Delivery, Subscriber, Subscription
    from privacy.models import Version

    version = Version.objects.get(pk=pk["version"])
    assert (version.document.slug, version.status, version.number, version.body, version.published_at) == (
        "test-moved", "published", 1, "Kept **as published**.", now
    )
    cookie = Cookie.objects.get(name="moved_*")
    assert (cookie.category.key, cookie.category.name_nl, cookie.lifetime_en) == ("test_moved", "Verhuisd", "1 day")
    record = ConsentRecord.objects.get(pk=pk["record"])
    assert (record.method, record.granted, record.refused, record.gpc, record.ip_prefix, record.user_agent_hash) == (
        "settings", ["test_moved"], ["marketing"], True, "192.0.2.0", "ab" * 32
    )
    assert (record.registry_revision_id, record.statement_version_id) == (pk["revision"], pk["version"])
    assert RegistryRevision.objects.get(pk=pk["revision"]).snapshot == {"categories": []}

    ann = Subscriber.objects.get(pk=pk["ann"])
    assert (ann.email, ann.name, ann.language) == ("ann@example.com", "Ann", "en")
    proof = ConsentProof.objects.get(pk=pk["proof"])
    assert (proof.subscriber_id, proof.consent_text, proof.ip_truncated, proof.confirmed_at) == (
        ann.pk, "Yes, send me news.", "192.0.2.0", now
    )
    assert list(proof.topics.values_list("slug", flat=True)) == ["test-moved"]
    subscription = Subscription.objects.get(subscriber=ann)
    assert (subscription.topic.slug, subscription.status, subscription.proof_id) == (
        "test-moved", "confirmed", proof.pk
    )
    campaign = Campaign.objects.get(pk=pk["campaign"])
    assert (campaign.status, campaign.populated, campaign.started_at) == ("sending", True, now)
    assert list(campaign.topics.values_list("slug", flat=True)) == ["test-moved"]
    assert (campaign.audience_language, campaign.subscribed_since, campaign.subscribed_before) == ("", None, None)
    assert list(campaign.contents.values_list("language", "subject", "body")) == [("en", "News", "Hello **all**.")]
    assert set(Delivery.objects.filter(campaign=campaign).values_list(
        "subscriber_id", "status", "tries", "sent_at", "message_id", "last_error"
    )) == {(pk["ann"], "sent", 1, now, "<1@ilumen>", ""), (pk["bob"], "pending", 2, None, "", "421 try later")}

    outbox = OutboxMessage.objects.get(pk=pk["outbox"])
    assert (outbox.template, outbox.to_email, outbox.context, outbox.status) == (
        "newsletter/email/confirm", "ann@example.com", {"link": "/c/1"}, "pending"
    )
    assert set(Suppression.objects.values_list("address_hash", "reason", "source", "created_at")) == {
        (address_hash("bounced@example.com"), "bounce", "webhook", now),
        (address_hash("erased@example.com"), "erasure", "", now),
    }
    data_request = DataRequest.objects.get(pk=pk["data_request"])
    assert (data_request.kind, data_request.status, data_request.subject_email, data_request.subject_hash) == (
        "access", "open", "carol@example.com", address_hash("carol@example.com")
    )
    message = ContactMessage.objects.get(pk=pk["message"])
    assert (message.name, message.email, message.message) == ("Dirk", "dirk@example.be", "Graag een prijs.")
    assert message.forwarded_at is not None
    forwards = OutboxMessage.objects.filter(template="contact/email/forward")
    assert sorted(forwards.values_list("to_email", "reply_to", "status")) == [
        (address, "dirk@example.be", "pending") for address in FORWARD_TO
    ]
    assert all(forward.context["message"]["number"] == message.pk for forward in forwards)

    with pytest.raises(DatabaseError, match="published statement versions cannot be changed"), transaction.atomic():
        Version.objects.filter(pk=version.pk).update(title="Rewritten")
    with pytest.raises(DatabaseError, match="consent records cannot be changed"), transaction.atomic():
        ConsentRecord.objects.filter(pk=record.pk).update(method="banner")
