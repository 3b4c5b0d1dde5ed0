"""Markdown to safe HTML, shared by statements and newsletter campaigns.

Staff write Markdown (raw HTML allowed by Markdown itself); whatever they write is
passed through nh3 (the Ammonia sanitiser) before it can reach a page or an e-mail.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

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



class _TextExtractor(HTMLParser):
    """Sanitised HTML to readable plain text: paragraphs, list bullets, links as 'text (url)'."""

    BLOCKS = {"p", "h2", "h3", "h4", "blockquote", "pre", "table", "tr", "ul", "ol", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.list_stack: list[list[int]] = []  # per open list: [is_ordered, counter]
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        if tag in {"ul", "ol"}:
            self.list_stack.append([tag == "ol", 0])
        elif tag == "li":
            indent = "  " * max(len(self.list_stack) - 1, 0)
            if self.list_stack and self.list_stack[-1][0]:
                self.list_stack[-1][1] += 1
                self.parts.append(f"\n{indent}{self.list_stack[-1][1]}. ")
            else:
                self.parts.append(f"\n{indent}- ")
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "hr":
            self.parts.append("----------")
        elif tag in {"td", "th"}:
            self.parts.append("\t")
        elif tag == "pre":
            self.pre += 1
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"ul", "ol"} and self.list_stack:
            self.list_stack.pop()
        elif tag == "pre":
            self.pre = max(self.pre - 1, 0)
        elif tag == "a" and self.links:
            href = self.links.pop()
            text = self.parts[-1].strip() if self.parts else ""
            if href and href != text and not href.startswith("#"):
                self.parts.append(f" ({href})")
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data if self.pre else re.sub(r"\s+", " ", data))

    def text(self) -> str:
        lines = []
        for line in "".join(self.parts).split("\n"):
            # Keep list indentation; drop the stray spaces that whitespace collapsing leaves.
            lines.append(line.rstrip() if re.match(r"\s*(- |\d+\. )", line) else line.strip())
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """The plain-text alternative of sanitised HTML (for the text part of an e-mail)."""
    extractor = _TextExtractor()
    extractor.feed(html or "")
    extractor.close()
    return extractor.text()
