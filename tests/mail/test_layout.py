"""mail's e-mail layout: the site's colours, CSS inlined with the dark-mode rules kept in a
<style> block, the stand-ins of the pre-rendered builder surviving the inliner, and every
transactional HTML template in the family (logo, 600 px, the sender's identity), without promotion."""

import re
from pathlib import Path

import pytest

from mail.layout import COLOURS, css_inline_html
from mail.messages import transactional_message
from mail.prerendered import PrerenderedMessage, stand_in

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_the_layout_uses_the_site_colours():
    site = (ROOT / "static/css/site.css").read_text()
    root = re.search(r":root\s*\{(.*?)\}", site, re.S).group(1)
    variables = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", root))
    assert {name.replace("_", "-"): value for name, value in COLOURS.items()} == {
        name: value for name, value in variables.items() if name != "focus"
    }


def test_inlining_keeps_the_stand_ins_and_only_the_media_rules_in_a_style_block():
    html = (
        "<html><head><style>a { color: #0b5d1e; } @media (prefers-color-scheme: dark) { a { color: #8fd19e"
        f" !important; }} }}</style></head><body><p>{stand_in('greeting')}</p>"
        f"<a href=\"{stand_in('unsubscribe')}\">x</a></body></html>"
    )
    inlined = css_inline_html(html)
    assert '<a href="\x00unsubscribe\x00" style="color: #0b5d1e;">' in inlined
    assert "<p>\x00greeting\x00</p>" in inlined
    [style] = re.findall(r"<style>(.*?)</style>", inlined, re.S)
    assert "prefers-color-scheme: dark" in style and "a { color: #0b5d1e; }" not in style
    # The builder fills them in as before.
    message = PrerenderedMessage(from_email="info@ilumen.be", subject="S", text="t", html=inlined).build(
        to_email="eve@example.com", message_id="<c1@ilumen.be>",
        values={"greeting": "Hello <Eve>,", "unsubscribe": "https://www.ilumen.be/u/1/"},
    )
    assert "<p>Hello &lt;Eve&gt;,</p>" in message.html and 'href="https://www.ilumen.be/u/1/"' in message.html


TRANSACTIONAL = {
    "newsletter/email/confirm": {"name": "Ann", "topics": ["Nieuwsbrief"], "max_age_days": 7,
                                 "confirm_url": "https://www.ilumen.be/nl/newsletter/confirm/t/"},
    "newsletter/email/preferences_link": {"name": "Ann", "preferences_url": "https://www.ilumen.be/nl/p/t/"},
    "datarights/email/access_link": {"link_url": "https://www.ilumen.be/nl/l/t/", "valid_hours": 1},
    "datarights/email/inactivity_warning": {"name": "Ann", "years": 4, "deletion_date": "2030-01-01",
                                            "stay_url": "https://www.ilumen.be/nl/s/t/"},
}


@pytest.mark.parametrize("template", TRANSACTIONAL)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_transactional_html_mail_is_in_the_family_without_promotion(settings, template, language):
    settings.SITE_URL = "https://www.ilumen.be"
    message = transactional_message(template=template, to_email="ann@example.com", language=language,
                                    context=TRANSACTIONAL[template])
    [(html, _type)] = message.alternatives
    assert '<img class="logo" alt="iLumen" src="https://www.ilumen.be/static/img/email-logo.png"' in html
    assert re.search(r'<table class="container"[^>]* width="600"[^>]* style="width: 600px;', html)
    assert '<meta name="color-scheme" content="light dark">' in html
    assert "iLumen" in message.body.split("\n-- \n")[1]  # the signature: the sender and the site
    identity = {"nl": "Maatschappelijke zetel: Ambachtsstraat 19", "en": "Registered office: Ambachtsstraat 19"}
    assert identity[language] in " ".join(html.split()) and identity[language] in message.body
    # Nothing of a campaign: no reason for receiving it, no unsubscribe link, no preheader.
    for promotion in ("/newsletter/unsubscribe/", "You receive this e-mail", "U ontvangt deze e-mail",
                      'class="preheader"'):
        assert promotion not in html and promotion not in message.body
    assert "List-Unsubscribe" not in message.extra_headers


def test_a_deleted_company_profile_leaves_the_plain_name(settings):
    from pages.models import CompanyProfile

    CompanyProfile.objects.all().delete()
    message = transactional_message(template="datarights/email/access_link", to_email="a@example.com",
                                    language="en", context=TRANSACTIONAL["datarights/email/access_link"])
    assert message.body.split("\n-- \n")[1].startswith("iLumen\n") and "None" not in message.body
