"""Uploaded media as `make run` serves it: never sniffed, nothing in it may run or load, and an
image fetched by an opened e-mail leaves no row in the access log."""

import pytest
from django.test import Client

from accesslog.buffer import buffer
from accesslog.models import PageView

pytestmark = pytest.mark.django_db

NAME = "campaign-images/" + "0f" * 16


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "campaign-images").mkdir()
    (tmp_path / f"{NAME}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    # Should anything but an image ever land under MEDIA_ROOT, it still cannot run.
    (tmp_path / f"{NAME}.html").write_text("<script>alert(1)</script>")
    return tmp_path


@pytest.fixture(autouse=True)
def _empty_buffer():
    buffer.clear()
    yield
    buffer.clear()


def test_a_media_file_is_served_with_nosniff_and_a_policy_that_allows_nothing(client: Client, media, settings):
    settings.SECURE_CONTENT_TYPE_NOSNIFF = False  # the media view sets it itself, whatever the site-wide setting
    response = client.get(f"/media/{NAME}.png", HTTP_SEC_GPC="1")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert "immutable" in response["Cache-Control"]
    assert not response.cookies  # no consent, language or session cookie on an image
    html = client.get(f"/media/{NAME}.html")
    assert html["Content-Security-Policy"] == "default-src 'none'" and html["X-Content-Type-Options"] == "nosniff"


def test_nothing_outside_media_root_and_no_folder_listing_is_served(client: Client, media):
    (media.parent / "secret.txt").write_text("not for visitors")
    for path in ("/media/../secret.txt", "/media/%2e%2e/secret.txt", "/media/campaign-images/", "/media/nope.png"):
        response = client.get(path)
        assert response.status_code in (400, 404), path  # 400: Django refuses a path leaving MEDIA_ROOT
        assert b"not for visitors" not in response.content
    assert client.post(f"/media/{NAME}.png").status_code == 405


def test_an_image_fetched_from_an_opened_email_is_not_logged(client: Client, media):
    client.get(f"/media/{NAME}.png", REMOTE_ADDR="192.0.2.44")
    client.get("/media/campaign-images/missing.png", REMOTE_ADDR="192.0.2.44")
    client.get("/robots.txt", REMOTE_ADDR="192.0.2.44")  # the log itself works
    buffer.flush()
    assert list(PageView.objects.values_list("path", flat=True)) == ["/robots.txt"]
