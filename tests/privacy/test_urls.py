"""The statement URLs come first under /privacy/, so their document slugs must leave the other pages alone."""

import pytest
from django.urls import resolve
from django.utils import translation

from privacy.models.statements import RESERVED_DOCUMENT_SLUGS


@pytest.mark.parametrize(
    ("path", "view_name"),
    [
        ("/en/privacy/", "privacy:statement"),
        ("/en/privacy/illuminoo/", "privacy:document"),
        ("/en/privacy/my-datax/", "privacy:document"),
        ("/en/privacy/illuminoo/v2/", "privacy:document_version"),
        ("/en/privacy/my-data/", "datarights:my_data_start"),
        ("/nl/privacy/my-data/open/abc/", "datarights:my_data_open"),
        ("/en/privacy/retention/", "datarights:retention"),
        ("/en/privacy/consent/", "consent:decide"),
        ("/en/privacy/history/", "privacy:history"),
    ],
)
def test_each_address_reaches_its_own_page(path, view_name):
    with translation.override(path.split("/")[1]):
        assert resolve(path).view_name == view_name


@pytest.mark.parametrize("slug", RESERVED_DOCUMENT_SLUGS)
def test_no_reserved_word_is_taken_for_a_document(slug):
    with translation.override("en"):
        assert resolve(f"/en/privacy/{slug}/").view_name != "privacy:document"
