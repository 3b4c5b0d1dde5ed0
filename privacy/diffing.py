"""A readable diff of two statement bodies: paragraphs, with word-level changes inside."""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class DiffBlock:
    kind: str  # "equal", "insert", "delete" or "change"
    html: SafeString


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]


def _word_diff(old: str, new: str) -> SafeString:
    old_words, new_words = _WORDS.findall(old), _WORDS.findall(new)
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = escape("".join(old_words[i1:i2])), escape("".join(new_words[j1:j2]))
        if tag == "equal":
            parts.append(removed)
            continue
        if removed:
            parts.append(f"<del>{removed}</del>")
        if added:
            parts.append(f"<ins>{added}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped


def diff_texts(old: str, new: str) -> list[DiffBlock]:
    """Compare two Markdown bodies paragraph by paragraph."""
    old_paras, new_paras = _paragraphs(old), _paragraphs(new)
    blocks: list[DiffBlock] = []
    matcher = difflib.SequenceMatcher(a=old_paras, b=new_paras, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            blocks.extend(DiffBlock("equal", escape(p)) for p in old_paras[i1:i2])
        elif tag == "delete":
            blocks.extend(DiffBlock("delete", escape(p)) for p in old_paras[i1:i2])
        elif tag == "insert":
            blocks.extend(DiffBlock("insert", escape(p)) for p in new_paras[j1:j2])
        else:
            olds, news = old_paras[i1:i2], new_paras[j1:j2]
            for k in range(max(len(olds), len(news))):
                if k < len(olds) and k < len(news):
                    blocks.append(DiffBlock("change", _word_diff(olds[k], news[k])))
                elif k < len(olds):
                    blocks.append(DiffBlock("delete", escape(olds[k])))
                else:
                    blocks.append(DiffBlock("insert", escape(news[k])))
    return blocks
