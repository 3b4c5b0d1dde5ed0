"""Campaign images: real files made with Pillow, checked before decoding, stored re-encoded without
metadata under unguessable names; the admin explains every refusal in the user's language, and a
campaign's Markdown may show only these images, each with alternative text."""

import io
import re
import struct
import threading
import time
import zlib

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import translation
from PIL import Image, ImageCms, PngImagePlugin, TiffImagePlugin

from newsletter.models import Campaign, CampaignContent, CampaignImage
from newsletter.services.images import campaign_body_validate, campaign_image_create, campaign_image_encode
from tests.polling import wait_until

from .factories import campaign_with_content

pytestmark = pytest.mark.django_db

SITE = "https://www.ilumen.be"
STORED_NAME = re.compile(r"campaign-images/[0-9a-f]{32}\.(jpg|png)")
GPS_IFD, ORIENTATION, MAKE = 0x8825, 0x0112, 0x010F


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SITE_URL = SITE
    return tmp_path


@pytest.fixture
def marketer(db) -> User:
    user = User.objects.create_user("marketer", "marketer@ilumen.be", "a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Marketing"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def staff_client(client, marketer):
    client.force_login(marketer)
    return client


# --- Real files ------------------------------------------------------------------------------

def _encode(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def _photo_with_gps() -> bytes:
    """A 40 by 20 JPEG as a phone writes it: turned (orientation 6), with GPS position, maker, XMP and ICC."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[MAKE] = "Phone maker"
    gps = exif.get_ifd(GPS_IFD)
    rational = TiffImagePlugin.IFDRational
    gps.update({
        1: "N", 2: (rational(51), rational(3), rational(54)), 3: "E", 4: (rational(5), rational(2), rational(0)),
    })
    image = Image.new("RGB", (40, 20), (200, 30, 30))
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>51,3.9N</exif:GPSLatitude></x:xmpmeta>'
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = _encode(image, "JPEG", exif=exif, xmp=xmp, icc_profile=icc, comment=b"Jan's house")
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the test file really carries a position
    return data


def _png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jan Peeters")
    info.add_text("Comment", "<svg onload=alert(1)>")  # markup inside an image does not make it an SVG
    info.add_itxt("XML:com.adobe.xmp", "<exif:GPSLatitude>51,3.9N</exif:GPSLatitude>")
    image = Image.new("RGBA", (30, 10), (0, 0, 0, 0))
    image.paste((20, 120, 200, 255), (0, 0, 15, 10))
    return _encode(image, "PNG", pnginfo=info)


def _png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims another size: decoding it would fail on its missing data."""
    data = bytearray(_encode(Image.new("RGB", (8, 8), "white"), "PNG"))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _upload(data: bytes, name: str, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _refusal(data: bytes, name: str, content_type: str = "application/octet-stream") -> str:
    with pytest.raises(ValidationError) as refused:
        campaign_image_encode(upload=_upload(data, name, content_type))
    return refused.value.code


def _stored(data: bytes, name: str = "upload.bin") -> CampaignImage:
    encoded = campaign_image_encode(upload=_upload(data, name))
    return campaign_image_create(image=CampaignImage(alt_nl="Panelen", alt_en="Panels"), encoded=encoded)


# --- What is stored ----------------------------------------------------------------------------

def test_a_photo_is_stored_upright_without_exif_gps_xmp_icc_or_comment_under_an_unguessable_name(_media):
    image = _stored(_photo_with_gps(), "IMG_2031 Jan Peeters thuis.jpg")
    assert STORED_NAME.fullmatch(image.file.name) and image.file.name.endswith(".jpg")
    raw = (_media / image.file.name).read_bytes()
    for trace in (b"Exif", b"GPS", b"xmpmeta", b"Phone maker", b"Jan", b"ICC_PROFILE"):
        assert trace not in raw, trace
    stored = Image.open(io.BytesIO(raw))
    assert stored.format == "JPEG" and not stored.getexif() and "icc_profile" not in stored.info
    assert stored.size == (20, 40) == (image.width, image.height)  # orientation applied before it was dropped
    red, green, blue = stored.getpixel((10, 20))
    assert red > 150 and green < 80 and blue < 80
    assert image.size == len(raw)
    # The original's name (here a person's) is kept nowhere.
    assert "Jan" not in repr(CampaignImage.objects.filter(pk=image.pk).values().get())


def test_a_png_stays_a_png_with_its_transparency_and_without_its_text_chunks(_media):
    image = _stored(_png_with_text(), "diagram.png")
    assert image.file.name.endswith(".png")
    raw = (_media / image.file.name).read_bytes()
    assert b"tEXt" not in raw and b"iTXt" not in raw and b"Jan Peeters" not in raw and b"GPS" not in raw
    stored = Image.open(io.BytesIO(raw))
    assert stored.mode == "RGBA" and stored.getpixel((25, 5))[3] == 0 and stored.getpixel((5, 5)) == (20, 120, 200, 255)


def test_two_uploads_of_the_same_file_get_different_names():
    assert _stored(_png_with_text()).file.name != _stored(_png_with_text()).file.name


def test_a_wide_image_is_scaled_to_the_widest_stored(settings):
    settings.NEWSLETTER_IMAGE_MAX_WIDTH = 300
    image = _stored(_encode(Image.new("RGB", (1200, 400), "green"), "JPEG"))
    assert (image.width, image.height) == (300, 100)


def test_the_database_accepts_only_unguessable_names_and_described_images():
    from django.db import IntegrityError, transaction

    for fields in ({"file": "campaign-images/logo.png"}, {"file": "campaign-images/" + "a" * 32 + ".svg"},
                   {"alt_en": ""}):
        row = {"file": "campaign-images/" + "b" * 32 + ".png", "alt_nl": "x", "alt_en": "x", "width": 1, "height": 1,
               "size": 1, **fields}
        with pytest.raises(IntegrityError), transaction.atomic():
            CampaignImage.objects.create(**row)


# --- What is refused, before decoding --------------------------------------------------------------

def test_a_decompression_bomb_is_refused_from_its_header_without_decoding_it():
    started = time.monotonic()
    # Over twice Pillow's limit (Pillow refuses it itself) and between once and twice (Pillow only
    # warns): both are refused as too many pixels, not as the damaged files they would prove to be
    # if decoding had started.
    assert _refusal(_png_claiming(30_000, 30_000), "huge.png") == "too_many_pixels"
    assert _refusal(_png_claiming(10_000, 10_000), "big.png") == "too_many_pixels"
    assert time.monotonic() - started < 2
    assert Image.MAX_IMAGE_PIXELS == 89_478_485  # Pillow's own limit is kept


def test_a_real_image_over_pillows_limit_is_refused_though_it_would_decode():
    bomb = _encode(Image.new("1", (10_000, 9_000)), "PNG")  # 90 megapixels, a few kilobytes
    assert len(bomb) < 100_000
    assert _refusal(bomb, "bomb.png") == "too_many_pixels"


@pytest.mark.parametrize(("name", "content_type"), [
    ("logo.svg", "image/svg+xml"), ("logo.png", "image/png"), ("logo", "application/octet-stream"),
])
def test_svg_is_refused_whatever_its_name_says(name, content_type):
    assert _refusal(SVG, name, content_type) == "svg"
    assert _refusal(b"\xef\xbb\xbf\n  <svg xmlns='http://www.w3.org/2000/svg'/>", name, content_type) == "svg"


def test_a_text_file_named_png_is_refused():
    assert _refusal(b"Dear Jan, here is the photo you asked for.\n" * 10, "photo.png", "image/png") == "not_an_image"


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(settings):
    settings.NEWSLETTER_IMAGE_MAX_BYTES = 1000
    assert _refusal(_encode(Image.effect_noise((100, 100), 50).convert("RGB"), "PNG"), "noise.png") == "too_big"


def test_a_truncated_photo_is_refused_as_damaged():
    photo = _encode(Image.effect_noise((200, 200), 80).convert("RGB"), "JPEG")
    assert _refusal(photo[: len(photo) // 2], "half.jpg") == "damaged"


def test_an_animated_gif_is_refused():
    frames = [Image.new("RGB", (10, 10), colour) for colour in ("red", "blue")]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:])
    assert Image.open(gif).n_frames == 2
    assert _refusal(gif.getvalue(), "anim.gif") == "animated"


# --- The admin -----------------------------------------------------------------------------------------

def _admin(language: str, name: str, *args) -> str:
    with translation.override(language):
        return reverse(f"admin:newsletter_campaignimage_{name}", args=args)


def test_marketing_uploads_an_image_and_its_page_gives_the_markdown_for_each_language(staff_client, _media):
    response = staff_client.post(_admin("en", "add"), {
        "upload": _upload(_png_with_text(), "diagram.png", "image/png"),
        "alt_nl": "Schema van een thuisbatterij", "alt_en": "Diagram of a home battery", "_continue": "1",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    image = CampaignImage.objects.get()
    assert image.created_by.username == "marketer" and (_media / image.file.name).is_file()
    page = staff_client.get(_admin("en", "change", image.pk)).content.decode()
    url = f"{SITE}/media/{image.file.name}"
    assert f"![Schema van een thuisbatterij]({url})" in page and f"![Diagram of a home battery]({url})" in page
    assert 'data-copy="snippet-nl"' in page and f'<img src="/media/{image.file.name}"' in page
    assert "newsletter/admin-copy.js" in page
    # The file can never be replaced: an e-mail already sent keeps showing it.
    staff_client.post(_admin("en", "change", image.pk), {"alt_nl": "Schema", "alt_en": "Diagram"})
    image.refresh_from_db()
    assert image.alt_en == "Diagram" and (_media / image.file.name).is_file()


@pytest.mark.parametrize(("data", "name", "english", "dutch"), [
    (SVG, "logo.svg", "SVG images are not accepted", "SVG-afbeeldingen worden niet aanvaard"),
    (b"just text", "photo.png", "This file is not a JPEG, PNG, GIF or WebP image.",
     "Dit bestand is geen JPEG-, PNG-, GIF- of WebP-afbeelding."),
    (_png_claiming(30_000, 30_000), "huge.png", "This image has too many pixels",
     "Deze afbeelding heeft te veel pixels"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 10, "broken.jpg", "This file is not a JPEG, PNG, GIF or WebP image.",
     "Dit bestand is geen JPEG-, PNG-, GIF- of WebP-afbeelding."),
])
def test_a_refused_upload_is_explained_in_the_admin_users_language(staff_client, data, name, english, dutch):
    for language, message in (("en", english), ("nl", dutch)):
        response = staff_client.post(_admin(language, "add"), {
            "upload": _upload(data, name, "image/png"), "alt_nl": "Logo", "alt_en": "Logo",
        })
        assert response.status_code == 200
        assert message in response.content.decode(), language
    assert not CampaignImage.objects.exists()


def test_too_big_and_damaged_uploads_are_explained_in_dutch(staff_client, settings):
    photo = _encode(Image.effect_noise((200, 200), 80).convert("RGB"), "JPEG")
    settings.NEWSLETTER_IMAGE_MAX_BYTES = len(photo) - 1
    for data, message in (
        (photo[: len(photo) // 2], "Dit afbeeldingsbestand is beschadigd of onvolledig"),
        (photo, "afbeeldingen van hoogstens"),
    ):
        response = staff_client.post(_admin("nl", "add"), {
            "upload": _upload(data, "photo.jpg", "image/jpeg"), "alt_nl": "Foto", "alt_en": "Photo",
        })
        assert message in response.content.decode()


# --- Campaign bodies ---------------------------------------------------------------------------------

def _campaign_post(campaign: Campaign, body_en: str) -> dict:
    contents = list(campaign.contents.order_by("language"))
    data = {
        "name": campaign.name, "topics": [t.pk for t in campaign.topics.all()], "scheduled_at_0": "",
        "scheduled_at_1": "",
        "contents-TOTAL_FORMS": len(contents), "contents-INITIAL_FORMS": len(contents),
        "contents-MIN_NUM_FORMS": 0, "contents-MAX_NUM_FORMS": 2,
    }
    for i, content in enumerate(contents):
        data.update({
            f"contents-{i}-id": content.pk, f"contents-{i}-campaign": campaign.pk,
            f"contents-{i}-language": content.language, f"contents-{i}-subject": content.subject,
            f"contents-{i}-body": body_en if content.language == "en" else content.body,
        })
    return data


def test_a_campaign_is_saved_only_with_its_own_described_images(staff_client, topic):
    campaign = campaign_with_content(topic)
    image = _stored(_png_with_text())
    ours = f"{SITE}/media/{image.file.name}"
    with translation.override("en"):
        change = reverse("admin:newsletter_campaign_change", args=[campaign.pk])
    refusals = {
        "![Pixel](https://tracker.example/open.gif)": "is not an image uploaded to this site",
        f"![]({ours})": "has no alternative text",
        f"![Gone]({SITE}/media/campaign-images/{'c' * 32}.png)": "is not among the campaign images",
    }
    for body, message in refusals.items():
        response = staff_client.post(change, _campaign_post(campaign, f"News.\n\n{body}"))
        assert response.status_code == 200 and message in response.content.decode(), body
        assert "tracker" not in CampaignContent.objects.get(campaign=campaign, language="en").body
    response = staff_client.post(change, _campaign_post(campaign, f"News.\n\n![Diagram of a battery]({ours})"))
    assert response.status_code == 302
    assert ours in CampaignContent.objects.get(campaign=campaign, language="en").body


def test_each_refused_image_is_named_with_its_reason_in_the_authors_language():
    ours = f"{SITE}/media/{_stored(_png_with_text()).file.name}"
    gone = f"{SITE}/media/campaign-images/{'c' * 32}.png"
    body = f"![A pixel](https://tracker.example/p.gif)\n\n![]({ours})\n\n![Gone]({gone})\n\n![Panels]({ours})"
    messages = {}
    for language in ("en", "nl"):
        with translation.override(language), pytest.raises(ValidationError) as refused:
            campaign_body_validate(body=body)
        messages[language] = refused.value.messages
    assert len(messages["en"]) == 3
    assert "“https://tracker.example/p.gif” is not an image uploaded to this site" in messages["en"][0]
    assert f"“{ours}” has no alternative text" in messages["en"][1]
    assert f"“{gone}” is not among the campaign images" in messages["en"][2]
    assert "is geen afbeelding die op deze site werd opgeladen" in messages["nl"][0]
    assert "heeft geen alternatieve tekst" in messages["nl"][1]
    assert "staat niet (meer) bij de campagneafbeeldingen" in messages["nl"][2]
    campaign_body_validate(body=f"Text only, and ![Panels]({ours})")


def test_the_campaign_editor_says_in_dutch_why_an_image_is_refused(staff_client, topic):
    campaign = campaign_with_content(topic)
    with translation.override("nl"):
        change = reverse("admin:newsletter_campaign_change", args=[campaign.pk])
    response = staff_client.post(change, _campaign_post(campaign, "![Pixel](https://tracker.example/open.gif)"))
    assert "is geen afbeelding die op deze site werd opgeladen" in response.content.decode()


def test_an_image_a_campaign_shows_cannot_be_deleted_and_deleting_the_campaign_keeps_it(
    staff_client, topic, _media, django_capture_on_commit_callbacks,
):
    image = _stored(_png_with_text())
    campaign = campaign_with_content(topic)
    CampaignContent.objects.filter(campaign=campaign, language="en").update(
        body=f"![Panels]({SITE}/media/{image.file.name})"
    )
    delete = _admin("en", "delete", image.pk)
    page = staff_client.get(delete).content.decode()
    assert "Spring news" in page and "protected" in page
    staff_client.post(delete, {"post": "yes"})
    assert CampaignImage.objects.filter(pk=image.pk).exists()

    # Deleting the campaign leaves the image: messages already sent still show it.
    campaign.delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(delete, {"post": "yes"})
    assert response.status_code == 302
    assert not CampaignImage.objects.exists() and not (_media / image.file.name).exists()


@pytest.mark.django_db(transaction=True)
def test_an_image_a_campaign_starts_showing_during_its_deletion_is_kept_with_a_message(client, topic):
    """The editor saves a campaign with the image while someone deletes it (after the confirmation
    page found it unused): the deletion waits for the save, then refuses with a message (it used to
    delete the image, or answer 500)."""
    image = _stored(_png_with_text())
    campaign = campaign_with_content(topic)
    body = f"![Panels]({SITE}/media/{image.file.name})"
    locked = threading.Event()

    def deletion_waits() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh activity, not this transaction's copy
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                           "AND datname = current_database()")
            return cursor.fetchone()[0] > 0

    def save_campaign() -> None:  # the admin's save: validation and writing in one transaction
        try:
            with transaction.atomic():
                campaign_body_validate(body=body)
                locked.set()
                wait_until(deletion_waits, timeout=60, what="the deletion waiting for the save's lock")
                CampaignContent.objects.filter(campaign=campaign, language="en").update(body=body)
        finally:
            connection.close()

    editor = threading.Thread(target=save_campaign)
    editor.start()
    assert locked.wait(10)
    client.force_login(User.objects.create_superuser("boss", "boss@ilumen.be", "a-long-test-password"))
    delete = _admin("en", "delete", image.pk)
    response = client.post(delete, {"post": "yes"})
    editor.join(10)
    assert response.status_code == 302 and response["Location"] == delete
    assert CampaignImage.objects.filter(pk=image.pk).exists()
    page = client.get(delete).content.decode()
    assert "This image is used by a campaign" in page
