"""Markdown to safe HTML, shared by statements and newsletter campaigns.

Staff write Markdown (raw HTML allowed by Markdown itself); whatever they write is
passed through nh3 (the Ammonia sanitiser) before it can reach a page or an e-mail.
"""

from dataclasses import dataclass, field

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "i",
    "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "th": {"scope"},
}
# Prefix every id so that content can never clobber the page's own element ids.
HEADING_ID_PREFIX = "sec-"


@dataclass(frozen=True)
class TocEntry:
    anchor: str
    title: str
    level: int


@dataclass(frozen=True)
class RenderedText:
    html: str
    toc: list[TocEntry] = field(default_factory=list)


def sanitize_html(html: str) -> str:
    """Keep only harmless markup; scripts, styles, event handlers and foreign ids go."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
        id_prefix=HEADING_ID_PREFIX,
    )


def _flatten(tokens: list[dict]) -> list[TocEntry]:
    entries: list[TocEntry] = []
    for token in tokens:
        entries.append(
            TocEntry(anchor=HEADING_ID_PREFIX + token["id"], title=token["name"], level=token["level"])
        )
        entries.extend(_flatten(token.get("children", [])))
    return entries


def render_markdown(text: str) -> RenderedText:
    """Render Markdown to sanitised HTML and a table of contents of its headings."""
    md = markdown.Markdown(
        extensions=["toc", "sane_lists", "tables"],
        extension_configs={"toc": {"toc_depth": "2-4"}},
    )
    html = md.convert(text or "")
    toc = [entry for entry in _flatten(md.toc_tokens) if entry.level >= 2]
    return RenderedText(html=sanitize_html(html), toc=toc)

