"""Welcome messages (issue 13, point 6): a topic's optional welcome text per language, and the one
welcome of each confirmed request, which a worker claims and sends once (newsletter/services/welcome.py)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('newsletter', '0011_campaign_segments'),
    ]

    operations = [
        migrations.CreateModel(
            name='TopicWelcome',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('language', models.CharField(choices=[('nl', 'Dutch'), ('en', 'English')], max_length=8, verbose_name='language')),
                ('subject', models.CharField(max_length=200, verbose_name='subject')),
                ('body', models.TextField(verbose_name='body (Markdown)')),
                ('topic', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='welcomes', to='newsletter.topic')),
            ],
            options={
                'verbose_name': 'welcome message',
                'verbose_name_plural': 'welcome messages',
                'constraints': [models.UniqueConstraint(fields=('topic', 'language'), name='newsletter_topicwelcome_unique_language')],
            },
        ),
        migrations.CreateModel(
            name='Welcome',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('pending', 'Queued'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed'), ('skipped', 'Skipped')], default='pending', max_length=8)),
                ('tries', models.PositiveSmallIntegerField(default=0)),
                ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('lease_expires_at', models.DateTimeField(blank=True, null=True)),
                ('claimed_by', models.CharField(blank=True, max_length=100)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('message_id', models.CharField(blank=True, max_length=250)),
                ('last_error', models.CharField(blank=True, max_length=500)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('proof', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='welcome', to='newsletter.consentproof')),
                ('topics', models.ManyToManyField(related_name='+', to='newsletter.topic')),
            ],
            options={
                'indexes': [models.Index(condition=models.Q(('status', 'pending')), fields=['next_attempt_at'], name='newsletter_welcome_due'), models.Index(condition=models.Q(('status', 'sending')), fields=['lease_expires_at'], name='newsletter_welcome_leased')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('status', 'sending'), _negated=True), ('lease_expires_at__isnull', False), _connector='OR'), name='newsletter_welcome_sending_has_lease'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'sent'), _negated=True), ('sent_at__isnull', False), _connector='OR'), name='newsletter_welcome_sent_has_time')],
            },
        ),
    ]
