"""After restoring a database backup: erase again every address erased since the backup."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from datarights.services import erasures_reapply


class Command(BaseCommand):
    help = (
        "Re-apply logged erasures (the erasure table plus ERASURE_LOG_FILE, or --file) to whatever a restored "
        "backup brought back. Data created after an erasure (a new, explicit opt-in) is kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=None, help="An erasure log file (JSON lines).")

    def handle(self, *args, file=None, **options) -> None:
        result = erasures_reapply(path=file, progress=lambda message: self.stdout.write(message))
        for what, count in sorted((result.erased or {}).items()):
            self.stdout.write(f"  erased again: {count} {what}")
        self.stdout.write(self.style.SUCCESS(
            f"{result.entries} logged erasures, {result.records_restored} written back, "
            f"{result.addresses_found} addresses erased again."
        ))
