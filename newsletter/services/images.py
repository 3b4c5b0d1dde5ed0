"""Campaign images: checked before they are decoded, re-encoded without metadata, stored under a
name nobody can guess, and the check that a campaign shows only these.

An upload is refused before Pillow decodes a pixel when it is too many bytes, SVG (it can hold
scripts and links), not a JPEG, PNG, GIF or WebP (the header says what it is, not its name), more
pixels than Pillow's decompression-bomb limit (`Image.MAX_IMAGE_PIXELS`, read from the header and
left at Pillow's default) or animated. Decoding it then proves the file whole. The pixels alone
are written anew: EXIF (with GPS position, camera, date), XMP, ICC profiles and comments do not
survive; the EXIF orientation is applied first, so photos stay upright. Photos (JPEG) stay JPEG,
everything else becomes PNG; wider than NEWSLETTER_IMAGE_MAX_WIDTH is scaled down.
"""

import io
import secrets
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.media import media_url, media_url_prefix
from core.richtext import markdown_image_sources, media_image_src_allowed
from newsletter import selectors
from newsletter.models import CampaignImage

FOLDER = "campaign-images"
FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
JPEG_QUALITY = 85


@dataclass(frozen=True)
class EncodedImage:
    """An upload re-encoded from its pixels: what is stored."""

    data: bytes
    extension: str  # "jpg" or "png"
    width: int
    height: int


def _looks_like_svg(upload: File) -> bool:
    name = (upload.name or "").lower()
    if name.endswith((".svg", ".svgz")) or getattr(upload, "content_type", "") == "image/svg+xml":
        return True
    upload.seek(0)
    head = upload.read(1024).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    upload.seek(0)
    # Markup (an XML declaration, a comment or a doctype may come first) holding an <svg> element.
    return head.startswith(b"<") and b"<svg" in head


def _damaged() -> ValidationError:
    return ValidationError(
        _("This image file is damaged or incomplete, so it cannot be read. Save it again and upload that."),
        code="damaged",
    )


def campaign_image_encode(*, upload: File) -> EncodedImage:
    """The upload checked and re-encoded; ValidationError (in the active language) when refused."""
    limit = settings.NEWSLETTER_IMAGE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("This file is %(size)s; images of at most %(limit)s are accepted.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_big",
        )
    if _looks_like_svg(upload):
        raise ValidationError(
            _("SVG images are not accepted: they can carry scripts and links to other sites. Export the image "
              "as PNG and upload that."),
            code="svg",
        )
    upload.seek(0)
    try:
        # Reads the header only. Above twice the limit Pillow refuses at once; between once and
        # twice it only warns, and the check below refuses those too.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=FORMATS)
    except Image.DecompressionBombError:
        image = None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(_("This file is not a JPEG, PNG, GIF or WebP image."), code="not_an_image") from None
    if image is None or image.width * image.height > Image.MAX_IMAGE_PIXELS:
        raise ValidationError(
            _("This image has too many pixels to be read safely; images of up to %(megapixels)s megapixels are "
              "accepted.") % {"megapixels": Image.MAX_IMAGE_PIXELS // 1_000_000},
            code="too_many_pixels",
        )
    with image:
        if getattr(image, "is_animated", False):
            raise ValidationError(_("Animated images are not accepted: upload a still image."), code="animated")
        photo = image.format == "JPEG"
        try:
            return _reencode(image, photo=photo)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            raise _damaged() from None


def _reencode(image: Image.Image, *, photo: bool) -> EncodedImage:
    max_width = settings.NEWSLETTER_IMAGE_MAX_WIDTH
    if photo:
        # Decode a large JPEG at a reduced scale straight away (still at least max_width each way).
        image.draft("RGB", (max_width, max_width))
    image.load()
    pixels = ImageOps.exif_transpose(image)
    has_alpha = pixels.mode in ("RGBA", "LA", "PA") or (pixels.mode == "P" and "transparency" in pixels.info)
    mode = "RGBA" if has_alpha and not photo else "L" if pixels.mode == "L" else "RGB"
    pixels = pixels.convert(mode)
    if pixels.width > max_width:
        pixels = pixels.resize(
            (max_width, max(1, round(pixels.height * max_width / pixels.width))), Image.Resampling.LANCZOS
        )
    pixels.info = {}  # nothing of the original's metadata may reach the encoder
    out = io.BytesIO()
    if photo:
        pixels.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    else:
        pixels.save(out, "PNG", optimize=True)
    return EncodedImage(data=out.getvalue(), extension="jpg" if photo else "png",
                        width=pixels.width, height=pixels.height)


def campaign_image_create(*, image: CampaignImage, encoded: EncodedImage) -> CampaignImage:
    """Store the re-encoded file under a new unguessable name and save `image` (unsaved, with its
    alternative texts and uploader) pointing at it."""
    name = default_storage.save(f"{FOLDER}/{secrets.token_hex(16)}.{encoded.extension}", ContentFile(encoded.data))
    try:
        image.file.name = name
        image.width, image.height, image.size = encoded.width, encoded.height, len(encoded.data)
        image.save()
    except BaseException:
        default_storage.delete(name)
        raise
    return image


def campaign_image_delete(*, image: CampaignImage) -> None:
    """Delete an image no campaign uses, and its file once the deletion is committed.

    The row is locked before the check: a campaign being saved with this image holds a lock on
    it (campaign_body_validate) until it commits, so the check waits for it and then sees it."""
    with transaction.atomic():
        CampaignImage.objects.select_for_update().filter(pk=image.pk).exists()
        if selectors.campaign_image_campaigns(image=image):
            raise ValidationError(_("This image is used by a campaign; remove it from the campaign first."),
                                  code="in_use")
        name = image.file.name
        image.delete()
        transaction.on_commit(lambda: default_storage.delete(name))


def campaign_image_snippet(*, image: CampaignImage, language: str) -> str:
    """The Markdown that shows the image in a campaign in `language`."""
    alt = image.alt(language).replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return f"![{alt}]({media_url(image.file.name)})"


def _images_held(*, names: list[str]) -> set[str]:
    """Which of these storage names are campaign images, each locked until the caller's
    transaction ends, so that campaign_image_delete cannot remove one while the content that
    shows it is being saved (the admin saves inside one transaction)."""
    if not names:
        return set()
    with transaction.atomic():
        return set(
            CampaignImage.objects.filter(file__in=names).select_for_update(no_key=True).values_list("file", flat=True)
        )


def campaign_body_validate(*, body: str) -> None:
    """Refuse a campaign body whose images would not all be shown, naming each one (in the
    active language): from elsewhere, without alternative text, or not (or no longer) among
    the campaign images. Rendering would leave the first two out."""
    sources = markdown_image_sources(body)
    prefix = media_url_prefix()
    known = _images_held(names=[src[len(prefix):] for src, _alt in sources if media_image_src_allowed(src)])
    problems = []
    for src, alt in sources:
        if not media_image_src_allowed(src):
            problems.append(
                _("The image “%(src)s” is not an image uploaded to this site, so it would be left out: upload it "
                  "under Newsletter › Campaign images and paste the Markdown shown there.") % {"src": src}
            )
        elif not alt:
            problems.append(
                _("The image “%(src)s” has no alternative text, so it would be left out: describe what it shows "
                  "between the square brackets, as in ![Our team on a roof in Tessenderlo](…).") % {"src": src}
            )
        elif src[len(prefix):] not in known:
            problems.append(
                _("The image “%(src)s” is not among the campaign images (any more): upload it again and paste the "
                  "new Markdown.") % {"src": src}
            )
    if problems:
        raise ValidationError(problems, code="images")
