"""Import subscribers with their consent evidence from a CSV file (docs/newsletter.md, "Importing subscribers")."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from newsletter.models import SubscriberImport
from newsletter.services.import_report import import_report_lines
from newsletter.services.import_runs import subscriber_import_file


class Command(BaseCommand):
    help = "Import subscribers with proof of consent from a CSV file; --dry-run shows what would happen."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="CSV file (UTF-8, ',' or ';')")
        parser.add_argument("--dry-run", action="store_true", help="write nothing, only report")

    def handle(self, *args, path: Path, dry_run: bool, **options) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        record = subscriber_import_file(path=path, dry_run=dry_run)
        lines = import_report_lines(report=record.report)
        if record.status != SubscriberImport.Status.DONE:
            raise CommandError("\n".join(lines))
        self.stdout.write("\n".join(lines))
