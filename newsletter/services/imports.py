"""Import subscribers from a CSV file with the evidence of their consent (docs/newsletter.md,
"Importing subscribers").

A row becomes confirmed subscriptions only with complete evidence of consent given to iLumen;
any other row is reported, never written to and never mailed (asking for consent by e-mail is
itself an unsolicited message). Nothing is mailed for imported rows either, not even a welcome:
the first message such a person gets is a campaign, with its suppression checks and unsubscribe
links. A file is applied whole or not at all: every row is applied inside one transaction, which
is rolled back for a dry run or when any row is invalid. Rows are read as a stream and written
in batches, so memory does not grow with the file.
"""

import csv
import datetime
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core.email import email_normalize
from core.validators import NAME_MAX_LENGTH, person_name_validate
from mail.hashing import address_hash
from mail.selectors import addresses_suppressed, suppressions_of
from newsletter.models import ConsentProof, Subscriber, Subscription, Topic
from newsletter.services.import_report import ImportFileError, ImportReport

BATCH_SIZE = 1000
EVIDENCE_COLUMNS = (
    "consent_controller", "consent_topics", "consent_source", "consent_date", "consent_text", "consent_original",
)
REQUIRED_COLUMNS = ("email", "topics", *EVIDENCE_COLUMNS)
OPTIONAL_COLUMNS = ("name", "language")
# Topic slugs in a cell: separated by commas, semicolons, bars or spaces.
SLUG_SEPARATORS = re.compile(r"[\s,;|]+")
# Dates as Belgian spreadsheets write them, besides ISO 8601 (read by datetime.fromisoformat).
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")
HEADER_MAX_BYTES = 64 * 1024
MAX_LENGTHS = {
    "name": NAME_MAX_LENGTH, "consent_controller": 200, "consent_source": 200, "consent_original": 300,
    "consent_text": 10000,
}


@dataclass(frozen=True)
class _Row:
    number: int
    email: str
    name: str
    language: str
    topic_ids: tuple[int, ...]
    controller: str
    source: str
    given_at: datetime.datetime
    text: str
    original: str


def _delimiter(header: str) -> str:
    return ";" if header.count(";") > header.count(",") else ","


def _columns(header_cells: list[str]) -> dict[str, int]:
    columns = {cell.strip().lower(): index for index, cell in enumerate(header_cells)}
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ImportFileError("columns", ", ".join(missing))
    return columns


def import_header_check(*, head: bytes) -> None:
    """Refuse a file whose first line is not a UTF-8 header with every required column
    (the admin's upload form, so that the person uploading learns it at once)."""
    line, newline, _rest = head.partition(b"\n")
    if not newline and len(head) >= HEADER_MAX_BYTES:
        raise ImportFileError("header")
    try:
        text = line.decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError:
        raise ImportFileError("encoding") from None
    if not text.strip():
        raise ImportFileError("empty")
    _columns(next(csv.reader([text], delimiter=_delimiter(text))))


def _records(lines: io.TextIOBase) -> tuple[dict[str, int], Iterator[list[str]]]:
    header = lines.readline()
    if not header.strip():
        raise ImportFileError("empty")
    reader = csv.reader(itertools.chain([header], lines), delimiter=_delimiter(header))
    return _columns(next(reader)), reader


def _given_at(value: str) -> datetime.datetime | None:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        moment = None
        for date_format in DATE_FORMATS:
            try:
                moment = datetime.datetime.strptime(value, date_format)
                break
            except ValueError:
                continue
    if moment is None:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _language(value: str) -> str | None:
    code = re.split(r"[-_]", value.strip().lower())[0] or settings.LANGUAGE_CODE
    return code if code in dict(settings.LANGUAGES) else None


class _Reader:
    """Turns one CSV record into a valid row, or reports why it is not one."""

    def __init__(self, *, columns: dict[str, int], report: ImportReport, now: datetime.datetime) -> None:
        self.columns = columns
        self.report = report
        self.now = now
        self.oldest = now - datetime.timedelta(days=settings.INACTIVE_PROFILE_DAYS)
        self.topics = dict(Topic.objects.values_list("slug", "pk"))
        self.controllers = {_folded(name) for name in settings.NEWSLETTER_IMPORT_CONTROLLER_NAMES}

    def cell(self, cells: list[str], name: str) -> str:
        index = self.columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def row(self, number: int, cells: list[str]) -> _Row | None:
        values = {name: self.cell(cells, name) for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)}
        fail = self.report.fail
        too_long = [name for name, limit in MAX_LENGTHS.items() if len(values[name]) > limit]
        if too_long:
            return fail(number, "too_long", ", ".join(too_long))
        email = email_normalize(values["email"])
        try:
            validate_email(email)
        except ValidationError:
            return fail(number, "email")
        try:
            person_name_validate(values["name"])
        except ValidationError:
            return fail(number, "name")
        language = _language(values["language"])
        if language is None:
            return fail(number, "language")
        slugs = [slug for slug in SLUG_SEPARATORS.split(values["topics"].lower()) if slug]
        if not slugs:
            return fail(number, "no_topics")
        unknown = [slug for slug in slugs if slug not in self.topics]
        if unknown:
            return fail(number, "topic", ", ".join(unknown))
        given_at = _given_at(values["consent_date"]) if values["consent_date"] else None
        if values["consent_date"] and given_at is None:
            return fail(number, "date")
        if given_at is not None and given_at > self.now:
            return fail(number, "date_future")
        return self._with_evidence(number, values, email, language, slugs, given_at)

    def _with_evidence(
        self, number: int, values: dict[str, str], email: str, language: str, slugs: list[str],
        given_at: datetime.datetime | None,
    ) -> _Row | None:
        missing = [name for name in EVIDENCE_COLUMNS if not values[name]]
        if missing:
            return self.report.skip(number, "evidence_incomplete", ", ".join(missing))
        if _folded(values["consent_controller"]) not in self.controllers:
            return self.report.skip(number, "other_controller")
        if given_at < self.oldest:
            return self.report.skip(number, "evidence_too_old")
        covered = set(SLUG_SEPARATORS.split(values["consent_topics"].lower()))
        uncovered = [slug for slug in slugs if slug not in covered]
        if uncovered:
            return self.report.skip(number, "topics_not_covered", ", ".join(uncovered))
        return _Row(
            number=number, email=email, name=values["name"], language=language,
            topic_ids=tuple(dict.fromkeys(self.topics[slug] for slug in slugs)),
            controller=values["consent_controller"], source=values["consent_source"], given_at=given_at,
            text=values["consent_text"], original=values["consent_original"],
        )


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()


def _not_suppressed(batch: list[_Row], report: ImportReport) -> list[_Row]:
    suppressed = addresses_suppressed({row.email for row in batch})
    # Suppressed addresses are few: their reasons are read one by one.
    erased = {
        email for email in suppressed
        if suppressions_of(hashed=address_hash(email)).filter(reason="erasure").exists()
    }
    kept = []
    for row in batch:
        if row.email in erased:
            report.skip(row.number, "erased")
        elif row.email in suppressed:
            report.skip(row.number, "suppressed")
        else:
            kept.append(row)
    return kept


def _subscriber_ids(batch: list[_Row]) -> tuple[dict[str, int], set[str]]:
    """Every row's subscriber id, creating those that do not exist (an existing one's name and
    language are left as they are); and the addresses created here."""
    emails = {row.email for row in batch}
    existing = dict(Subscriber.objects.filter(email__in=emails).values_list("email", "pk"))
    new = {}
    for row in batch:
        if row.email not in existing and row.email not in new:
            new[row.email] = Subscriber(email=row.email, name=row.name, language=row.language)
    # A subscription request for one of these addresses may commit meanwhile: it wins.
    Subscriber.objects.bulk_create(new.values(), ignore_conflicts=True)
    existing.update(Subscriber.objects.filter(email__in=list(new)).values_list("email", "pk"))
    return existing, set(new)


def _apply(batch: list[_Row], report: ImportReport, now: datetime.datetime) -> None:
    batch = _not_suppressed(batch, report)
    ids, created = _subscriber_ids(batch)
    current = {
        (subscriber_id, topic_id): (pk, status)
        for pk, subscriber_id, topic_id, status in Subscription.objects.filter(
            subscriber_id__in=ids.values()
        ).values_list("pk", "subscriber_id", "topic_id", "status")
    }
    plan = []
    for row in batch:
        subscriber_id = ids[row.email]
        states = {topic_id: current.get((subscriber_id, topic_id), (None, None)) for topic_id in row.topic_ids}
        # Confirmed topics stay on their proof; a topic the person left here stays left.
        new = [topic_id for topic_id, (_pk, status) in states.items()
               if status not in (Subscription.Status.CONFIRMED, Subscription.Status.UNSUBSCRIBED)]
        if not new:
            left = any(status == Subscription.Status.UNSUBSCRIBED for _pk, status in states.values())
            report.skip(row.number, "unsubscribed" if left else "already_subscribed")
            continue
        for topic_id in new:
            current[(subscriber_id, topic_id)] = (states[topic_id][0], Subscription.Status.CONFIRMED)
        proof = ConsentProof(
            subscriber_id=subscriber_id, origin=ConsentProof.Origin.IMPORT, requested_name=row.name,
            language=row.language, consent_text=row.text, consent_version="", source=row.source,
            given_at=row.given_at, confirmed_at=now, controller=row.controller, original_location=row.original,
        )
        plan.append((proof, subscriber_id, [(topic_id, states[topic_id][0]) for topic_id in new]))
        if row.email in created:
            created.discard(row.email)  # a second row for the same address adds topics
            report.created += 1
        else:
            report.updated += 1
    _write(plan, now)


def _write(plan: list[tuple[ConsentProof, int, list[tuple[int, int | None]]]], now: datetime.datetime) -> None:
    ConsentProof.objects.bulk_create([proof for proof, _id, _topics in plan])
    ConsentProof.topics.through.objects.bulk_create([
        ConsentProof.topics.through(consentproof_id=proof.pk, topic_id=topic_id)
        for proof, _id, topics in plan for topic_id, _pk in topics
    ])
    confirmed = {"status": Subscription.Status.CONFIRMED, "confirmed_at": now, "unsubscribed_at": None}
    Subscription.objects.bulk_create([
        Subscription(subscriber_id=subscriber_id, topic_id=topic_id, proof=proof, **confirmed)
        for proof, subscriber_id, topics in plan for topic_id, pk in topics if pk is None
    ])
    Subscription.objects.bulk_update(
        [Subscription(pk=pk, proof=proof, **confirmed) for proof, _id, topics in plan for _t, pk in topics if pk],
        ["status", "proof", "confirmed_at", "unsubscribed_at"], batch_size=BATCH_SIZE,
    )


def subscribers_import(*, path: Path, dry_run: bool) -> ImportReport:
    """Import the file at `path`; raises ImportFileError for a file that cannot be read at all.

    The report counts every row; `applied` is false after a dry run or when a row was invalid.
    """
    report = ImportReport(dry_run=dry_run)
    now = timezone.now()
    with open(path, "rb") as raw, transaction.atomic():
        lines = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        try:
            columns, records = _records(lines)
            reader = _Reader(columns=columns, report=report, now=now)
            batch: list[_Row] = []
            # Row 1 is the header, as a spreadsheet numbers them.
            for number, cells in enumerate(records, start=2):
                if not any(cell.strip() for cell in cells):
                    continue
                report.rows += 1
                row = reader.row(number, cells)
                if row is not None:
                    batch.append(row)
                if len(batch) >= BATCH_SIZE:
                    _apply(batch, report, now)
                    batch = []
            _apply(batch, report, now)
        except UnicodeDecodeError:
            raise ImportFileError("encoding") from None
        except csv.Error as error:
            raise ImportFileError("csv", str(error)) from None
        # Everything was written (so that the report counts what a real run does), and is undone here.
        report.applied = not dry_run and not report.failed_count
        if not report.applied:
            transaction.set_rollback(True)
    return report
