"""Consent proofs name the privacy statement version the person was shown, and cannot be rewritten
(issue 15, point 4): a trigger refuses every UPDATE except the confirmation time set once and
the subscriber changed by a merge that says so; erasure and retention still delete proofs."""

import re

import pytest
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from mail.services import outbox_deliver
from newsletter.models import ConsentProof, Subscriber, Topic
from newsletter.services.retention import subscribers_delete
from privacy.selectors import statement_version_in_force_id

from .factories import confirmed_subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def _raw_update(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_proof_names_the_version_in_force_in_the_form_language_and_keeps_the_url(client, seeded, language):
    client.post(f"/{language}/newsletter/", {
        "email": "ann@example.com", "name": "Ann", "language": language,
        "topics": [Topic.objects.get(slug="newsletter").pk], "consent": "on",
    }, REMOTE_ADDR="192.0.2.77", HTTP_SEC_FETCH_SITE="same-origin")
    proof = ConsentProof.objects.get(subscriber__email="ann@example.com")
    shown = statement_version_in_force_id(language)
    assert shown is not None and proof.statement_version_id == shown
    assert proof.statement_version.language == language and proof.statement_version.is_published
    assert f"/{language}/privacy/" in proof.consent_text

    outbox_deliver()
    link = re.search(r"https?://\S+(/\w\w/newsletter/confirm/[^/\s]+/)", mail.outbox[0].body).group(1)
    assert client.post(link).status_code == 200
    proof.refresh_from_db()
    assert proof.confirmed_at is not None and proof.statement_version_id == shown


def test_without_a_published_statement_the_proof_names_none(client):
    client.post("/en/newsletter/", {
        "email": "bo@example.com", "language": "en", "topics": [Topic.objects.get(slug="newsletter").pk],
        "consent": "on",
    }, REMOTE_ADDR="192.0.2.78", HTTP_SEC_FETCH_SITE="same-origin")
    assert ConsentProof.objects.get(subscriber__email="bo@example.com").statement_version_id is None


@pytest.mark.parametrize("column, value", [
    ("consent_text", "something else"), ("source", "/forged/"), ("given_at", "2020-01-01T00:00:00Z"),
    ("ip_truncated", "198.51.100.0"), ("consent_version", "9"), ("statement_version_id", "set below"),
])
def test_raw_sql_cannot_rewrite_a_proof(seeded, column, value):
    topic = Topic.objects.get(slug="newsletter")
    subscriber = confirmed_subscriber("cy@example.com", topic)
    proof = subscriber.proofs.get()
    if column == "statement_version_id":  # the test's proof names none: naming one afterwards is refused too
        value = statement_version_in_force_id("en")
    with pytest.raises(DatabaseError, match="consent proofs cannot be changed"):
        _raw_update(f"UPDATE newsletter_consentproof SET {column} = %s WHERE id = %s",  # noqa: S608 - our names
                    [value, proof.pk])


def test_the_confirmation_time_is_set_once(db):
    topic = Topic.objects.get(slug="newsletter")
    subscriber = Subscriber.objects.create(email="di@example.com", language="en")
    proof = ConsentProof.objects.create(subscriber=subscriber, language="en", consent_text="t", consent_version="1",
                                        source="/t/")
    proof.topics.add(topic)
    ConsentProof.objects.filter(pk=proof.pk).update(confirmed_at=timezone.now())  # from NULL: allowed
    with pytest.raises(DatabaseError, match="consent proofs cannot be changed"):
        _raw_update("UPDATE newsletter_consentproof SET confirmed_at = now() + interval '1 day' WHERE id = %s",
                    [proof.pk])
    with pytest.raises(DatabaseError, match="consent proofs cannot be changed"):
        _raw_update("UPDATE newsletter_consentproof SET confirmed_at = NULL WHERE id = %s", [proof.pk])


def test_a_proof_moves_to_another_subscriber_only_inside_a_declared_merge(db):
    topic = Topic.objects.get(slug="newsletter")
    proof = confirmed_subscriber("ed@example.com", topic).proofs.get()
    other = Subscriber.objects.create(email="ed.new@example.com", language="en")
    with pytest.raises(DatabaseError, match="consent proofs cannot be changed"):
        _raw_update("UPDATE newsletter_consentproof SET subscriber_id = %s WHERE id = %s", [other.pk, proof.pk])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL newsletter.proofs_merge = 'on'")
        cursor.execute("UPDATE newsletter_consentproof SET subscriber_id = %s WHERE id = %s", [other.pk, proof.pk])
    proof.refresh_from_db()
    assert proof.subscriber_id == other.pk


def test_a_proof_can_still_be_deleted(db):
    proof = confirmed_subscriber("fi@example.com", Topic.objects.get(slug="newsletter")).proofs.get()
    subscribers_delete(ids=[proof.subscriber_id])  # what erasure and the retention rules call
    assert not ConsentProof.objects.filter(pk=proof.pk).exists()
