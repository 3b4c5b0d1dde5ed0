from django.db import migrations, models

import core.validators


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0004_delivery_complaints")]

    operations = [
        migrations.AlterField(
            model_name="consentproof",
            name="requested_name",
            field=models.CharField(
                blank=True, max_length=150, validators=[core.validators.person_name_validate],
                verbose_name="name given",
            ),
        ),
        migrations.AlterField(
            model_name="subscriber",
            name="name",
            field=models.CharField(
                blank=True, max_length=150, validators=[core.validators.person_name_validate],
                verbose_name="name",
            ),
        ),
    ]
