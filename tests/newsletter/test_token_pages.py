"""Pages reached through a personal link: the same protective headers on every answer, and
HEAD answered as GET (never as the POST that acts)."""

import pytest
from django.test import Client

from core.security import TOKEN_PAGE_HEADERS
from newsletter.models import Subscription
from newsletter.tokens import preferences_token_make, unsubscribe_token_make

from .factories import confirmed_subscriber

pytestmark = pytest.mark.django_db

FORGED = [
    "/en/newsletter/confirm/forged/", "/en/newsletter/unsubscribe/forged/", "/nl/newsletter/preferences/forged/",
    "/nl/privacy/my-data/open/forged/",
]


def _protected(response) -> bool:
    # The preference page keeps its address on this site only: its own posts must carry their Origin.
    policy = "same-origin" if "/preferences/" in response.wsgi_request.path else "no-referrer"
    expected = {**TOKEN_PAGE_HEADERS, "Referrer-Policy": policy}
    return all(response.get(header) == value for header, value in expected.items())


@pytest.mark.parametrize("url", FORGED)
def test_a_wrong_method_gets_the_405_page_with_the_token_page_headers(url):
    for method in ("put", "delete", "options"):
        response = getattr(Client(), method)(url)
        assert response.status_code == 405 and response["Allow"] == "GET, POST"
        assert _protected(response), (method, dict(response.headers))


@pytest.mark.parametrize("url", FORGED)
def test_head_answers_as_get_does(url):
    get, head = Client().get(url), Client().head(url)
    assert head.status_code == get.status_code == 400
    assert _protected(head) and _protected(get) and head.content == b""


@pytest.mark.parametrize("page", ["unsubscribe", "preferences"])
def test_head_of_a_real_link_shows_and_changes_nothing(topic, page):
    ann = confirmed_subscriber("ann@example.com", topic, language="nl")
    token = unsubscribe_token_make(ann.uuid, [topic.pk]) if page == "unsubscribe" else preferences_token_make(ann.uuid)
    response = Client().head(f"/nl/newsletter/{page}/{token}/")
    assert response.status_code == 200 and _protected(response)
    assert Subscription.objects.get(subscriber=ann).status == "confirmed"
