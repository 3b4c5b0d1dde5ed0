"""The record of processing activities (issue 15, point 8; GDPR Art. 30): every registered source
declares what the record needs (a system check fails otherwise), Legal reads it in the admin in
either language and downloads it as CSV in either language, with the retention periods as
configured and every cell safe to open in a spreadsheet; other roles are refused."""

import csv
import dataclasses
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from core import registry
from core.registry import check_processing, processing_gaps
from pages.models import CompanyProfile
from staff.processing_record import FIELDS, processing_record

pytestmark = pytest.mark.django_db

URL = "staff_processing_record"


def _url(language: str) -> str:
    with translation.override(language):
        return reverse(URL)


@pytest.fixture
def legal(group_member) -> Client:
    client = Client()
    client.force_login(group_member("Legal"))
    return client


def _rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def _names(language: str) -> list[str]:
    with translation.override(language):
        return [str(source.processing.activity) for source in registry.sources()]


@pytest.fixture
def replaced():
    """Swaps a source's processing for the test, and puts the original back."""
    saved = {}

    def replace(key: str, **changes) -> None:
        source = registry.get(key)
        saved.setdefault(key, source)
        processing = dataclasses.replace(source.processing, **changes) if changes else None
        registry.register(dataclasses.replace(source, processing=processing))

    yield replace
    for source in saved.values():
        registry.register(source)


# --- The declarations ----------------------------------------------------------------------


def test_every_source_declares_every_field():
    assert {source.key for source in registry.sources()} >= {
        "newsletter", "contact", "data_rights", "admin_history", "access_log", "cookie_consent",
    }
    for source in registry.sources():
        assert processing_gaps(source) == [], source.key
        processing = source.processing
        assert processing.bases and processing.processors and (processing.retention or processing.kept)
    assert check_processing() == []


def test_every_text_is_translated():
    """The same record in Dutch and in English differs on every line (no text left untranslated)."""
    with translation.override("en"):
        english = processing_record()
    with translation.override("nl"):
        dutch = processing_record()
    for en, nl in zip(english.activities, dutch.activities, strict=True):
        assert en.name != nl.name
        for (_label, en_lines), (_label_nl, nl_lines) in zip(en.fields, nl.fields, strict=True):
            assert len(en_lines) == len(nl_lines)
            assert [line for line, other in zip(en_lines, nl_lines, strict=True) if line == other] == [], en.name


@pytest.mark.parametrize(("changes", "gap"), [
    ({"purposes": ()}, "purposes"),
    ({"subjects": ("",)}, "subjects"),
    ({"data": ()}, "data"),
    ({"processors": ()}, "processors"),
    ({"recipients": ("",)}, "recipients"),
    ({"transfers": " "}, "transfers"),
    ({"retention": (), "kept": ()}, "retention"),
    ({"retention": ("no_such_rule",)}, "retention rule 'no_such_rule'"),
    ({"bases": (registry.Basis(registry.LegalBasis.LEGITIMATE_INTEREST, ""),)}, "bases"),
    ({"bases": ()}, "bases"),
    (None, "processing"),
])
def test_the_check_fails_on_a_source_that_leaves_something_out(replaced, changes, gap):
    replaced("contact", **(changes or {}))
    errors = check_processing()
    assert [error.id for error in errors] == ["datarights.E003"]
    assert "'contact'" in errors[0].msg and gap in errors[0].msg


# --- The admin page ------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "heading", "controller", "period"), [
    ("nl", "Register van de verwerkingsactiviteiten", "Privacycontact", "6 maanden"),
    ("en", "Record of processing activities", "Privacy contact", "6 months"),
])
def test_legal_reads_every_activity_in_their_language(legal, language, heading, controller, period):
    page = legal.get(_url(language)).content.decode()
    assert heading in page
    for name in _names(language):
        assert f'<caption class="processing-activity">{escape(name)}</caption>' in page
    assert page.count('class="processing-activity"') == len(registry.sources())
    assert f"{controller}: info@ilumen.be" in page and "Tessenderlo" in page
    assert period in page  # the contact form's messages, CONTACT_KEEP_DAYS_AFTER_HANDLED
    assert 'href="?lang=nl"' in page and 'href="?lang=en"' in page


def test_the_hosting_provider_and_the_mail_service_are_named(legal, settings):
    CompanyProfile.objects.update(hosting_name="Hoster BV", hosting_address="Kade 1, Gent")
    CompanyProfile.objects.first().save()  # clears the cached profile
    settings.MAIL_PROVIDER = "postmark"
    page = legal.get(_url("en")).content.decode()
    assert page.count("which runs the website and its database: Hoster BV, Kade 1, Gent") == len(registry.sources())
    assert "that delivers our e-mails: postmark" in page


@pytest.mark.parametrize("role", ["Marketing", "Support", "Web editor"])
def test_other_roles_are_refused(group_member, role):
    client = Client()
    client.force_login(group_member(role))
    assert client.get(_url("en")).status_code == 403
    assert client.get(_url("en"), {"lang": "en"}).status_code == 403


def test_visitors_are_sent_to_the_sign_in(db):
    response = Client().get(_url("nl"), {"lang": "nl"})
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- The CSV ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "first_columns"), [
    ("nl", ["Verwerkingsactiviteit", "Verwerkingsverantwoordelijke", "Doeleinden"]),
    ("en", ["Activity", "Controller", "Purposes"]),
])
def test_the_csv_has_one_row_per_activity_in_the_language_asked(legal, language, first_columns):
    # The page's language does not decide the file's.
    response = legal.get(_url("en" if language == "nl" else "nl"), {"lang": language})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="processing-record-{language}.csv"'
    rows = _rows(response)
    assert rows[0][:3] == first_columns and len(rows[0]) == 2 + len(FIELDS)
    assert [row[0] for row in rows[1:]] == _names(language)
    assert all(len(row) == len(rows[0]) for row in rows)


def _retention_cell(legal, language: str) -> str:
    rows = _rows(legal.get(_url("en"), {"lang": language}))
    column = len(rows[0]) - 1
    with translation.override(language):
        contact = str(registry.get("contact").processing.activity)
    return next(row[column] for row in rows if row[0] == contact)


def test_the_retention_period_is_the_configured_one(legal, settings):
    assert "6 months after we handled them" in _retention_cell(legal, "en")
    settings.CONTACT_KEEP_DAYS_AFTER_HANDLED = 2 * 365
    assert "2 years after we handled them" in _retention_cell(legal, "en")
    assert "2 jaar" in _retention_cell(legal, "nl")


def test_an_unknown_language_is_a_clear_error(legal):
    response = legal.get(_url("en"), {"lang": "de"})
    assert response.status_code == 400
    assert "Unknown language: choose one of nl, en." in response.content.decode()


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_are_escaped_against_spreadsheet_formulas(legal, settings, start):
    formula = f'{start}HYPERLINK("http://evil.example")'
    settings.PROCESSING_TRANSFERS = formula
    CompanyProfile.objects.update(legal_name=formula)
    CompanyProfile.objects.first().save()
    rows = _rows(legal.get(_url("en"), {"lang": "en"}))
    transfers = [label for _name, label in FIELDS].index("Transfers outside the European Economic Area") + 2
    for row in rows[1:]:
        assert row[transfers] == f"'{formula}"
        # The controller cell starts with the legal name (whose tab or CR the company identity drops).
        assert row[1].startswith(f"'{formula}" if start.strip() else 'HYPERLINK(')
    assert rows[1][0][0] not in "=+-@\t\r"  # a harmless cell is kept as it is
