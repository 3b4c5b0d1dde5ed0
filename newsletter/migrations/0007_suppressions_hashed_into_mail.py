"""The plain-address suppressions were hashed into mail's one suppression list (mail/0003): the table goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0006_outbox_moves_to_mail"),
        ("mail", "0003_one_suppression_list"),
    ]

    operations = [migrations.DeleteModel(name="Suppression")]
