"""/<lang>/privacy/my-data/: link by e-mail, see, download, correct, erase; bad links; no enumeration."""

import datetime
import json
import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from contact.models import ContactMessage
from datarights import tokens
from datarights.models import AccessLink, DataRequest, DataRequestEvent
from mail.hashing import address_hash
from newsletter.models import Subscriber, Subscription

from .conftest import delivered, link_in
from .holdings import hold_everything

pytestmark = pytest.mark.django_db

ADDRESS = "ann.self-5520@example.org"


def _ask(client, email: str, language: str = "en", ip: str = "203.0.113.9", **extra):
    return client.post(f"/{language}/privacy/my-data/", {"email": email, **extra}, REMOTE_ADDR=ip)


def _without_csrf(response) -> str:
    """The page without what differs on every response anyway (CSRF token, CSP nonce)."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'nonce="[^"]+"', "", text)


def _open(client, email: str = ADDRESS, language: str = "en") -> str:
    """Ask for a link, take it from the e-mail, press the button; returns the link path."""
    mail.outbox.clear()
    assert _ask(client, email, language).status_code == 302
    message = [m for m in delivered() if m.to == [email] and "/my-data/open/" in m.body][-1]
    path = link_in(message, "/my-data/open/")
    page = client.get(path)
    assert page.status_code == 200 and b'method="post"' in page.content
    opened = client.post(path)
    assert opened.status_code == 302 and opened["Location"] == f"/{language}/privacy/my-data/view/"
    return path


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_whole_flow_in_both_languages(client, language, staff):
    hold_everything(ADDRESS, "Ann Self", staff=staff, language=language)
    start = client.get(f"/{language}/privacy/my-data/")
    assert start.status_code == 200
    path = _open(client, language=language)
    assert f"/{language}/privacy/my-data/open/" in path
    message = [m for m in mail.outbox if "/my-data/open/" in m.body][-1]
    assert ("gegevens" in message.subject) == (language == "nl")
    assert path in message.alternatives[0].content

    overview = client.get(f"/{language}/privacy/my-data/view/")
    assert overview.status_code == 200
    assert overview["Cache-Control"] == "no-store"
    body = overview.content.decode()
    assert ADDRESS in body and "How big a battery?" in body
    assert ("Uw gegevens" in body) == (language == "nl")

    download = client.get(f"/{language}/privacy/my-data/download/")
    assert download["Content-Disposition"].startswith("attachment;")
    export = json.loads(download.content)
    assert export["email"] == ADDRESS and export["language"] == language
    contact = next(part for part in export["parts"] if part["key"] == "contact")
    assert contact["title"] == ("Contactformulier" if language == "nl" else "Contact form")

    # Opening the link was recorded as an access request, without the address.
    access = DataRequest.objects.get(channel="self_service", kind="access")
    assert access.subject_email == "" and access.subject_hash == address_hash(ADDRESS) and access.status == "done"
    assert list(access.events.values_list("action", flat=True)) == ["registered", "viewed", "exported"]


def test_the_answer_is_the_same_for_every_address(client, staff):
    hold_everything(ADDRESS, "Ann Self", staff=staff)
    delivered()
    mail.outbox.clear()
    known = _ask(client, ADDRESS)
    unknown = _ask(client, "nobody-here@example.org")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert _without_csrf(client.get(known["Location"])) == _without_csrf(client.get(unknown["Location"]))
    # Both get a link (the unknown one to a page that holds nothing): nothing to learn from the mailbox either.
    assert sorted(m.to[0] for m in delivered()) == sorted([ADDRESS, "nobody-here@example.org"])
    # Asking too often for one address looks the same too.
    for _ in range(5):
        again = _ask(client, "nobody-here@example.org", ip="203.0.113.10")
        assert again.status_code == 302 and again["Location"] == known["Location"]


def test_an_address_without_data_sees_that_nothing_is_held(client):
    _open(client, "empty-1@example.org")
    page = client.get("/en/privacy/my-data/view/").content.decode()
    assert "Nothing is held for your address here." in page


def test_honeypot_and_rate_limit_per_ip(client, settings):
    bot = _ask(client, ADDRESS, website="http://spam.example")
    assert bot.status_code == 302 and not AccessLink.objects.exists()
    settings.DATARIGHTS_LINKS_PER_IP = 2
    assert _ask(client, "a1@example.org").status_code == 302
    assert _ask(client, "a2@example.org").status_code == 302
    blocked = _ask(client, "a3@example.org", language="nl")
    assert blocked.status_code == 429 and "Te veel" in blocked.content.decode()
    assert AccessLink.objects.count() == 2


def test_invalid_address_is_a_clear_error(client):
    response = _ask(client, "not-an-address", language="nl")
    assert response.status_code == 400
    assert "geldig e-mailadres" in response.content.decode()


@pytest.mark.parametrize("language", ["en", "nl"])
def test_forged_expired_and_reused_links_are_refused_clearly(client, language):
    words = {
        "en": ("does not work", "has expired", "already used"),
        "nl": ("werkt niet", "is verlopen", "al gebruikt"),
    }[language]
    link = AccessLink.objects.create(email=ADDRESS, language=language,
                                     expires_at=timezone.now() + datetime.timedelta(hours=2))
    good = tokens.link_token(link.pk)
    forged = good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb")
    for method in (client.get, client.post):
        response = method(f"/{language}/privacy/my-data/open/{forged}/")
        assert response.status_code == 400 and words[0] in response.content.decode()
        assert response["Referrer-Policy"] == "no-referrer"
    other_salt = f"/{language}/privacy/my-data/open/{link.pk.hex}:1abc:xyz/"
    assert client.get(other_salt).status_code == 400

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=3)):
        expired = client.post(f"/{language}/privacy/my-data/open/{good}/")
        assert expired.status_code == 410 and words[1] in expired.content.decode()
        assert b'name="email"' in expired.content  # with a form for a new link
    assert AccessLink.objects.get(pk=link.pk).used_at is None

    assert client.post(f"/{language}/privacy/my-data/open/{good}/").status_code == 302
    for method in (client.get, client.post):
        reused = method(f"/{language}/privacy/my-data/open/{good}/")
        assert reused.status_code == 410 and words[2] in reused.content.decode()


def test_the_session_ends_and_pages_behind_it_refuse(client):
    _open(client)
    assert client.get("/en/privacy/my-data/view/").status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        for page in ("view", "download", "correct", "erase"):
            ended = client.get(f"/en/privacy/my-data/{page}/")
            assert ended.status_code == 403 and "session has ended" in ended.content.decode(), page
        assert client.post("/en/privacy/my-data/erase/", {"confirm": "yes"}).status_code == 403
        assert client.post("/en/privacy/my-data/correct/", {}).status_code == 403
        assert not DataRequest.objects.filter(kind=DataRequest.Kind.ERASURE).exists()
    fresh = client.__class__()
    assert fresh.get("/en/privacy/my-data/view/").status_code == 403  # no cookie at all
    # A cookie naming a link, but not signed by us.
    fresh.cookies[tokens.SESSION_COOKIE] = AccessLink.objects.get().pk.hex
    assert fresh.get("/en/privacy/my-data/view/").status_code == 403


def test_closing_the_page_ends_the_session(client):
    _open(client)
    client.post("/en/privacy/my-data/end/")
    assert client.get("/en/privacy/my-data/view/").status_code == 403


def test_correct_name_language_and_topics(client, staff):
    hold = hold_everything(ADDRESS, "Ann Self", staff=staff)
    _open(client)
    form = client.get("/en/privacy/my-data/correct/").content.decode()
    assert 'value="Ann Self"' in form
    topics = list(Subscription.objects.filter(subscriber=hold.subscriber, status="confirmed").values_list(
        "topic_id", flat=True))
    assert len(topics) == 2
    done = client.post("/en/privacy/my-data/correct/", {
        "newsletter__name": "Ann Corrected", "newsletter__language": "nl", "newsletter__topics": [str(topics[0])],
    })
    assert done.status_code == 302 and done["Location"].endswith("?done=corrected")
    subscriber = Subscriber.objects.get(pk=hold.subscriber.pk)
    assert (subscriber.name, subscriber.language) == ("Ann Corrected", "nl")
    statuses = dict(Subscription.objects.filter(subscriber=subscriber).values_list("topic_id", "status"))
    assert statuses == {topics[0]: "confirmed", topics[1]: "unsubscribed"}
    correction = DataRequest.objects.get(kind="correction")
    event = correction.events.get(action="corrected")
    assert sorted(event.detail["fields"]) == ["newsletter.language", "newsletter.name", "newsletter.topics"]
    assert "Ann" not in json.dumps(event.detail)


def test_erase_asks_first_then_removes_everything(client, staff):
    hold_everything(ADDRESS, "Ann Self", staff=staff)
    _open(client, language="nl")
    confirm = client.get("/nl/privacy/my-data/erase/")
    page = confirm.content.decode()
    assert confirm.status_code == 200
    assert "Wat we verwijderen" in page and "Wat we bewaren, en waarom" in page
    assert "sleutel" in page  # the keyed hash that stays, explained
    assert Subscriber.objects.filter(email=ADDRESS).exists()  # a GET erases nothing

    erased = client.post("/nl/privacy/my-data/erase/", {"confirm": "yes"})
    assert erased.status_code == 200 and "gewist" in erased.content.decode()
    assert not Subscriber.objects.filter(email=ADDRESS).exists()
    assert not ContactMessage.objects.filter(email=ADDRESS).exists()
    assert not AccessLink.objects.filter(email=ADDRESS).exists()
    request = DataRequest.objects.get(kind="erasure")
    assert request.status == "done" and request.subject_email == ""
    assert request.events.filter(action=DataRequestEvent.Action.ERASED).exists()
    # The session went with the data.
    assert client.get("/nl/privacy/my-data/view/").status_code == 403


def test_token_urls_never_reach_the_access_log(client):
    from accesslog.buffer import buffer
    from accesslog.models import PageView

    buffer.clear()
    path = _open(client)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    client.get("/en/privacy/my-data/view/?email=" + ADDRESS)
    buffer.flush()
    logged = list(PageView.objects.values_list("path", flat=True))
    assert "/en/privacy/my-data/open/:token/" in logged
    assert "/en/privacy/my-data/view/" in logged
    assert not [p for p in logged if token in p or "@" in p or re.search(r"[0-9a-f]{32}", p)]
