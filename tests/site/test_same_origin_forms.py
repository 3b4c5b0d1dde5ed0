"""Public forms carry no CSRF token: a post is accepted only when the browser says it comes from this site.

core.security.same_origin_form checks Sec-Fetch-Site and Origin on the cookie choices, the
newsletter subscription, the contact form and the language switch; cached public pages then
carry no per-visitor token and set no CSRF cookie. The admin keeps Django's token check.
"""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from consent.models import ConsentRecord
from contact.models import ContactMessage
from mail.models import OutboxMessage
from newsletter.models import Topic
from tests.conftest import BrowserClient

pytestmark = pytest.mark.django_db

CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another site's page too
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://testserver"},
    {"Origin": "https://evil.example"},  # a browser without Fetch Metadata
    {"Origin": "null"},  # a form with referrerpolicy="no-referrer" on another site
    {"Origin": "https://evil.example", "Sec-Fetch-Site": "same-origin"},
    {},  # neither header: no browser that says where the post comes from
]
SAME_ORIGIN = [
    {"Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
    {"Origin": "http://testserver"},  # a browser without Fetch Metadata
]
REFUSED = {"en": "<h1>This form could not be sent</h1>", "nl": "<h1>Dit formulier kon niet worden verstuurd</h1>"}


def _consent(client: Client, language: str, headers: dict):
    data = {"action": "reject", "next": f"/{language}/", "source": "banner"}
    return client.post(f"/{language}/privacy/consent/", data, headers=headers)


def _subscribe(client: Client, language: str, headers: dict):
    topic = Topic.objects.create(slug="news", name_nl="Nieuws", name_en="News")
    data = {"email": "ann@example.com", "language": language, "topics": [topic.pk], "consent": "on"}
    return client.post(f"/{language}/newsletter/", data, headers=headers)


def _contact(client: Client, language: str, headers: dict):
    data = {"name": "Dirk", "email": "dirk@example.be", "subject": "Offerte", "message": "Graag een offerte."}
    return client.post(f"/{language}/contact/", data, headers=headers)


def _language(client: Client, language: str, headers: dict):
    other = "en" if language == "nl" else "nl"
    return client.post("/i18n/setlang/", {"language": other, "next": f"/{language}/"}, headers=headers)


# Each form: how to post it, and whether it did what it is for.
FORMS = {
    "consent": (_consent, lambda client: ConsentRecord.objects.exists()),
    "subscribe": (_subscribe, lambda client: OutboxMessage.objects.exists()),
    "contact": (_contact, lambda client: ContactMessage.objects.exists()),
    "language": (_language, lambda client: settings.LANGUAGE_COOKIE_NAME in client.cookies),
}


@pytest.mark.parametrize("headers", CROSS_SITE)
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_public_form_posted_from_another_site_is_refused_in_the_visitors_language(seeded, form, language, headers):
    post, done = FORMS[form]
    visitor = Client()
    response = post(visitor, language, headers)
    assert response.status_code == 403
    page = response.content.decode()
    if form != "language":  # the switch is outside the language prefix: the page is in the default language
        assert REFUSED[language] in page and f'<html lang="{language}"' in page
    else:
        assert any(heading in page for heading in REFUSED.values())
    assert not done(visitor)


@pytest.mark.parametrize("headers", SAME_ORIGIN)
@pytest.mark.parametrize("form", FORMS)
def test_a_public_form_posted_from_a_page_of_the_site_works(seeded, form, headers):
    post, done = FORMS[form]
    visitor = Client()
    response = post(visitor, "nl", headers)
    assert response.status_code in (302, 303), response.content.decode()[:500]
    assert done(visitor)


CACHED_PAGES = ["/en/", "/nl/", "/en/privacy/", "/nl/privacy/", "/en/privacy/history/", "/en/legal-notice/",
                "/en/newsletter/archive/"]


@pytest.mark.parametrize("path", CACHED_PAGES)
def test_a_cached_public_page_carries_no_csrf_token_and_sets_no_csrf_cookie(seeded, integrations_on, path):
    pages = [BrowserClient().get(path), BrowserClient().get(path)]
    assert [page.status_code for page in pages] == [200, 200]
    assert [page["X-Page-Cache"] for page in pages] == ["miss", "hit"]
    for page in pages:
        assert settings.CSRF_COOKIE_NAME not in page.cookies
        assert "csrfmiddlewaretoken" not in page.content.decode()
        assert 'action="/i18n/setlang/"' in page.content.decode()  # the forms are there, without a token


def test_the_admin_still_refuses_a_post_without_its_token(seeded, admin_user):
    staff = Client(enforce_csrf_checks=True, headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"})
    staff.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[admin_user.pk])
    page = staff.get(url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = {"username": admin_user.username, "email": "changed@example.com", "is_active": "on",
            "is_staff": "on", "is_superuser": "on", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"}
    assert staff.post(url, form).status_code == 403
    assert staff.post(url, {**form, "csrfmiddlewaretoken": token}).status_code == 302
