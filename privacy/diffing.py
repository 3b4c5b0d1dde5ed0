"""A readable diff of two statement versions, on the text visitors read rather than its Markdown.

Both bodies are rendered and sanitised as on the statement page, cut into blocks (paragraphs,
list items, headings), and the blocks are compared; inside a changed block the words are.
Changes are marked with <ins>/<del>, each opening with a visually hidden "added"/"removed" for
screen readers. By default only the changes are shown, with a few blocks of context around
each; longer unchanged stretches collapse into one line that says how many blocks they hold.
The result goes through nh3 once more, allowing only what the statement page allows plus the
marks and labels, so nothing a version contains can run on the diff page either.
"""

import difflib
import html
import re
from dataclasses import dataclass
from functools import cached_property
from html.parser import HTMLParser

import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from core.richtext import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown

CONTEXT_BLOCKS = 2
# A changed block is shown word by word when at least this share of its words stayed; below it,
# as the old block removed and the new one added, which reads better than a confetti of marks.
SIMILAR_ENOUGH = 0.5

LEAF_TAGS = {"p", "h2", "h3", "h4", "li", "pre", "td", "th"}
LIST_TAGS = {"ul", "ol"}
_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass
class _Block:
    tag: str  # the element it is shown as
    container: str  # "ul" or "ol" for a list item, "" otherwise
    tokens: list[str]  # escaped words and whitespace, and inline tags as written

    @property
    def key(self) -> tuple[str, str, str]:
        return self.tag, self.container, "".join(self.tokens)

    @cached_property
    def words(self) -> list[str]:
        return [t for t in self.tokens if not t.startswith("<") and not t.isspace()]


class _BlockParser(HTMLParser):
    """Sanitised statement HTML to blocks. Headings keep their level; a paragraph inside a
    list item belongs to the item; table cells become paragraphs of their own."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[_Block] = []
        self.lists: list[str] = []
        self.current: _Block | None = None

    def _flush(self) -> None:
        if self.current is not None and self.current.words:
            self.blocks.append(self.current)
        self.current = None

    def _open(self, tag: str) -> None:
        if tag == "li" or (self.lists and tag == "p"):
            self.current = _Block("li", self.lists[-1] if self.lists else "ul", [])
        else:
            self.current = _Block("p" if tag in {"td", "th"} else tag, "", [])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in LIST_TAGS:
            self._flush()
            self.lists.append(tag)
        elif tag in LEAF_TAGS:
            self._flush()
            self._open(tag)
        elif tag not in {"table", "thead", "tbody", "tr", "blockquote", "hr"}:
            if self.current is None:  # the rest of a list item, after a list nested in it
                self._open("p")
            # Headings lose their ids: the diff shows a heading twice when it changed.
            kept = "".join(
                f' {name}="{html.escape(value or "")}"' for name, value in attrs if name != "id"
            )
            self.current.tokens.append(f"<{tag}{kept}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in LIST_TAGS:
            self._flush()
            if self.lists:
                self.lists.pop()
        elif tag in LEAF_TAGS:
            self._flush()
        elif self.current is not None and tag not in {"table", "thead", "tbody", "tr", "blockquote", "hr", "br"}:
            self.current.tokens.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.current is None:
            if not data.strip():
                return
            self._open("p")
        self.current.tokens.extend(_WORDS.findall(html.escape(data, quote=False)))


def _blocks(body: str) -> list[_Block]:
    parser = _BlockParser()
    parser.feed(render_markdown(body).html)
    parser.close()
    parser._flush()
    return parser.blocks


@dataclass(frozen=True)
class _Labels:
    added: str
    removed: str

    @classmethod
    def now(cls) -> "_Labels":
        lang = html.escape(get_language() or "")
        span = f'<span class="visually-hidden" lang="{lang}">{{}} </span>'
        return cls(
            added="<ins>" + span.format(html.escape(gettext("added:"))),
            removed="<del>" + span.format(html.escape(gettext("removed:"))),
        )


def _text(tokens: list[str]) -> str:
    return "".join(t for t in tokens if not t.startswith("<"))


def _marked(tokens: list[str], opening: str, closing: str) -> list[str]:
    """Wrap each run of text between tags, so that a mark never straddles an element's edge."""
    out: list[str] = []
    run: list[str] = []
    for token in [*tokens, None]:
        if token is None or token.startswith("<"):
            if run:
                text = "".join(run)
                out.append(text if text.isspace() else opening + text + closing)
                run = []
            if token is not None:
                out.append(token)
        else:
            run.append(token)
    return out


def _word_diff(old: list[str], new: list[str], labels: _Labels) -> str:
    """The new block's markup kept whole; removed words (without their markup) in <del>."""
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(new[j1:j2])
            continue
        removed = _text(old[i1:i2])
        if removed and not removed.isspace():
            out.append(labels.removed + removed + "</del>")
        out.extend(_marked(new[j1:j2], labels.added, "</ins>"))
    return "".join(out)


@dataclass(frozen=True)
class _Shown:
    kind: str  # "equal", "insert", "delete", "change"
    tag: str
    container: str
    inner: str


def _similar(old: _Block, new: _Block) -> bool:
    if old.tag != new.tag or old.container != new.container:
        return False
    matcher = difflib.SequenceMatcher(a=old.words, b=new.words, autojunk=False)
    return matcher.quick_ratio() >= SIMILAR_ENOUGH and matcher.ratio() >= SIMILAR_ENOUGH


def _compare(old: list[_Block], new: list[_Block], labels: _Labels) -> list[_Shown]:
    def whole(kind: str, block: _Block) -> _Shown:
        opening, closing = (labels.added, "</ins>") if kind == "insert" else (labels.removed, "</del>")
        return _Shown(kind, block.tag, block.container, "".join(_marked(block.tokens, opening, closing)))

    shown: list[_Shown] = []
    matcher = difflib.SequenceMatcher(a=[b.key for b in old], b=[b.key for b in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            shown.extend(_Shown("equal", b.tag, b.container, "".join(b.tokens)) for b in new[j1:j2])
            continue
        # Blocks that did not survive are shown removed, then their replacements added, each group
        # together rather than interleaved; a block that only changed is shown word by word.
        removed: list[_Shown] = []
        added: list[_Shown] = []
        olds, news = old[i1:i2], new[j1:j2]
        for k in range(max(len(olds), len(news))):
            before, after = (olds[k] if k < len(olds) else None), (news[k] if k < len(news) else None)
            if before is not None and after is not None and _similar(before, after):
                shown.extend(removed + added)
                removed, added = [], []
                inner = _word_diff(before.tokens, after.tokens, labels)
                shown.append(_Shown("change", after.tag, after.container, inner))
                continue
            if before is not None:
                removed.append(whole("delete", before))
            if after is not None:
                added.append(whole("insert", after))
        shown.extend(removed + added)
    return shown


def _collapsed(count: int) -> str:
    text = ngettext("… %(count)s unchanged paragraph …", "… %(count)s unchanged paragraphs …", count)
    return f'<p class="diff-skipped">{html.escape(text % {"count": count})}</p>'


def _visible(shown: list[_Shown], whole: bool) -> list[_Shown | int]:
    """The blocks to show, with each collapsed stretch as the number of blocks it holds."""
    if whole:
        return list(shown)
    near = [False] * len(shown)
    for i, block in enumerate(shown):
        if block.kind != "equal":
            for j in range(max(0, i - CONTEXT_BLOCKS), min(len(shown), i + CONTEXT_BLOCKS + 1)):
                near[j] = True
    out: list[_Shown | int] = []
    i = 0
    while i < len(shown):
        if near[i]:
            out.append(shown[i])
            i += 1
            continue
        j = i
        while j < len(shown) and not near[j]:
            j += 1
        # One unchanged block takes no more room than the line that would stand for it.
        out.extend(shown[i:j] if j - i == 1 else [j - i])
        i = j
    return out


def _html(visible: list[_Shown | int]) -> str:
    parts: list[str] = []
    open_list = ""
    for item in visible:
        container = item.container if isinstance(item, _Shown) else ""
        if open_list and container != open_list:
            parts.append(f"</{open_list}>")
            open_list = ""
        if isinstance(item, int):
            parts.append(_collapsed(item))
            continue
        if container and not open_list:
            parts.append(f"<{container}>")
            open_list = container
        parts.append(f'<{item.tag} class="diff-{item.kind}">{item.inner}</{item.tag}>')
    if open_list:
        parts.append(f"</{open_list}>")
    return "".join(parts)


DIFF_CLASSES = {f"diff-{kind}" for kind in ("equal", "insert", "delete", "change")}


def _sanitize(markup: str) -> str:
    attributes = {tag: names - {"id"} for tag, names in ALLOWED_ATTRIBUTES.items()}
    return nh3.clean(
        markup,
        tags=ALLOWED_TAGS | {"ins", "del", "span"},
        attributes={**attributes, "span": {"lang"}},
        allowed_classes={
            **{tag: DIFF_CLASSES for tag in LEAF_TAGS},
            "p": DIFF_CLASSES | {"diff-skipped"},
            "span": {"visually-hidden"},
        },
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )


@dataclass(frozen=True)
class RenderedDiff:
    html: SafeString
    changed: bool  # False when the two versions read the same


def diff_rendered(old_body: str, new_body: str, *, whole: bool = False) -> RenderedDiff:
    """Compare two Markdown bodies as rendered, in the active language (for the labels)."""
    shown = _compare(_blocks(old_body), _blocks(new_body), _Labels.now())
    markup = _sanitize(_html(_visible(shown, whole)))
    return RenderedDiff(
        html=mark_safe(markup),  # noqa: S308 - just sanitised by nh3
        changed=any(block.kind != "equal" for block in shown),
    )
