# The right to export subscribers (issue 14, point 2).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('newsletter', '0013_bounces'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='subscriber',
            options={'permissions': [('export_subscribers', 'Can export subscribers as a CSV file')], 'verbose_name': 'subscriber', 'verbose_name_plural': 'subscribers'},
        ),
    ]
