"""The e-mail layout every message shares: the logo, the site's colours, a 600 px table,
dark mode, and the sender's identity in the footer (`mail/templates/mail/email/layout.html`
and `.txt`). Campaigns extend it with their reason, unsubscribe and preference links;
transactional mail uses it as it is (no promotion).

Mail clients ignore most of a `<style>` block (Gmail keeps only some of it, Outlook renders
with Word), so the layout's CSS is written once in the template and copied into each
element's `style` attribute with css-inline. Only what cannot be inlined stays in a
`<style>` block: the `prefers-color-scheme: dark` and narrow-screen rules, for the clients
that honour them. A campaign inlines once per batch and language, before its per-recipient
values are filled in (mail.prerendered); a transactional message, once per message.
"""

import uuid
from collections.abc import Callable
from urllib.parse import urljoin

import css_inline
from django.conf import settings

# The site's colours (static/css/site.css, :root); tests/mail/test_layout.py keeps them equal.
COLOURS = {
    "ink": "#1b1f23", "muted": "#4a525a", "brand": "#0b5d1e", "brand_dark": "#073f14", "accent": "#f2b705",
    "paper": "#ffffff", "soft": "#f3f6f4", "line": "#c9d1cc",
}
# The site has no dark theme: these keep its green on dark backgrounds with enough contrast.
DARK_COLOURS = {
    "ink": "#e8ece9", "muted": "#b7c0ba", "link": "#8fd19e", "paper": "#1b1f23", "soft": "#111413",
    "line": "#3a423d",
}
# Under static/, served from the site itself (no third-party host); the name without the
# hash production adds, so a message sent years ago still finds its logo after a release.
LOGO_STATIC_PATH = "img/email-logo.png"
LOGO_WIDTH, LOGO_HEIGHT = 160, 40  # the file is twice this, for high-density screens
WIDTH = 600
# After the preheader, invisible characters keep a client's inbox preview from running on into
# the body (the logo's alternative text, the greeting).
PREHEADER_FILLER = "\u034f\u200c\u00a0" * 80

# Set by the app that knows the company (pages, in its AppConfig.ready): mail sits below it.
_identity_provider: Callable[[], str] | None = None

_INLINER = css_inline.CSSInliner(
    keep_at_rules=True,  # the dark-mode and narrow-screen @media rules stay in a <style> block
    load_remote_stylesheets=False,  # only the layout's own CSS, never a request while building mail
)


def sender_identity_provide(provider: Callable[[], str]) -> None:
    """Register what writes the sender's identity (legal name, form, office, enterprise number)
    in the active language, for every message's footer."""
    global _identity_provider
    _identity_provider = provider


def sender_identity() -> str:
    """The sender's identity in the active language, '' when nobody provides it."""
    return _identity_provider() if _identity_provider is not None else ""


def static_url(path: str) -> str:
    """The absolute address of a file under static/ on SITE_URL (e-mail clients need absolute ones)."""
    return urljoin(urljoin(settings.SITE_URL + "/", settings.STATIC_URL), path)


def layout_context() -> dict:
    """What the layout templates need beside a message's own context (call in its language)."""
    return {
        "site_url": settings.SITE_URL, "logo_url": static_url(LOGO_STATIC_PATH), "logo_width": LOGO_WIDTH,
        "logo_height": LOGO_HEIGHT, "width": WIDTH, "colours": COLOURS, "dark": DARK_COLOURS,
        "identity": sender_identity(), "preheader_filler": PREHEADER_FILLER,
    }


def css_inline_html(html: str) -> str:
    """The HTML with the CSS of its `<style>` block copied into `style` attributes (the @media
    rules kept in a `<style>` block). mail.prerendered's stand-ins hold NUL characters, which an
    HTML parser drops: they cross the inliner as a word of letters and digits."""
    if "\x00" not in html:
        return _INLINER.inline(html)
    word = f"standin{uuid.uuid4().hex}"
    return _INLINER.inline(html.replace("\x00", word)).replace(word, "\x00")
