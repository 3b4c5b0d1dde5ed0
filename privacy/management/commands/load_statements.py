from django.core.management.base import BaseCommand

from privacy.seeding import load_seed_statements


class Command(BaseCommand):
    help = "Publish the customer's seed statements as first versions (safe to run again)."

    def handle(self, *args, **options) -> None:
        created = load_seed_statements()
        for version in created:
            self.stdout.write(f"Published {version}")
        if not created:
            self.stdout.write("Seed statements already loaded; nothing to do.")
