"""The one e-mail normaliser: the form every app stores, looks up and hashes an address in."""

import hashlib
import hmac

import pytest
from django.conf import settings

from core.email import email_normalize
from datarights import selectors, services
from datarights.models import DataRequest
from mail.hashing import address_hash
from newsletter.forms import SubscribeForm
from newsletter.models import Subscriber, Topic


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (" Ann.Smith@Example.ORG\n", "ann.smith@example.org"),
        ("ANN@EXAMPLE.COM", "ann@example.com"),
        ("\tbob+news@example.be ", "bob+news@example.be"),
    ],
)
def test_an_address_is_trimmed_and_lower_cased_whole(typed, stored):
    # The local part too: stored rows and erasure hashes were all written this way.
    assert email_normalize(typed) == stored


@pytest.mark.django_db
def test_an_address_typed_in_another_case_reaches_the_same_person():
    topic = Topic.objects.filter(is_public=True).first()
    form = SubscribeForm(
        {"email": " Ann.Smith@Example.ORG", "name": "Ann", "language": "en", "topics": [topic.pk], "consent": "on"},
        topics=[topic],
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == "ann.smith@example.org"

    Subscriber.objects.create(email="ann.smith@example.org", name="Ann", language="en")
    export = selectors.personal_data_export("ANN.SMITH@example.org ")
    newsletter = next(part for part in export["parts"] if part["key"] == "newsletter")
    profile = next(kind for kind in newsletter["kinds"] if kind["key"] == "subscriber")
    assert [record["email"] for record in profile["records"]] == ["ann.smith@example.org"]

    request = services.request_register(kind=DataRequest.Kind.ACCESS, email=" Ann.Smith@EXAMPLE.org", actor=None)
    assert request.subject_email == "ann.smith@example.org"
    # Erasure hashes stored earlier stay valid: the hash is of the normalised form.
    expected = hmac.new(settings.ERASURE_HMAC_KEY.encode(), b"ann.smith@example.org", hashlib.sha256).hexdigest()
    assert request.subject_hash == expected == address_hash("ANN.SMITH@EXAMPLE.ORG")
