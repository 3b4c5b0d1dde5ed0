"""Error pages a visitor can run into: in their language, with the right status."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "text"), [
    ("en", "This address only answers a form sent from one of our pages."),
    ("nl", "Dit adres beantwoordt alleen een formulier"),
])
def test_opening_a_form_only_address_explains_itself(client, language, text):
    response = client.get(f"/{language}/privacy/my-data/end/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    page = response.content.decode()
    assert text in page and f'<html lang="{language}"' in page
    assert "nonce-" in response["Content-Security-Policy"]
