"""The legal notice names the company as art. 2:20 of the Code of Companies and Associations
asks (name, legal form, enterprise number with the register and court, registered office),
from the admin's company profile, in both languages; a missing detail breaks nothing."""

import pytest
from django.urls import reverse
from django.utils import translation

from pages.models import CompanyProfile

pytestmark = pytest.mark.django_db

IDENTITY = {"legal_form": "NV", "enterprise_number": "0123.456.749",
            "register_court": "RPR Antwerpen, afdeling Hasselt", "vat_number": "BE 0123.456.749"}
LABELS = {"nl": ["Rechtsvorm", "Ondernemingsnummer", "Rechtspersonenregister", "Btw-nummer", "Maatschappelijke zetel"],
          "en": ["Legal form", "Enterprise number", "Register of legal entities", "VAT number", "Registered office"]}


def _profile(**values) -> CompanyProfile:
    profile = CompanyProfile.objects.get()
    for field, value in values.items():
        setattr(profile, field, value)
    profile.save()
    return profile


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_legal_notice_shows_the_identity_from_the_admin(client, language):
    legal_notice = f"/{language}/legal-notice/"
    assert "RPR Antwerpen" not in client.get(legal_notice).content.decode()  # cached before the change
    _profile(**IDENTITY)
    page = client.get(legal_notice).content.decode()
    for text in ["iLumen", *IDENTITY.values(), "Ambachtsstraat 19", "B-3980 Tessenderlo", *LABELS[language]]:
        assert text in page


def test_missing_details_leave_their_rows_out(client):
    _profile(**dict.fromkeys(IDENTITY, ""), street_extra="")
    response = client.get("/en/legal-notice/")
    page = response.content.decode()
    assert response.status_code == 200 and "Ambachtsstraat 19" in page
    for label in ("Legal form", "Enterprise number", "Register of legal entities", "VAT number"):
        assert label not in page


def test_without_a_profile_the_legal_notice_still_answers(client):
    CompanyProfile.objects.all().delete()
    response = client.get("/en/legal-notice/")
    assert response.status_code == 200 and "Registered office" not in response.content.decode()


def test_the_admin_edits_the_new_details(admin_client):
    profile = CompanyProfile.objects.get()
    with translation.override("en"):
        url = reverse("admin:pages_companyprofile_change", args=[profile.pk])
    form = admin_client.get(url)
    assert form.status_code == 200
    data = {field: getattr(profile, field) for field in (
        "legal_name", "enterprise_number", "street", "street_extra", "postal_code", "city", "phone",
        "phone_international", "email", "privacy_email",
    )}
    response = admin_client.post(url, {**data, **IDENTITY})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert {field: getattr(profile, field) for field in IDENTITY} == IDENTITY
    assert "RPR Antwerpen, afdeling Hasselt" in admin_client.get("/en/legal-notice/").content.decode()
