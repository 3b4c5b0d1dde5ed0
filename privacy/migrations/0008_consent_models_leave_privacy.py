"""The cookie-consent models now belong to the consent app (consent 0001 took them over,
consent 0002 moved their content types and permissions): privacy forgets them, in its
state only. Their tables, rows and triggers stay where they are."""

from django.db import migrations

MODELS = ("Cookie", "ConsentRecord", "GpcRefusalDay", "Category", "RegistryRevision")


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0007_registry_mydata_cookie"),
        ("consent", "0002_content_types_from_privacy"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name=name) for name in MODELS]),
    ]
