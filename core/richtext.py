"""Markdown to safe HTML, shared by statements and newsletter campaigns.

Staff write Markdown (raw HTML allowed by Markdown itself); whatever they write is
passed through nh3 (the Ammonia sanitiser) before it can reach a page or an e-mail.

Campaigns may also show images (`images=True`), but only the site's own uploads: an
`<img>` whose `src` is not a file under the absolute media address (`core.media`) loses
its `src`, and an image without a `src` or without alternative text is removed (the
campaign admin refuses such images at save time, from `markdown_image_sources`). A
third-party image in an e-mail is a tracking pixel (EDPB Guidelines 2/2023); ours have
one address for every recipient. Statements never show images.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import markdown
import nh3

from core.media import media_url_prefix

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
IMAGE_ATTRIBUTES = {"src", "alt", "title", "width", "height"}
# What may follow the media address in an image's src: folders and a file name of plain
# characters with an image extension; no "..", query, fragment, escape or user info.
MEDIA_IMAGE_PATH = re.compile(r"(?:[a-z0-9-]+/)*[A-Za-z0-9_-]+\.(?:jpg|jpeg|png|gif|webp)")
_SIZE = re.compile(r"[0-9]{1,4}")
# nh3's output is serialised by html5ever: every attribute value is double-quoted, with
# '"', '<' and '>' escaped, so a tag ends at its first '>'.
_IMG_TAG = re.compile(r"<img\b[^>]*>")
_ATTRIBUTE = re.compile(r'\s([a-z-]+)="([^"]*)"')


@dataclass(frozen=True)
class TocEntry:
    anchor: str
    title: str
    level: int


@dataclass(frozen=True)
class RenderedText:
    html: str
    toc: list[TocEntry] = field(default_factory=list)


def media_image_src_allowed(src: str) -> bool:
    """True for the absolute address of an image file under the site's own MEDIA_URL."""
    prefix = media_url_prefix()
    return src.startswith(prefix) and MEDIA_IMAGE_PATH.fullmatch(src[len(prefix):]) is not None


def _image_attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag != "img":
        return value
    if attribute == "src":
        return value if media_image_src_allowed(value) else None
    if attribute in ("width", "height"):
        return value if _SIZE.fullmatch(value) else None
    return value


def _image_complete(tag: re.Match) -> str:
    attributes = dict(_ATTRIBUTE.findall(tag.group(0)))
    return tag.group(0) if attributes.get("src") and attributes.get("alt", "").strip() else ""


def sanitize_html(html: str, *, images: bool = False) -> str:
    """Keep only harmless markup; scripts, styles, event handlers and foreign ids go.

    With `images`, the site's own uploaded images stay (with their alternative text); any
    other image goes.
    """
    if not images:
        return nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto", "tel"},
            link_rel="noopener noreferrer nofollow",
            id_prefix=HEADING_ID_PREFIX,
        )
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS | {"img"},
        attributes={**ALLOWED_ATTRIBUTES, "img": IMAGE_ATTRIBUTES},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
        id_prefix=HEADING_ID_PREFIX,
        attribute_filter=_image_attribute_filter,
    )
    return _IMG_TAG.sub(_image_complete, cleaned)


def _flatten(tokens: list[dict]) -> list[TocEntry]:
    entries: list[TocEntry] = []
    for token in tokens:
        entries.append(
            TocEntry(anchor=HEADING_ID_PREFIX + token["id"], title=token["name"], level=token["level"])
        )
        entries.extend(_flatten(token.get("children", [])))
    return entries


def _markdown() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["toc", "sane_lists", "tables"],
        extension_configs={"toc": {"toc_depth": "2-4"}},
    )


def render_markdown(text: str, *, images: bool = False) -> RenderedText:
    """Render Markdown to sanitised HTML and a table of contents of its headings.

    `images=True` is for campaigns only: it keeps the site's own uploaded images.
    """
    md = _markdown()
    html = md.convert(text or "")
    toc = [entry for entry in _flatten(md.toc_tokens) if entry.level >= 2]
    return RenderedText(html=sanitize_html(html, images=images), toc=toc)


class _ImageFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            found = dict(attrs)
            self.images.append(((found.get("src") or "").strip(), (found.get("alt") or "").strip()))


def markdown_image_sources(text: str) -> list[tuple[str, str]]:
    """(src, alternative text) of every image the Markdown (or the HTML in it) asks for."""
    finder = _ImageFinder()
    finder.feed(_markdown().convert(text or ""))
    finder.close()
    return finder.images



class _TextExtractor(HTMLParser):
    """Sanitised HTML to readable plain text: paragraphs, headings underlined (as plain-text
    mail has long written them), list bullets, quotes after "> ", links as 'text (url)', images
    as '[their alternative text]'."""

    BLOCKS = {"p", "h2", "h3", "h4", "blockquote", "pre", "table", "tr", "ul", "ol", "hr"}
    UNDERLINES = {"h2": "=", "h3": "-", "h4": "-"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.list_stack: list[list[int]] = []  # per open list: [is_ordered, counter]
        self.pre = 0
        self.starts: list[int] = []  # where each open heading or quote began in `parts`

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        if tag in self.UNDERLINES or tag == "blockquote":
            self.starts.append(len(self.parts))
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
        elif tag == "img" and (alt := (dict(attrs).get("alt") or "").strip()):
            self.parts.append(f"[{alt}]")

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
        elif (tag in self.UNDERLINES or tag == "blockquote") and self.starts:
            start = self.starts.pop()
            inner = "\n".join(line.strip() for line in "".join(self.parts[start:]).split("\n"))
            inner = re.sub(r"\n{3,}", "\n\n", inner).strip()
            if tag == "blockquote":
                inner = "\n".join(f"> {line}".rstrip() for line in inner.split("\n"))
            elif inner:
                inner = " ".join(inner.split())
                inner += "\n" + self.UNDERLINES[tag] * len(inner)
            self.parts[start:] = [inner]
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
