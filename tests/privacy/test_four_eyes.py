"""Four eyes on statements: whoever edited a draft may not publish it, and the record is frozen."""

import datetime
import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import translation

from privacy.models import Document, Version, VersionEdit
from privacy.services.statements import draft_from_version, version_publish, version_save

pytestmark = pytest.mark.django_db


def _new_draft(user, body: str = "## Intro\n\nWe keep log files for 30 days.") -> Version:
    draft = Version(
        document=Document.objects.get(slug="ilumen"), language="en", title="Privacy", body=body,
        last_amended=datetime.date(2026, 11, 1),
    )
    return version_save(version=draft, user=user)


def test_the_service_refuses_a_publisher_who_edited_the_draft(seeded, legal_publisher):
    draft = _new_draft(legal_publisher)
    with pytest.raises(ValidationError) as refused:
        version_publish(version=draft, user=legal_publisher, material=False)
    assert refused.value.code == "four_eyes"
    draft.refresh_from_db()
    assert (draft.status, draft.number) == ("draft", None)


def test_an_edit_by_the_publisher_after_someone_else_wrote_it_counts_too(seeded, legal_editor, legal_publisher):
    draft = _new_draft(legal_editor)
    draft.body += "\n\nA late fix."
    version_save(version=draft, user=legal_publisher)
    with pytest.raises(ValidationError):
        version_publish(version=draft, user=legal_publisher)


def test_someone_who_did_not_edit_may_publish_and_both_are_recorded(seeded, legal_editor, legal_publisher):
    draft = _new_draft(legal_editor)
    version_save(version=draft, user=legal_editor)  # a second save lists the editor once
    published = version_publish(version=draft, user=legal_publisher, material=True)
    assert published.editors == [{"id": legal_editor.pk, "username": "editor"}]
    assert (published.published_by, published.published_by_name, published.material) == (
        legal_publisher, "publisher", True,
    )
    assert VersionEdit.objects.filter(version=published).count() == 2


def test_starting_a_draft_from_a_version_makes_you_its_editor(seeded, legal_publisher):
    current = Version.objects.get(document__slug="ilumen", language="en")
    draft = draft_from_version(version=current, user=legal_publisher)
    with pytest.raises(ValidationError):
        version_publish(version=draft, user=legal_publisher)


def test_an_edited_draft_is_not_published_by_nobody(seeded, legal_editor):
    with pytest.raises(ValidationError):
        version_publish(version=_new_draft(legal_editor), user=None)


def test_the_setting_relaxes_four_eyes_for_a_one_person_company(seeded, legal_publisher, settings):
    settings.PRIVACY_FOUR_EYES = False
    published = version_publish(version=_new_draft(legal_publisher), user=legal_publisher, material=False)
    assert published.number == 2
    assert published.editors == [{"id": legal_publisher.pk, "username": "publisher"}]


def test_a_published_version_takes_no_more_edits(seeded, legal_editor, legal_publisher):
    published = version_publish(version=_new_draft(legal_editor), user=legal_publisher)
    published.title = "Changed"
    with pytest.raises(ValidationError):
        version_save(version=published, user=legal_editor)
    assert VersionEdit.objects.filter(version=published).count() == 1


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("editors", "'[]'::jsonb"),
        ("published_by_name", "'someone else'"),
        ("material", "NOT material"),
        ("published_by_id", "created_by_id"),
    ],
)
def test_the_trigger_freezes_who_edited_published_and_the_material_answer(
    seeded, legal_editor, legal_publisher, column, value
):
    published = version_publish(version=_new_draft(legal_editor), user=legal_publisher, material=True)
    before = Version.objects.filter(pk=published.pk).values().get()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE privacy_version SET {column} = {value} WHERE id = %s", [published.pk])  # noqa: S608
    assert Version.objects.filter(pk=published.pk).values().get() == before


def test_the_links_to_deleted_staff_accounts_may_still_be_cleared(seeded, legal_editor, legal_publisher):
    published = version_publish(version=_new_draft(legal_editor), user=legal_publisher, material=False)
    legal_publisher.delete()
    published.refresh_from_db()
    assert (published.published_by, published.published_by_name) == (None, "publisher")


def _publish_url(version: Version, language: str = "en") -> str:
    with translation.override(language):
        return reverse("admin:privacy_version_publish", args=[version.pk])


def test_the_admin_records_each_save_of_a_draft(client, seeded, legal_editor):
    client.force_login(legal_editor)
    form = {
        "document": Document.objects.get(slug="ilumen").pk, "language": "en", "title": "Privacy",
        "body": "## Intro\n\nFirst words.", "last_amended": "2026-11-01", "change_summary": "", "_save": "Save",
    }
    assert client.post(reverse("admin:privacy_version_add"), form).status_code == 302
    draft = Version.objects.drafts().get()
    assert draft.created_by == legal_editor
    client.post(reverse("admin:privacy_version_change", args=[draft.pk]), {**form, "body": "## Intro\n\nBetter."})
    assert list(draft.edits.values_list("user", flat=True)) == [legal_editor.pk, legal_editor.pk]
    page = client.get(reverse("admin:privacy_version_change", args=[draft.pk])).content.decode()
    assert '<div class="readonly">editor</div>' in page


def test_the_publish_page_shows_the_rendered_diff_and_asks_whether_the_change_is_material(
    client, seeded, legal_editor, legal_publisher
):
    current = Version.objects.get(document__slug="ilumen", language="en")
    draft = draft_from_version(version=current, user=legal_editor)
    draft.body = draft.body.replace("default log files", "**standard** log files")
    version_save(version=draft, user=legal_editor)
    client.force_login(legal_publisher)
    page = client.get(_publish_url(draft)).content.decode()
    assert "</span>default</del>" in page and "<strong><ins>" in page  # rendered, not Markdown
    assert "**standard**" not in page
    assert 'name="material"' in page and "unchanged paragraphs" in page  # changes only, the rest collapsed
    unanswered = client.post(_publish_url(draft))
    assert unanswered.status_code == 200
    assert "Answer whether this change is material before publishing." in unanswered.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert client.post(_publish_url(draft), {"material": "yes"}).status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.material, draft.editors[0]["username"]) == ("published", True, "editor")
    with translation.override("nl"):
        record = client.get(reverse("admin:privacy_version_change", args=[draft.pk])).content.decode()
    for label, value in (("Bewerkt door", "editor"), ("Gepubliceerd door (naam)", "publisher"),
                         ("Wezenlijke wijziging", "Ja")):
        assert re.search(rf"<label>{re.escape(label)}:</label>\s*<div class=\"readonly\">{value}</div>", record)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "You edited this draft, so someone who did not edit it must publish it (four eyes)."),
        ("nl", "U hebt dit concept bewerkt: iemand die het niet bewerkte, moet het publiceren (vier ogen)."),
    ],
)
def test_the_admin_tells_an_editor_why_they_cannot_publish_in_their_language(
    client, seeded, legal_publisher, language, message
):
    draft = _new_draft(legal_publisher)
    client.force_login(legal_publisher)
    page = client.get(_publish_url(draft, language)).content.decode()
    assert message in page and 'name="material"' not in page  # said before anything is asked
    response = client.post(_publish_url(draft, language), {"material": "no"})
    assert response.status_code == 200
    assert message in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


@pytest.mark.django_db(transaction=True)
def test_an_edit_that_crosses_the_publication_is_waited_for_and_counted(seeded, legal_editor, legal_publisher):
    """The publisher saves the draft in one connection while, in another, publishing it by their own
    hand is attempted: the publication waits for the edit and then refuses."""
    draft = _new_draft(legal_editor)
    edited, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def edit() -> None:
        try:
            with transaction.atomic():
                version_save(version=Version.objects.get(pk=draft.pk), user=legal_publisher)
                edited.set()
                release.wait(10)
        finally:
            connection.close()

    def publish() -> None:
        try:
            version_publish(version=draft, user=legal_publisher, material=False)
            outcome["result"] = "published"
        except ValidationError as error:
            outcome["result"] = error.code
        finally:
            connection.close()

    editor, publisher = threading.Thread(target=edit), threading.Thread(target=publish)
    editor.start()
    assert edited.wait(10)
    publisher.start()
    publisher.join(0.5)
    assert publisher.is_alive()  # waiting for the edit's lock
    release.set()
    editor.join(10)
    publisher.join(10)
    assert outcome == {"result": "four_eyes"}
    assert Version.objects.get(pk=draft.pk).status == "draft"
