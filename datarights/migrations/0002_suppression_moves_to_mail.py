"""SuppressedAddress is now mail.Suppression (mail/0003): state only, the table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("datarights", "0001_initial"),
        ("mail", "0003_one_suppression_list"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="SuppressedAddress")],
                                            database_operations=[]),
    ]
