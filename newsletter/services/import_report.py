"""What a subscriber import reports: counts, and per reason the row numbers (never an address,
so a report holds no personal data). Kept as codes and shown in the reader's language."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

# Row numbers listed per reason at most: the counts stay exact, the report stays small.
ROWS_LISTED = 1000

FILE_ERRORS = {
    "encoding": gettext_lazy("The file is not UTF-8 text. Save it from the spreadsheet as “CSV UTF-8”."),
    "empty": gettext_lazy("The file is empty: the first line must be the header."),
    "header": gettext_lazy("The first line is not a header of column names."),
    "columns": gettext_lazy("The header lacks these columns: %(detail)s."),
    "csv": gettext_lazy("The file is not valid CSV: %(detail)s."),
    "internal": gettext_lazy("The import stopped with an error; nothing was imported. Please tell the administrators."),
    "interrupted": gettext_lazy("The import was interrupted; nothing was imported. Please upload the file again."),
}
SKIP_REASONS = {
    "evidence_incomplete": gettext_lazy("consent evidence incomplete (missing: %(detail)s)"),
    "other_controller": gettext_lazy("consent was given to another company, not to iLumen"),
    "evidence_too_old": gettext_lazy("the consent is older than the inactive-profile period"),
    "topics_not_covered": gettext_lazy("the consent does not cover these topics: %(detail)s"),
    "suppressed": gettext_lazy("the address is on the suppression list"),
    "erased": gettext_lazy("the address was erased at the person's request"),
    "unsubscribed": gettext_lazy("the person unsubscribed from these topics here"),
    "already_subscribed": gettext_lazy("already subscribed to these topics"),
}
ROW_ERRORS = {
    "too_long": gettext_lazy("too long: %(detail)s"),
    "email": gettext_lazy("not a valid e-mail address"),
    "name": gettext_lazy("not a valid name"),
    "language": gettext_lazy("unknown language"),
    "no_topics": gettext_lazy("no topics"),
    "topic": gettext_lazy("unknown topics: %(detail)s"),
    "date": gettext_lazy("the consent date is not a date (use 31/12/2025 or 2025-12-31)"),
    "date_future": gettext_lazy("the consent date is in the future"),
}


class ImportFileError(ValueError):
    """The file as a whole cannot be imported."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail

    @property
    def message(self) -> str:
        return str(FILE_ERRORS[self.code]) % {"detail": self.detail}


@dataclass
class ImportReport:
    dry_run: bool = False
    applied: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: dict[str, dict] = field(default_factory=dict)
    failed: dict[str, dict] = field(default_factory=dict)

    def _note(self, into: dict[str, dict], number: int, code: str, detail: str) -> None:
        entry = into.setdefault(code, {"count": 0, "rows": []})
        entry["count"] += 1
        if len(entry["rows"]) < ROWS_LISTED:
            entry["rows"].append([number, detail])

    def skip(self, number: int, code: str, detail: str = "") -> None:
        self._note(self.skipped, number, code, detail)

    def fail(self, number: int, code: str, detail: str = "") -> None:
        self._note(self.failed, number, code, detail)

    @property
    def skipped_count(self) -> int:
        return sum(entry["count"] for entry in self.skipped.values())

    @property
    def failed_count(self) -> int:
        return sum(entry["count"] for entry in self.failed.values())

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run, "applied": self.applied, "rows": self.rows, "created": self.created,
            "updated": self.updated, "skipped": self.skipped, "failed": self.failed,
        }


def _reason_lines(entries: dict[str, dict], texts: dict) -> list[str]:
    """One line per reason and detail, with its row numbers (the first ROWS_LISTED of a reason)."""
    lines = []
    for code, entry in entries.items():
        by_detail: dict[str, list[str]] = {}
        for number, detail in entry["rows"]:
            by_detail.setdefault(detail, []).append(str(number))
        for detail, rows in by_detail.items():
            lines.append(ngettext("%(text)s: row %(rows)s", "%(text)s: rows %(rows)s", len(rows)) % {
                "text": str(texts[code]) % {"detail": detail}, "rows": ", ".join(rows),
            })
        more = entry["count"] - len(entry["rows"])
        if more:
            lines.append(_("… and %(more)d more rows for the same reason") % {"more": more})
    return lines


def import_report_lines(*, report: dict) -> list[str]:
    """The report as sentences in the active language (the admin page and the command)."""
    if report.get("error"):
        return [str(FILE_ERRORS[report["error"]]) % {"detail": report.get("detail", "")}]
    failed = sum(entry["count"] for entry in report["failed"].values())
    skipped = sum(entry["count"] for entry in report["skipped"].values())
    if report["applied"]:
        outcome = _("Imported.")
    elif failed:
        outcome = _("Nothing was imported: correct the invalid rows and upload the file again.")
    else:
        outcome = _("Dry run: nothing was written. This is what an import would do.")
    lines = [
        outcome,
        _("Rows read: %(rows)d. New subscribers: %(created)d. Topics added to existing subscribers: %(updated)d. "
          "Skipped: %(skipped)d. Invalid: %(failed)d.") % {**report, "skipped": skipped, "failed": failed},
    ]
    lines += [_("Invalid: %(line)s") % {"line": line} for line in _reason_lines(report["failed"], ROW_ERRORS)]
    lines += [_("Skipped: %(line)s") % {"line": line} for line in _reason_lines(report["skipped"], SKIP_REASONS)]
    return lines
