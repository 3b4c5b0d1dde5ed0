"""The right to view the record of processing activities (issue 15, point 8), given to Legal in
staff/roles.py."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('datarights', '0003_request_workflow'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='datarequest',
            options={'ordering': ['due_on', 'pk'], 'permissions': [('export_personal_data', 'Can export everything held for an address'), ('erase_personal_data', 'Can erase everything held for an address'), ('view_processing_record', 'Can view the record of processing activities')], 'verbose_name': 'data request', 'verbose_name_plural': 'data requests'},
        ),
    ]
