"""Statement versions: publishing, immutability, permissions, history, diff, fallback."""

import datetime
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from privacy.models import Document, Version
from privacy.seeding import load_seed_statements
from privacy.services.statements import draft_from_version, version_publish

pytestmark = pytest.mark.django_db


def _draft(document: Document, language: str = "en", body: str = "## Intro\n\nNew text.", **extra) -> Version:
    return Version.objects.create(
        document=document, language=language, title=extra.pop("title", "Privacy"), body=body,
        last_amended=extra.pop("last_amended", datetime.date(2026, 11, 1)), **extra,
    )


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """version_publish, with its after-commit work (cache clearing) run as on a real commit."""

    def _publish(**kwargs) -> Version:
        with django_capture_on_commit_callbacks(execute=True):
            return version_publish(**kwargs)

    return _publish


def test_seed_load_is_idempotent(seeded):
    assert len(seeded) == 3
    assert load_seed_statements() == []
    assert Version.objects.published().count() == 3
    dates = {(v.document.slug, v.language): v.last_amended for v in Version.objects.published()}
    assert dates == {
        ("ilumen", "en"): datetime.date(2022, 6, 27),
        ("ilumen", "nl"): datetime.date(2021, 10, 22),
        ("illuminoo", "en"): datetime.date(2017, 9, 18),
    }


def test_seed_import_keeps_statement_text_and_drops_site_chrome(seeded):
    english = Version.objects.get(document__slug="ilumen", language="en")
    assert "## Log files" in english.body
    assert "## Intellectual property rights and copyrights\n\nEvery user of this website" in english.body
    assert "## iLusmart App" in english.body
    assert "This privacy statement was last amended on June 27, 2022" in english.body
    for chrome in ("Smart homes installed", "Accept All Cookies", "Ambachtsstraat", "Let’s connect"):
        assert chrome not in english.body
    dutch = Version.objects.get(document__slug="ilumen", language="nl")
    assert "### Wat zijn cookies?" in dutch.body
    assert "- Naam en voornaam\n- Postadres" in dutch.body


def test_publish_numbers_versions_per_language(seeded, legal_publisher, publish):
    document = Document.objects.get(slug="ilumen")
    published = publish(version=_draft(document, "en"), user=legal_publisher)
    assert (published.number, published.status, published.published_by) == (2, "published", legal_publisher)
    dutch = publish(version=_draft(document, "nl"), user=legal_publisher)
    assert dutch.number == 2


def test_publishing_twice_is_refused(seeded, legal_publisher, publish):
    draft = _draft(Document.objects.get(slug="ilumen"))
    publish(version=draft, user=legal_publisher)
    with pytest.raises(ValidationError):
        publish(version=draft, user=legal_publisher)


def test_publish_needs_the_publish_permission(seeded, legal_editor, publish):
    draft = _draft(Document.objects.get(slug="ilumen"))
    with pytest.raises(PermissionDenied):
        publish(version=draft, user=legal_editor)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_published_version_cannot_be_changed_even_by_queryset_update(seeded):
    published = Version.objects.published().filter(document__slug="ilumen", language="en")
    with pytest.raises(IntegrityError), transaction.atomic():
        published.update(body="rewritten history")
    version = published.get()
    version.title = "Changed"
    with pytest.raises(IntegrityError), transaction.atomic():
        version.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Version.objects.filter(pk=version.pk).delete()
    assert published.get().title == "Privacy policy, disclaimer"


def test_version_numbers_are_unique_in_the_database(seeded):
    version = Version.objects.get(document__slug="ilumen", language="en")
    with pytest.raises(IntegrityError), transaction.atomic():
        Version.objects.create(
            document=version.document, language="en", title="x", body="x", last_amended=version.last_amended,
            number=1, status="published", published_at=version.published_at,
        )


def test_a_draft_never_reaches_visitors_until_published(client, seeded, legal_publisher, publish):
    document = Document.objects.get(slug="ilumen")
    draft = _draft(document, "en", body="## Fresh\n\nBrand new promise.")
    assert "Brand new promise" not in client.get("/en/privacy/").content.decode()
    publish(version=draft, user=legal_publisher)
    page = client.get("/en/privacy/").content.decode()
    assert "Brand new promise" in page
    old = client.get("/en/privacy/v1/").content.decode()
    assert "superseded" in old and "Log files" in old


def test_amending_starts_a_new_draft_with_the_same_text(seeded, legal_publisher):
    current = Version.objects.get(document__slug="ilumen", language="nl")
    draft = draft_from_version(version=current, user=legal_publisher)
    assert (draft.status, draft.number, draft.body) == ("draft", None, current.body)


def test_history_and_diff_pages(client, seeded, legal_publisher):
    document = Document.objects.get(slug="ilumen")
    old_body = Version.objects.get(document=document, language="en").body
    version_publish(
        version=_draft(document, "en", body=old_body.replace("default log files", "standard log files")),
        user=legal_publisher,
    )
    history = client.get("/en/privacy/history/").content.decode()
    assert "Version 2" in history and "Version 1" in history
    diff = client.get("/en/privacy/diff/?from=1&to=2").content.decode()
    assert "</span>default</del><ins><span" in diff and "</span>standard</ins>" in diff


@pytest.mark.parametrize(
    "url",
    [
        "/en/privacy/diff/?from=1&to=9",
        "/en/privacy/v0/",
        "/en/privacy/v99/",
        "/en/privacy/v99999999999999999999/",
        "/en/privacy/nope/",
        "/en/privacy/nope/history/",
    ],
)
def test_bad_addresses_give_a_404_in_the_visitors_language(client, seeded, url):
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="nl")
    assert english.status_code == 404
    assert "Page not found" in english.content.decode()
    dutch = client.get(url.replace("/en/", "/nl/"), HTTP_ACCEPT_LANGUAGE="nl")
    assert dutch.status_code == 404
    assert "Pagina niet gevonden" in dutch.content.decode()


@pytest.mark.parametrize(("accept_language", "expected"), [("nl", "Pagina niet gevonden"), ("en", "Page not found")])
def test_unknown_language_prefix_is_a_404_in_the_negotiated_language(client, seeded, accept_language, expected):
    response = client.get("/xx/privacy/", HTTP_ACCEPT_LANGUAGE=accept_language)
    assert response.status_code == 404
    assert expected in response.content.decode()


def test_document_without_the_visitors_language_falls_back_with_a_notice(client, seeded):
    response = client.get("/nl/privacy/illuminoo/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "What you share with your agent" in page
    assert 'lang="en"' in page
    assert "niet beschikbaar in uw taal" in page


def test_other_language_newer_version_is_announced(client, seeded):
    page = client.get("/nl/privacy/").content.decode()
    assert "Er bestaat een recentere versie" in page
    assert 'href="/en/privacy/"' in page
    assert "recent version of this statement exists" not in client.get("/en/privacy/").content.decode()


def test_unsafe_html_in_a_statement_never_reaches_the_page(client, seeded, legal_publisher, publish):
    body = (
        "## Safe\n\n<script>alert('x')</script><img src=x onerror=alert(1)>"
        "[click](javascript:alert(1)) <a href=\"https://ilumen.be\" onclick=\"steal()\">ok</a>"
        "\n\n<h2 id=\"main-content\">clobber</h2>"
    )
    publish(version=_draft(Document.objects.get(slug="ilumen"), "en", body=body), user=legal_publisher)
    page = client.get("/en/privacy/").content.decode()
    article = page[page.index('<div class="statement-body">'):]
    for unsafe in ("<script>alert", "onerror", "javascript:", "onclick", 'id="main-content"'):
        assert unsafe not in article
    assert 'href="https://ilumen.be"' in article


def test_headings_get_anchors_and_a_table_of_contents(client, seeded):
    page = client.get("/en/privacy/").content.decode()
    assert '<h2 id="sec-log-files">Log files</h2>' in page
    assert 'href="#sec-log-files"' in page


def test_statement_is_cached_and_cleared_on_publish(
    client, seeded, legal_publisher, django_assert_max_num_queries, publish
):
    client.get("/en/privacy/")
    with django_assert_max_num_queries(0):
        client.get("/en/privacy/")
    publish(version=_draft(Document.objects.get(slug="ilumen"), "en", body="Now v2."), user=legal_publisher)
    assert "Now v2." in client.get("/en/privacy/").content.decode()


def test_cached_statement_pages_carry_no_csrf_token(seeded):
    from django.test import Client

    pages = [Client().get("/en/privacy/") for _ in range(2)]
    assert [page["X-Page-Cache"] for page in pages] == ["miss", "hit"]
    assert not any("csrfmiddlewaretoken" in page.content.decode() or "csrftoken" in page.cookies for page in pages)


def test_admin_publish_flow(client, seeded, legal_publisher, legal_editor):
    document = Document.objects.get(slug="ilumen")
    draft = _draft(document, "nl", body="## Nieuw\n\nNieuwe tekst.")
    client.force_login(legal_editor)
    assert client.get(reverse("admin:privacy_version_preview", args=[draft.pk])).status_code == 200
    compare = client.get(reverse("admin:privacy_version_compare", args=[draft.pk])).content.decode()
    assert "<ins>" in compare
    assert client.post(reverse("admin:privacy_version_publish", args=[draft.pk])).status_code == 403
    client.force_login(legal_publisher)
    response = client.post(reverse("admin:privacy_version_publish", args=[draft.pk]), {"material": "no"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.number == 2
    change_url = reverse("admin:privacy_version_change", args=[draft.pk])
    page = client.get(change_url).content.decode()
    assert 'name="title"' not in page and 'name="_save"' not in page  # shown read-only
    before = Version.objects.filter(pk=draft.pk).values().get()
    # Refused outright: not a form error (200) nor a "saved" that changed nothing (302).
    assert client.post(change_url, {"title": "Hacked", "_save": "Save"}).status_code == 403
    assert Version.objects.filter(pk=draft.pk).values().get() == before


def test_the_admin_shows_a_published_statement_rendered_as_visitors_see_it(client, seeded, legal_editor, publish,
                                                                          legal_publisher):
    draft = _draft(Document.objects.get(slug="ilumen"), "nl",
                   body="## Nieuw hoofdstuk\n\nTekst *met nadruk*.<script>alert(1)</script>")
    version = publish(version=draft, user=legal_publisher)
    client.force_login(legal_editor)
    page = client.get(reverse("admin:privacy_version_change", args=[version.pk])).content.decode()
    assert re.search(r"<h2[^>]*>Nieuw hoofdstuk</h2>", page)
    assert "<em>met nadruk</em>" in page
    assert "&lt;h2" not in page and "&lt;p&gt;" not in page
    assert "<script>alert(1)" not in page
    public = client.get("/nl/privacy/").content.decode()
    fragment = re.search(r"<h2[^>]*>Nieuw hoofdstuk</h2>.*?</p>", public, re.S).group(0)
    assert fragment in page  # the same renderer and sanitiser as the public page


def test_a_published_version_cannot_be_changed_or_deleted_through_the_admin_even_by_a_superuser(client, seeded):
    """Independent of the database trigger: the admin itself refuses, and the row stays identical."""
    version = Version.objects.published().get(document__slug="ilumen", language="en")
    before = Version.objects.filter(pk=version.pk).values().get()
    client.force_login(User.objects.create_superuser("root", "root@ilumen.be", "a-long-test-password"))
    form = {
        "document": version.document_id, "language": "en", "title": "Rewritten history", "body": "## Rewritten",
        "last_amended": "2030-01-01", "change_summary": "quietly changed", "_save": "Save",
    }
    assert client.post(reverse("admin:privacy_version_change", args=[version.pk]), form).status_code == 403
    assert client.post(reverse("admin:privacy_version_delete", args=[version.pk]), {"post": "yes"}).status_code == 403
    changelist = reverse("admin:privacy_version_changelist")
    bulk_delete = {"action": "delete_selected", "_selected_action": [version.pk], "post": "yes"}
    client.post(changelist, bulk_delete)
    assert Version.objects.filter(pk=version.pk).values().get() == before
    assert not LogEntry.objects.filter(object_id=str(version.pk)).exists()
