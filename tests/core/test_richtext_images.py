"""Images in rich text: campaigns show only the site's own uploads, each with alternative text;
statements show none. A third-party image in an e-mail is a tracking pixel (EDPB Guidelines 2/2023)."""

import re

import pytest

from core.richtext import html_to_text, markdown_image_sources, render_markdown

SITE = "https://www.ilumen.be"
OURS = f"{SITE}/media/campaign-images/{'a1' * 16}.jpg"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.MEDIA_URL = "media/"


def _images(html: str) -> list[str]:
    return re.findall(r"<img\b[^>]*>", html)


def test_a_campaign_keeps_the_sites_own_image_with_its_alternative_text():
    html = render_markdown(f"Our team:\n\n![Two fitters on a roof in Tessenderlo]({OURS})", images=True).html
    assert _images(html) == [f'<img alt="Two fitters on a roof in Tessenderlo" src="{OURS}">']


@pytest.mark.parametrize("src", [
    "https://tracker.example/pixel.gif",
    "https://tracker.example/media/campaign-images/a.jpg",
    "http://www.ilumen.be/media/campaign-images/a.jpg",  # another origin: not SITE_URL's scheme
    "https://www.ilumen.be.tracker.example/media/campaign-images/a.jpg",
    "https://www.ilumen.be@tracker.example/media/campaign-images/a.jpg",
    "//tracker.example/media/campaign-images/a.jpg",
    "/media/campaign-images/a.jpg",  # relative: e-mail clients cannot resolve it; the snippet is absolute
    f"{SITE}/static/img/logo.png",  # the site, but not an upload
    f"{SITE}/media/campaign-images/a.jpg?recipient=ann%40example.com",  # one URL per recipient is a pixel
    f"{SITE}/media/campaign-images/a.jpg#ann",
    f"{SITE}/media/../nl/newsletter/a.jpg",
    f"{SITE}/media/campaign-images/%2e%2e/a.jpg",
    f"{SITE}/media/campaign-images/a.svg",
    "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
])
def test_a_campaign_drops_every_image_that_is_not_an_upload_of_this_site(src):
    for text in (f"![A pixel]({src})", f'<p><img src="{src}" alt="A pixel"></p>'):
        html = render_markdown(text, images=True).html
        assert _images(html) == [], (text, html)
        assert "tracker" not in html and "recipient" not in html


def test_a_campaign_image_loses_everything_but_its_source_size_and_texts():
    text = (
        f'<img src="{OURS}" alt="Panels" title="Our panels" width="600" height="auto" '
        f'srcset="https://tracker.example/p.gif 2x" onerror="alert(1)" style="background:url(https://t.example/)" '
        'loading="lazy">'
    )
    html = render_markdown(text, images=True).html
    assert _images(html) == [f'<img src="{OURS}" alt="Panels" title="Our panels" width="600">']


@pytest.mark.parametrize("text", [
    f"![]({OURS})",
    f'<img src="{OURS}">',
    f'<img src="{OURS}" alt="   ">',
])
def test_a_campaign_image_without_alternative_text_is_left_out(text):
    assert _images(render_markdown(text, images=True).html) == []


def test_an_alternative_text_with_markup_characters_stays_text():
    html = render_markdown(f'<img src="{OURS}" alt="a &gt; b &quot;c&quot; <script>">', images=True).html
    assert _images(html) == [f'<img src="{OURS}" alt="a &gt; b &quot;c&quot; &lt;script&gt;">']


def test_a_statement_shows_no_image_at_all_not_even_the_sites_own():
    for text in (f"![Our team]({OURS})", f'<img src="{OURS}" alt="Our team">', "![x](https://tracker.example/p.gif)"):
        html = render_markdown(text).html
        assert "<img" not in html and "tracker" not in html and "campaign-images" not in html


def test_the_plain_text_part_names_each_image_by_its_alternative_text():
    html = render_markdown(f"Look:\n\n![Two fitters on a roof]({OURS})\n\nBye.", images=True).html
    assert html_to_text(html) == "Look:\n\n[Two fitters on a roof]\n\nBye."


def test_the_images_markdown_asks_for_are_listed_for_the_save_time_check():
    text = f"![A pixel](https://tracker.example/p.gif)\n\n![]({OURS})\n\n<img src=' {OURS} ' alt=' Panels '>"
    assert markdown_image_sources(text) == [("https://tracker.example/p.gif", "A pixel"), (OURS, ""), (OURS, "Panels")]
