"""Language negotiation, switching, hreflang and the site pages."""

import re
from urllib.parse import quote

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("accept_language", "cookie", "expected"),
    [
        ("", None, "/nl/"),
        ("en-GB,en;q=0.9", None, "/en/"),
        ("fr-BE,fr;q=0.9", None, "/nl/"),
        ("en", "nl", "/nl/"),
        ("nl", "en", "/en/"),
    ],
)
def test_root_redirects_to_the_visitors_language(client, accept_language, cookie, expected):
    if cookie:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept_language)
    assert response.status_code == 302
    assert response["Location"] == expected


def test_language_switch_keeps_the_page_and_sets_the_cookie(client, seeded):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/nl/privacy/history/"})
    assert response.status_code == 302
    assert response["Location"] == "/en/privacy/history/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en" and cookie["httponly"]


@pytest.mark.parametrize("browser_language", ["nl-BE", "en-GB", ""])
@pytest.mark.parametrize(("page", "language", "expected"), [
    ("/en/privacy/", "nl", "/nl/privacy/"),
    ("/nl/privacy/v1/", "en", "/en/privacy/v1/"),
    ("/en/privacy/illuminoo/history/", "nl", "/nl/privacy/illuminoo/history/"),
    ("/en/contact/", "nl", "/nl/contact/"),
])
def test_language_switch_works_whatever_the_browser_language(client, seeded, browser_language, page, language,
                                                              expected):
    """The switch is posted to an address without a language: the page is found in its own language,
    not the browser's (a Dutch browser on an English page stayed on it)."""
    headers = {"Accept-Language": browser_language} if browser_language else {}
    response = client.post("/i18n/setlang/", {"language": language, "next": page}, headers=headers)
    assert response.status_code == 302 and response["Location"] == expected


def test_language_switch_never_redirects_off_site(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert not response["Location"].startswith("https://evil.example")


def test_pages_set_lang_and_hreflang(client, seeded):
    page = client.get("/en/privacy/").content.decode()
    assert '<html lang="en">' in page
    assert 'hreflang="nl" href="http://testserver/nl/privacy/"' in page
    assert 'hreflang="en" href="http://testserver/en/privacy/"' in page


def test_every_page_has_a_language_switcher_and_the_footer(client, seeded):
    for url in ("/nl/", "/en/legal-notice/", "/nl/privacy/history/"):
        page = client.get(url).content.decode()
        assert 'action="/i18n/setlang/"' in page
        assert "Tessenderlo" in page and "+32 (0) 800 82 061" in page


def test_home_shows_only_key_figures_that_have_a_value(client):
    from pages.models import KeyFigure

    assert "Smart homes installed" not in client.get("/en/").content.decode()
    figure = KeyFigure.objects.get(label_en="Smart homes installed")
    figure.value = "3,500+"
    figure.save()
    page = client.get("/en/").content.decode()
    assert "3,500+" in page and "Smart homes installed" in page
    assert "Slimme woningen geïnstalleerd" in client.get("/nl/").content.decode()


def test_legal_notice_values_come_from_the_admin(client):
    from pages.models import CompanyProfile

    profile = CompanyProfile.objects.get()
    profile.enterprise_number = "BE 0123.456.789"
    profile.save()
    page = client.get("/nl/legal-notice/").content.decode()
    assert "BE 0123.456.789" in page and "Ondernemingsnummer" in page


def test_robots_and_sitemap(client, seeded):
    robots = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in robots
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "http://testserver/en/privacy/illuminoo/" in sitemap
    assert 'hreflang="nl" href="http://testserver/nl/privacy/"' in sitemap


def test_the_sitemap_lists_every_public_page_in_both_languages_with_hreflang(client, seeded):
    sitemap = client.get("/sitemap.xml").content.decode()
    listed = set(re.findall(r"<loc>http://testserver(/[^<]*)</loc>", sitemap))
    for name, args in VISITOR_PAGES:
        if name is None or args or name in ("cookies:settings",):  # a numbered version; settings: no content
            continue
        for language in ("nl", "en"):
            with translation.override(language):
                url = reverse(name)
            assert url in listed, url
            assert f'hreflang="{language}" href="http://testserver{url}"' in sitemap, url
    for path in ("/nl/privacy/history/", "/en/privacy/illuminoo/history/"):
        assert path in listed
    # Pages only for one person (links sent by e-mail, forms' answers) are not listed.
    assert not any(part in path for path in listed for part in ("/thanks/", "/my-data/view/", "/sent/"))


def test_visitor_strings_are_translated(client, seeded):
    nl = client.get("/nl/privacy/").content.decode()
    en = client.get("/en/privacy/").content.decode()
    assert "Laatst gewijzigd" in nl and "Versiegeschiedenis" in nl
    assert "Last amended" in en and "Version history" in en


# Every kind of page a visitor reaches: (URL name, args), or None for a page that does not exist.
VISITOR_PAGES = [
    ("pages:home", ()),
    ("privacy:statement", ()),
    ("privacy:history", ()),
    ("privacy:version", (1,)),
    ("pages:legal_notice", ()),
    ("newsletter:subscribe", ()),
    ("datarights:my_data_start", ()),
    ("datarights:retention", ()),
    ("cookies:policy", ()),
    ("cookies:revision", (1,)),
    ("cookies:settings", ()),
    ("contact:form", ()),
    (None, ()),
]
COOKIE_SETTINGS_LABEL = {"nl": "Cookie-instellingen", "en": "Cookie settings"}


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(("url_name", "args"), VISITOR_PAGES, ids=[name or "404" for name, _args in VISITOR_PAGES])
def test_cookie_settings_are_reachable_from_every_page(client, seeded, language, url_name, args):
    """Withdrawal at any time, reachable from every page: the footer's "Cookie settings" link,
    leading back to the page the visitor was on."""
    with translation.override(language):
        url = reverse(url_name, args=args) if url_name else f"/{language}/no-such-page/"
        settings_url = reverse("cookies:settings")
    response = client.get(url)
    assert response.status_code == (200 if url_name else 404), url
    html = response.content.decode()
    footer = re.search(r'<footer class="site-footer">(.*?)</footer>', html, re.S)
    assert footer, f"{url} has the site footer"
    links = re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', footer.group(1))
    expected = f"{settings_url}?next={quote(url, safe='/')}"
    assert (expected, COOKIE_SETTINGS_LABEL[language]) in links, url
    assert client.get(expected).status_code == 200
