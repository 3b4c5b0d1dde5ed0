"""What subscribers receive over SMTP when a campaign shows an uploaded image."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from newsletter.models import CampaignContent, CampaignImage
from newsletter.services.images import campaign_image_create, campaign_image_encode

from .factories import campaign_sending, campaign_with_content, confirmed_subscriber, send_all


def test_every_recipient_gets_the_same_image_address_and_no_third_party_image(smtp_mail, topic, settings, tmp_path):
    import io

    settings.SITE_URL, settings.MEDIA_ROOT = "https://www.ilumen.be", tmp_path
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(out, "JPEG")
    image = campaign_image_create(
        image=CampaignImage(alt_nl="Panelen", alt_en="Panels"),
        encoded=campaign_image_encode(upload=SimpleUploadedFile("p.jpg", out.getvalue())),
    )
    url = f"https://www.ilumen.be/media/{image.file.name}"
    for name in ("ann", "bob", "cas"):
        confirmed_subscriber(f"{name}@example.com", topic, language="en", name=name.title())
    campaign = campaign_with_content(topic, languages=("en",))
    # Written straight to the row (the admin would refuse the pixel): rendering must drop it anyway.
    CampaignContent.objects.filter(campaign=campaign).update(
        body=f"News.\n\n![Panels on a roof]({url})\n\n![x](https://tracker.example/open.gif)"
    )
    send_all(campaign_sending(campaign))
    images = set()
    for received in smtp_mail.received:
        html = received.message.get_body(("html",)).get_content()
        images.add(tuple(re.findall(r'<img\b[^>]*\b(alt="[^"]*") src="([^"]*)"', html)))
        assert "tracker" not in received.raw.decode()
        assert "[Panels on a roof]" in received.message.get_body(("plain",)).get_content()
    assert len(smtp_mail.received) == 3
    logo = ('alt="iLumen"', "https://www.ilumen.be/static/img/email-logo.png")
    assert images == {(logo, ('alt="Panels on a roof"', url))}
