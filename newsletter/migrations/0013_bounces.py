# Bounce reports from every source, and why a failed delivery failed (issue 14).

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('newsletter', '0012_welcome_messages'),
    ]

    operations = [
        migrations.CreateModel(
            name='Bounce',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('hard', 'Hard bounce'), ('soft', 'Soft bounce'), ('complaint', 'Spam complaint')], max_length=9, verbose_name='kind')),
                ('source', models.CharField(max_length=32, verbose_name='source')),
                ('status_code', models.CharField(blank=True, max_length=16, verbose_name='status code')),
                ('reason', models.CharField(blank=True, max_length=1000, verbose_name='reason as received')),
                ('event_key', models.CharField(max_length=250, unique=True)),
                ('occurred_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='occurred at')),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='recorded at')),
            ],
            options={
                'verbose_name': 'bounce or complaint',
                'verbose_name_plural': 'bounces and complaints',
            },
        ),
        migrations.RemoveConstraint(
            model_name='delivery',
            name='newsletter_delivery_complaint_about_a_sent_message',
        ),
        migrations.AddField(
            model_name='delivery',
            name='failure',
            field=models.CharField(blank=True, choices=[('temporary', 'Temporary'), ('permanent', 'Permanent')], max_length=9),
        ),
        migrations.AddConstraint(
            model_name='delivery',
            constraint=models.CheckConstraint(condition=models.Q(('complained_at__isnull', True), ('status', 'sent'), models.Q(('sent_at__isnull', False), ('status', 'failed')), _connector='OR'), name='newsletter_delivery_complaint_about_a_sent_message'),
        ),
        migrations.AddConstraint(
            model_name='delivery',
            constraint=models.CheckConstraint(condition=models.Q(('failure', ''), ('status', 'failed'), _connector='OR'), name='newsletter_delivery_failure_only_when_failed'),
        ),
        migrations.AddField(
            model_name='bounce',
            name='delivery',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='bounces', to='newsletter.delivery', verbose_name='message'),
        ),
        migrations.AddField(
            model_name='bounce',
            name='subscriber',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='bounces', to='newsletter.subscriber', verbose_name='subscriber'),
        ),
        migrations.AddIndex(
            model_name='bounce',
            index=models.Index(fields=['subscriber', 'kind', 'occurred_at'], name='newsletter_bounce_counted'),
        ),
    ]
