"""Content staff edit the site's own pages (issue 15, point 11): the web editor writes the home
page's introduction per language, the key figures and the hosting provider on the legal notice;
visitors see the change at once (the page cache follows), as text, never as markup."""

import pytest
from django.test import Client
from django.urls import reverse

from pages.models import CompanyProfile, KeyFigure

pytestmark = pytest.mark.django_db

DEFAULT_INTRO = {"nl": "iLumen ontwerpt", "en": "iLumen designs, installs and monitors"}


@pytest.fixture
def editor(group_member) -> Client:
    client = Client()
    client.force_login(group_member("Web editor"))
    return client


def _profile_form(editor: Client, **changes) -> dict:
    """The company profile's change form as the admin shows it, with `changes`."""
    profile = CompanyProfile.objects.get()
    url = reverse("admin:pages_companyprofile_change", args=[profile.pk])
    form = editor.get(url).context["adminform"].form
    data = {name: ("" if form[name].value() is None else form[name].value()) for name in form.fields}
    return {"url": url, "data": {**data, **changes}}


def visitor_page(path: str) -> str:
    return Client().get(path).content.decode()


def test_the_editor_writes_the_introduction_in_each_language_and_visitors_see_it_at_once(editor):
    for language in ("nl", "en"):
        assert DEFAULT_INTRO[language] in visitor_page(f"/{language}/")  # and now cached
    form = _profile_form(editor, intro_nl="Zonnepanelen uit Tessenderlo.\n\nSinds 2009.",
                         intro_en="Solar panels from <b>Tessenderlo</b>.")
    assert editor.post(form["url"], form["data"]).status_code == 302
    nl, en = visitor_page("/nl/"), visitor_page("/en/")
    assert '<div class="lead"><p>Zonnepanelen uit Tessenderlo.</p>\n\n<p>Sinds 2009.</p></div>' in nl
    assert DEFAULT_INTRO["nl"] not in nl
    assert "Solar panels from &lt;b&gt;Tessenderlo&lt;/b&gt;." in en and "<b>Tessenderlo" not in en


def test_an_empty_introduction_keeps_the_standard_text_in_that_language(editor):
    form = _profile_form(editor, intro_nl="Eigen tekst.", intro_en="")
    editor.post(form["url"], form["data"])
    assert "Eigen tekst." in visitor_page("/nl/")
    assert DEFAULT_INTRO["en"] in visitor_page("/en/")


def test_the_hosting_provider_is_on_the_legal_notice_only_when_filled_in(editor):
    assert "Hosting" not in visitor_page("/en/legal-notice/")
    form = _profile_form(editor, hosting_name="Combell NV", hosting_address="Skaldenstraat 121, 9042 Gent",
                         hosting_website="https://www.combell.com/")
    assert editor.post(form["url"], form["data"]).status_code == 302
    for language, term in (("en", "Hosting"), ("nl", "Hosting")):
        page = visitor_page(f"/{language}/legal-notice/")
        assert f"<dt>{term}</dt>" in page
        assert ('<a href="https://www.combell.com/">Combell NV</a><br><address>Skaldenstraat 121, 9042 Gent'
                "</address>") in page


def test_key_figures_added_changed_and_deleted_reach_the_home_page(editor):
    assert editor.post(reverse("admin:pages_keyfigure_add"), {
        "label_nl": "geplaatste panelen", "label_en": "panels installed", "value": "48.000", "position": "9",
    }).status_code == 302
    assert "48.000" in visitor_page("/en/")
    figure = KeyFigure.objects.get(label_en="panels installed")
    confirm = reverse("admin:pages_keyfigure_delete", args=[figure.pk])
    assert editor.post(confirm, {"post": "yes"}).status_code == 302
    assert "48.000" not in visitor_page("/en/")


def test_the_web_editor_reaches_nothing_else(editor):
    for name in ("admin:newsletter_subscriber_changelist", "admin:privacy_version_changelist",
                 "admin:datarights_datarequest_changelist", "admin:auth_user_changelist"):
        assert editor.get(reverse(name)).status_code == 403, name
