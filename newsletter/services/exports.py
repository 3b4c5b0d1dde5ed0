"""Subscribers out as a CSV file: one topic, one language or all, for staff with the right.

A file that leaves the site is beyond its erasure and retention, so every export is recorded
in the admin history (who, when, which filter, how many rows), and the proof's IP address goes
into it only for someone who may see it. Cells are escaped against spreadsheet formulas.
"""

import csv
import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from newsletter.models import Topic
from newsletter.selectors import subscribers_export_columns, subscribers_export_rows

# What a spreadsheet may read as the start of a formula (OWASP, "CSV Injection"): such a cell
# gets a leading apostrophe, which spreadsheets show as text and do not evaluate.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Belgian spreadsheets open ";" files in columns; the BOM tells them the file is UTF-8.
DELIMITER = ";"
BOM = "\ufeff"
_CHUNK_ROWS = 2000


def csv_cell(value: object) -> str:
    """A value as a CSV cell a spreadsheet will not run."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).isoformat(timespec="seconds")
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Line:
    """csv.writer's file: hands back each line it writes instead of keeping it."""

    def write(self, line: str) -> str:
        return line


@dataclass(frozen=True)
class SubscriberExport:
    filename: str
    rows: int  # counted when the export began (and so recorded)
    lines: Iterator[str]  # the file, line by line, read from the database in chunks as it is sent


def subscribers_export(*, user_id: int, topic: Topic, language: str, with_ip: bool) -> SubscriberExport:
    """The confirmed subscribers of `topic` reading `language` (all when empty), recorded in the
    admin history on the topic's page before a row is read."""
    rows = subscribers_export_rows(topic_id=topic.pk, language=language, with_ip=with_ip)
    count = rows.count()
    if with_ip:
        note = _("Exported %(count)s subscribers as a CSV file, with IP addresses (topic: %(topic)s; "
                 "language: %(language)s).")
    else:
        note = _("Exported %(count)s subscribers as a CSV file, without IP addresses (topic: %(topic)s; "
                 "language: %(language)s).")
    LogEntry.objects.create(
        user_id=user_id, content_type=ContentType.objects.get_for_model(Topic), object_id=str(topic.pk),
        object_repr=str(topic)[:200], action_flag=CHANGE,
        change_message=note % {"count": count, "topic": topic.slug, "language": language or _("every language")},
    )
    filename = f"subscribers-{topic.slug}-{language or 'all'}-{timezone.localdate():%Y-%m-%d}.csv"
    return SubscriberExport(filename=filename, rows=count, lines=_lines(rows, with_ip=with_ip))


def _lines(rows: QuerySet, *, with_ip: bool) -> Iterator[str]:
    writer = csv.writer(_Line(), delimiter=DELIMITER, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    yield BOM + writer.writerow(list(subscribers_export_columns(with_ip=with_ip)))
    for row in rows.iterator(chunk_size=_CHUNK_ROWS):
        yield writer.writerow([csv_cell(value) for value in row])
