"""Errors on the contact form are tied to their fields for screen readers (issue 15, point 13)."""

import pytest

from tests.a11y import errors_heard

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "required"), [("nl", "Dit veld is verplicht."), ("en", "This field is required.")]
)
def test_each_field_in_error_is_invalid_and_names_its_message(client, language, required):
    response = client.post(f"/{language}/contact/", {"name": "Ann", "email": "not an address", "subject": "",
                                                     "message": ""})
    assert response.status_code == 400
    heard = errors_heard(response.content.decode())
    assert set(heard) == {"email", "subject", "message"}  # the name was fine
    assert heard["subject"] == heard["message"] == required
    assert heard["email"] and heard["email"] != required


def test_a_form_without_errors_marks_nothing(client):
    assert errors_heard(client.get("/en/contact/").content.decode()) == {}
