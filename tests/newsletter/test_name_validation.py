"""A person's name is one line of printable text, at every newsletter entry point: the subscribe
form, the preferences page, and the models themselves (admin forms and imports use them)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.test import Client
from django.utils import translation

from newsletter.messages import Recipient, campaign_message, content_render, topic_list
from newsletter.models import ConsentProof, Subscriber, Topic

from .factories import confirmed_subscriber

pytestmark = pytest.mark.django_db

INJECTION = "Eve\r\nBcc: attacker@evil.example"
REFUSED = [INJECTION, "Eve\nX-Injected: yes", "Eve\rBcc: x@evil.example", "Eve\x00", "Eve\u2028Bcc: x",
           "Eve\u202egnirts", "Eve\x1b[31m", "E" * 151]
MESSAGES = {
    "en": ("A name can only hold letters, digits, spaces and punctuation, on one line.",
           "A name can have at most 150 characters."),
    "nl": ("Een naam bevat alleen letters, cijfers, spaties en leestekens, op één regel.",
           "Een naam heeft hoogstens 150 tekens."),
}


def _preferences_path(subscriber: Subscriber, topic: Topic) -> str:
    """The preferences link as the subscriber gets it: in a campaign message."""
    content = content_render(language=subscriber.language, subject="News", body="News.")
    recipient = Recipient(email=subscriber.email, name=subscriber.name, language=subscriber.language,
                          uuid=subscriber.uuid)
    message = campaign_message(content=content, recipient=recipient, topics=topic_list([topic]))
    return re.search(r"https?://[^/\s]+(/\S+/newsletter/preferences/[^/\s]+/)", message.text).group(1)


def _expected(language: str, name: str) -> str:
    characters, length = MESSAGES[language]
    return length if len(name) > 150 else characters


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("name", REFUSED)
def test_subscribe_refuses_the_name_in_the_visitors_language(client, settings, topic, language, name):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    response = client.post(f"/{language}/newsletter/", {
        "email": "eve@example.com", "name": name, "language": language, "topics": [topic.pk], "consent": "on",
    }, REMOTE_ADDR="192.0.2.81")
    assert response.status_code == 400
    assert _expected(language, name) in response.content.decode()
    assert not Subscriber.objects.filter(email="eve@example.com").exists()


def test_subscribe_keeps_names_in_any_script(client, settings, topic):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    name = "Zoë O'Brien-Ülker (آرش\u200cزاده)"  # a zero-width non-joiner belongs in Persian names
    response = client.post("/en/newsletter/", {
        "email": "zoe@example.com", "name": name, "language": "en", "topics": [topic.pk], "consent": "on",
    }, REMOTE_ADDR="192.0.2.82")
    assert response.status_code == 302
    assert ConsentProof.objects.get(subscriber__email="zoe@example.com").requested_name == name


@pytest.mark.parametrize("name", REFUSED)
def test_preferences_refuse_the_name_and_keep_the_old_one(topic, name):
    eve = confirmed_subscriber("eve@example.com", topic, language="nl", name="Eve")
    url = _preferences_path(eve, topic)
    response = Client().post(
        url, {"name": name, "language": "nl", "topics": [str(topic.pk)], "action": "save"},
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert response.status_code == 400
    assert _expected("nl", name) in response.content.decode()
    eve.refresh_from_db()
    assert eve.name == "Eve"


@pytest.mark.parametrize("name", REFUSED)
def test_a_model_form_refuses_the_name(name):
    """The admin shows subscribers read-only today; an admin form or an import form made from
    the model later gets the check from the model field."""
    form_class = modelform_factory(Subscriber, fields=["email", "name", "language"])
    form = form_class({"email": "eve@example.com", "name": name, "language": "en"})
    # Over-long or with a NUL, the form field made from the model answers first, with Django's message.
    expected = {"E" * 151: "Ensure this value has at most 150 characters (it has 151).",
                "Eve\x00": "Null characters are not allowed."}.get(name, MESSAGES["en"][0])
    with translation.override("en"):
        assert not form.is_valid()
        assert form.errors == {"name": [expected]}
    assert modelform_factory(Subscriber, fields=["email", "name", "language"])(
        {"email": "eve@example.com", "name": "Eve Adams", "language": "en"}
    ).is_valid()


def test_every_stored_name_is_checked_by_the_model():
    """What an import or any other code that calls full_clean meets."""
    eve = Subscriber(email="eve@example.com", language="en", name=INJECTION)
    with pytest.raises(ValidationError) as refused:
        eve.full_clean()
    assert list(refused.value.message_dict) == ["name"]
    eve.name = "Eve"
    eve.full_clean()
    eve.save()
    proof = ConsentProof(subscriber=eve, language="en", consent_text="t", consent_version="1", source="/",
                         requested_name=INJECTION)
    with pytest.raises(ValidationError) as refused:
        proof.full_clean()
    assert list(refused.value.message_dict) == ["requested_name"]
