"""OutboxMessage now belongs to the mail app (mail/0001): state only, the table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0005_person_name_validated"),
        ("mail", "0001_outbox_from_newsletter"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="OutboxMessage")],
                                            database_operations=[]),
    ]
