"""The customer's statement texts (privacy/seeds/) turned into first published versions.

The texts arrive as plain text copied from the old website. This module recognises
their section headings and lists and drops the website chrome after the statement,
and otherwise keeps the customer's wording exactly as received.
"""

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from privacy.models import Document, Version
from privacy.services.statements import version_publish

SEEDS_DIR = Path(__file__).resolve().parent / "seeds"

_BULLET = re.compile(r"^\s*[•–\-]\s*")
_MAX_HEADING_LENGTH = 80


@dataclass(frozen=True)
class Seed:
    filename: str
    document_slug: str
    document_name: str
    language: str
    title: str
    last_amended: datetime.date
    # The first line that is no longer statement text (the old site's footer).
    chrome_starts_at: str | None = None
    # Headings that the copy glued to the start of the following paragraph.
    glued_headings: tuple[str, ...] = ()
    # A first line that is the document's title rather than text.
    title_line: str | None = None
    change_summary: str = "Imported from the text of the previous website."


SEEDS = (
    Seed(
        filename="000_e19cad19838487b4.txt",
        document_slug="ilumen",
        document_name="iLumen privacy statement",
        language="en",
        title="Privacy policy, disclaimer",
        title_line="Privacy policy, disclaimer",
        last_amended=datetime.date(2022, 6, 27),
        chrome_starts_at="Smart homes installed.",
        glued_headings=("Intellectual property rights and copyrights",),
    ),
    Seed(
        filename="001_f05558cb8d50786b.txt",
        document_slug="ilumen",
        document_name="iLumen privacy statement",
        language="nl",
        title="Privacyverklaring, disclaimer",
        last_amended=datetime.date(2021, 10, 22),
        change_summary="Overgenomen uit de tekst van de vorige website.",
    ),
    Seed(
        filename="002_28daab99281cdb4b.txt",
        document_slug="illuminoo",
        document_name="Illuminoo privacy statement",
        language="en",
        title="Illuminoo B.V. privacy statement",
        last_amended=datetime.date(2017, 9, 18),
    ),
)


def _is_heading(line: str) -> bool:
    text = line.strip()
    if not text or len(text) > _MAX_HEADING_LENGTH or _BULLET.match(line):
        return False
    if text[-1] in ".:;,”\"" or text[-1].isdigit() or ":" in text:
        return False
    # "iLusmart App": a brand written with a small initial still starts a heading.
    return text[0].isupper() or (len(text) > 1 and text[0].islower() and text[1].isupper())


def seed_to_markdown(text: str, seed: Seed) -> str:
    """Plain seed text to Markdown: headings as ##/###, dashes and bullets as lists."""
    if seed.chrome_starts_at and seed.chrome_starts_at in text:
        text = text[: text.index(seed.chrome_starts_at)]
    for heading in seed.glued_headings:
        text = text.replace(heading, heading + "\n\n", 1)
    blocks: list[str] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            continue
        if seed.title_line and not blocks and line == seed.title_line:
            continue
        if _BULLET.match(raw):
            item = "- " + _BULLET.sub("", raw).strip()
            if blocks and blocks[-1].startswith("- "):
                blocks[-1] += "\n" + item
            else:
                blocks.append(item)
        elif _is_heading(line):
            blocks.append(("### " if line.endswith("?") else "## ") + line)
        else:
            blocks.append(line)
    return "\n\n".join(blocks) + "\n"


def load_seed_statements(seeds_dir: Path = SEEDS_DIR) -> list[Version]:
    """Publish each seed as version 1 of its document and language, unless one exists.

    Idempotent: running it again creates nothing.
    """
    created: list[Version] = []
    for seed in SEEDS:
        with transaction.atomic():
            document, _ = Document.objects.get_or_create(
                slug=seed.document_slug, defaults={"name": seed.document_name}
            )
            if Version.objects.filter(document=document, language=seed.language).exists():
                continue
            body = seed_to_markdown((seeds_dir / seed.filename).read_text(encoding="utf-8"), seed)
            draft = Version.objects.create(
                document=document,
                language=seed.language,
                title=seed.title,
                body=body,
                last_amended=seed.last_amended,
                change_summary=seed.change_summary,
            )
            created.append(version_publish(version=draft, user=None))
    return created
