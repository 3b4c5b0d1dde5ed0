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
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(("language", "heading", "text"), [
    ("en", "<h1>This form could not be sent</h1>", "Reload the page"),
    ("nl", "<h1>Dit formulier kon niet worden verstuurd</h1>", "Laad de pagina opnieuw"),
])
def test_a_form_posted_without_its_csrf_token_explains_itself_in_the_site_layout(language, heading, text):
    from django.test import Client

    from contact.models import ContactMessage

    visitor = Client(enforce_csrf_checks=True)
    visitor.get(f"/{language}/contact/")
    response = visitor.post(f"/{language}/contact/", {
        "name": "Dirk", "email": "dirk@example.be", "subject": "Offerte", "message": "Graag een offerte.",
    })
    assert response.status_code == 403
    page = response.content.decode()
    assert heading in page and text in page
    assert f'<html lang="{language}"' in page and 'class="site-header"' in page
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert not ContactMessage.objects.exists()


@pytest.mark.parametrize(("language", "heading"), [
    ("en", "<h1>Access denied</h1>"),
    ("nl", "<h1>Geen toegang</h1>"),
])
def test_a_refused_page_explains_itself_in_the_site_layout(client, language, heading):
    from django.contrib.auth.models import User

    # A staff member without the access log's permission is refused its overview.
    client.force_login(User.objects.create_user("clerk", "clerk@ilumen.be", "a-long-test-password", is_staff=True))
    response = client.get(f"/{language}/admin/accesslog/pageview/")
    assert response.status_code == 403
    page = response.content.decode()
    assert heading in page and f'<html lang="{language}"' in page and 'class="site-header"' in page


@pytest.mark.parametrize(("language", "heading", "text"), [
    ("en", "<h1>Bad request</h1>", "such as a form that is too large"),
    ("nl", "<h1>Ongeldig verzoek</h1>", "bijvoorbeeld een formulier dat te groot is"),
])
def test_a_request_the_site_cannot_read_explains_itself_in_the_site_layout(client, settings, language, heading, text):
    from contact.models import ContactMessage

    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    fields = {f"field{n}": "x" for n in range(10)}
    response = client.post(f"/{language}/contact/", {"name": "Dirk", "email": "dirk@example.be", **fields})
    assert response.status_code == 400
    page = response.content.decode()
    assert heading in page and text in page
    assert f'<html lang="{language}"' in page and 'class="site-header"' in page
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert not ContactMessage.objects.exists()


def test_a_host_the_site_does_not_serve_gets_a_bare_400_not_a_500(client, settings):
    settings.ALLOWED_HOSTS = ["www.ilumen.be"]
    response = client.get("/en/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.content == b"Bad Request (400)"
    assert b"evil.example" not in response.content
