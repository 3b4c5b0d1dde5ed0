"""Import bounces and complaints from a CSV file (header: email,type,detail) onto the suppression list."""

import sys

from django.core.management.base import BaseCommand, CommandError

from newsletter.services.suppressions import suppressions_from_csv


class Command(BaseCommand):
    help = "Add the addresses of a CSV file (email,type,detail; '-' for stdin) to the suppression list."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="CSV file, or '-' for standard input")

    def handle(self, *args, path: str, **options) -> None:
        try:
            if path == "-":
                added, known, rejected = suppressions_from_csv(sys.stdin)
            else:
                with open(path, newline="", encoding="utf-8-sig") as handle:
                    added, known, rejected = suppressions_from_csv(handle)
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Added {added}, already suppressed {known}, rejected {len(rejected)}.")
        for line in rejected:
            self.stderr.write(f"line {line}: not a valid address or type")
