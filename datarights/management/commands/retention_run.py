"""Apply the retention rules now (Celery beat runs them daily), showing progress."""

from django.core.management.base import BaseCommand, CommandParser

from core import retention


class Command(BaseCommand):
    help = "Delete (or shorten) what is past its retention period, rule by rule, in bounded batches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rule", action="append", dest="rules", metavar="KEY",
                            help="Run only this rule (repeatable). Keys: see --list.")
        parser.add_argument("--batch-size", type=int, default=None, help="Rows per batch (RETENTION_BATCH_SIZE).")
        parser.add_argument("--dry-run", action="store_true", help="Count what is due; change nothing.")
        parser.add_argument("--list", action="store_true", dest="list_rules", help="List the rules and their periods.")

    def handle(self, *args, rules=None, batch_size=None, dry_run=False, list_rules=False, **options) -> None:
        available = retention.rules()
        if list_rules:
            for rule in available:
                self.stdout.write(f"{rule.key:26} {rule.period:>10} {rule.counted_from}  ({rule.setting})")
            return
        unknown = set(rules or []) - {rule.key for rule in available}
        if unknown:
            self.stderr.write(f"Unknown rule(s): {', '.join(sorted(unknown))}. See --list.")
            raise SystemExit(2)
        verbose = options["verbosity"] >= 1

        def progress(label: str, count: int) -> None:
            if verbose:
                self.stdout.write(f"  {label}: {count} so far…")
                self.stdout.flush()

        grand_total = 0
        for rule in available:
            if rules and rule.key not in rules:
                continue
            if verbose:
                self.stdout.write(f"{rule.key} ({rule.period} {rule.counted_from})")
            counts = retention.rule_run(rule, batch_size=batch_size, progress=progress, dry_run=dry_run)
            verb = "due" if dry_run else "deleted"
            for what, count in counts.items():
                self.stdout.write(f"  {verb}: {count} {what}")
                grand_total += count
        self.stdout.write(
            self.style.SUCCESS(f"{'Due' if dry_run else 'Done'}: {grand_total} rows in total.")
        )
