"""Every public form and token endpoint against random and hostile input.

Never a 500, never stored garbage (control characters, invalid addresses), never a mail
header built from unchecked input, and return addresses never leave the site.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.validators import validate_email
from hypothesis import given
from hypothesis import strategies as st

from contact.models import ContactMessage
from mail.models import OutboxMessage
from mail.services import outbox_deliver
from newsletter.models import Subscriber, Topic

pytestmark = pytest.mark.django_db

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\r\n]")

hostile = st.one_of(
    st.text(max_size=300),
    st.sampled_from([
        "ann@example.com\r\nBcc: victim@example.com",
        "Ann\r\nX-Injected: yes",
        "a" * 5000 + "@example.com",
        "<script>alert(1)</script>",
        "\x00\x01\x02",
        "ann@exämple.com",
        "\"quoted\"@example.com",
        "//evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
    ]),
)
tokens = st.one_of(st.text(min_size=1, max_size=200).filter(lambda t: "/" not in t), st.sampled_from([
    "IjEi:1abcde:xyz", "..%2f..", "a" * 2000, "eyJ9", ":::",
]))


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.RATE_LIMIT_MULTIPLIER = 1_000_000


def _no_garbage_stored() -> None:
    for email, name in Subscriber.objects.values_list("email", "name"):
        validate_email(email)
        assert not CONTROL.search(email) and not CONTROL.search(name)
    for to_email in OutboxMessage.objects.values_list("to_email", flat=True):
        validate_email(to_email)
    for name, email, subject in ContactMessage.objects.values_list("name", "email", "subject"):
        validate_email(email)
        assert not CONTROL.search(name) and not CONTROL.search(subject)


def _no_injected_headers() -> None:
    outbox_deliver()
    for message in mail.outbox:
        raw = message.message().as_string()
        headers = raw.split("\n\n", 1)[0]
        assert "X-Injected" not in headers and "victim@example.com" not in headers
        for address in message.to:
            validate_email(address)


@given(email=hostile, name=hostile, language=hostile, consent=st.sampled_from(["on", "", "x"]), data=st.data())
def test_subscribe(client, count_case, email, name, language, consent, data):
    count_case()
    topic_ids = [str(pk) for pk in Topic.objects.values_list("pk", flat=True)]
    topics = data.draw(st.lists(st.one_of(st.sampled_from(topic_ids or ["1"]), hostile), max_size=3))
    response = client.post("/en/newsletter/", {
        "email": email, "name": name, "language": language, "topics": topics, "consent": consent,
    })
    assert response.status_code in (200, 302, 400, 429)
    _no_garbage_stored()
    _no_injected_headers()


@given(name=hostile, email=hostile, subject=hostile, message=hostile)
def test_contact(client, count_case, name, email, subject, message):
    count_case()
    response = client.post("/nl/contact/", {"name": name, "email": email, "subject": subject, "message": message})
    assert response.status_code in (200, 302, 400, 429)
    _no_garbage_stored()


@given(email=hostile)
def test_data_request_link(client, count_case, email):
    count_case()
    response = client.post("/en/privacy/my-data/", {"email": email})
    assert response.status_code in (200, 302, 400, 429)
    _no_injected_headers()


@given(token=tokens, body=st.one_of(st.just("List-Unsubscribe=One-Click"), hostile))
def test_token_endpoints(client, count_case, token, body):
    count_case()
    from urllib.parse import quote

    quoted = quote(token, safe="")
    for path in (f"/en/newsletter/confirm/{quoted}/", f"/nl/newsletter/unsubscribe/{quoted}/",
                 f"/en/newsletter/preferences/{quoted}/", f"/en/privacy/my-data/open/{quoted}/"):
        assert client.get(path).status_code < 500, path
        posted = client.generic("POST", path, body.encode("utf-8", "surrogatepass"),
                                content_type="application/x-www-form-urlencoded")
        assert posted.status_code < 500, path


@given(action=hostile, categories=st.lists(hostile, max_size=5), revision=hostile, next_url=hostile)
def test_consent_decision(client, count_case, action, categories, revision, next_url):
    count_case()
    response = client.post("/en/privacy/consent/", {
        "action": action, "category": categories, "revision": revision, "next": next_url, "source": "banner",
    })
    assert response.status_code < 500
    location = urlsplit(response.get("Location", "/"))
    assert location.scheme in ("", "http") and location.netloc in ("", "testserver")


@given(body=st.binary(max_size=4000))
def test_invalid_utf8_and_huge_bodies(client, count_case, body):
    count_case()
    for path in ("/en/newsletter/", "/nl/contact/", "/en/privacy/my-data/", "/en/privacy/consent/"):
        response = client.generic("POST", path, body, content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500, path


@pytest.mark.parametrize("path", ["/en/newsletter/", "/nl/contact/", "/en/privacy/my-data/", "/en/privacy/consent/"])
def test_huge_bodies_are_refused_cleanly(client, path):
    body = b"email=" + b"a" * (3 * 1024 * 1024)
    response = client.generic("POST", path, body, content_type="application/x-www-form-urlencoded")
    assert 400 <= response.status_code < 500
    assert not Subscriber.objects.exists() and not ContactMessage.objects.exists()
