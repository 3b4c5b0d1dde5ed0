"""The cookie-consent models, moved here from the privacy app: state only.

Their tables keep their names (db_table) and rows, and with them the triggers of
privacy's migration 0005 that keep revisions and consent records unchanged; no table is
created, altered or rebuilt. privacy's 0008 removes the models from its own state.
"""

import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('privacy', '0007_registry_mydata_cookie'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Category',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(help_text="Lower-case letters, digits and underscores, e.g. 'analytics'. Cannot be changed later.", max_length=40, unique=True, verbose_name='key')),
                        ('necessary', models.BooleanField(default=False, help_text='Always on and not switchable. Only for cookies the site cannot work without.', verbose_name='strictly necessary')),
                        ('position', models.PositiveSmallIntegerField(default=0, verbose_name='position')),
                        ('name_nl', models.CharField(max_length=100, verbose_name='name (Dutch)')),
                        ('name_en', models.CharField(max_length=100, verbose_name='name (English)')),
                        ('description_nl', models.TextField(verbose_name='description (Dutch)')),
                        ('description_en', models.TextField(verbose_name='description (English)')),
                    ],
                    options={
                        'verbose_name': 'cookie category',
                        'verbose_name_plural': 'cookie categories',
                        'db_table': 'privacy_category',
                        'ordering': ['-necessary', 'position', 'key'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('key__regex', '^[a-z][a-z0-9_]{0,39}$')), name='consent_category_key_format')],
                    },
                ),
                migrations.CreateModel(
                    name='GpcRefusalDay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField(verbose_name='day')),
                        ('language', models.CharField(choices=[('nl', 'Dutch'), ('en', 'English')], max_length=8, verbose_name='language')),
                        ('count', models.PositiveIntegerField(default=0, verbose_name='refusals')),
                    ],
                    options={
                        'verbose_name': 'Global Privacy Control refusals per day',
                        'verbose_name_plural': 'Global Privacy Control refusals per day',
                        'db_table': 'privacy_gpcrefusalday',
                        'ordering': ['-day', 'language'],
                        'constraints': [models.UniqueConstraint(fields=('day', 'language'), name='consent_gpc_day_language_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='RegistryRevision',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveIntegerField(unique=True, verbose_name='revision')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='in force since')),
                        ('snapshot', models.JSONField(verbose_name='registry as it was')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='changed by')),
                    ],
                    options={
                        'verbose_name': 'cookie policy revision',
                        'verbose_name_plural': 'cookie policy revisions',
                        'db_table': 'privacy_registryrevision',
                        'ordering': ['-number'],
                    },
                ),
                migrations.CreateModel(
                    name='ConsentRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('consent_id', models.UUIDField(default=uuid.uuid4, editable=False, verbose_name='consent id')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='time')),
                        ('method', models.CharField(choices=[('banner', 'Banner'), ('settings', 'Cookie settings'), ('withdrawal', 'Withdrawal'), ('gpc', 'Global Privacy Control'), ('embed', 'Click-to-load placeholder')], max_length=16, verbose_name='method')),
                        ('granted', models.JSONField(default=list, verbose_name='categories granted')),
                        ('refused', models.JSONField(default=list, verbose_name='categories refused')),
                        ('language', models.CharField(choices=[('nl', 'Dutch'), ('en', 'English')], max_length=8, verbose_name='language')),
                        ('gpc', models.BooleanField(default=False, verbose_name='Global Privacy Control signal')),
                        ('ip_prefix', models.CharField(blank=True, max_length=49, verbose_name='IP network (truncated)')),
                        ('user_agent_hash', models.CharField(blank=True, max_length=64, verbose_name='user agent (keyed hash)')),
                        ('statement_version', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='privacy.version', verbose_name='privacy statement version')),
                        ('registry_revision', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='consent.registryrevision', verbose_name='cookie policy revision')),
                    ],
                    options={
                        'verbose_name': 'consent record',
                        'verbose_name_plural': 'consent records',
                        'db_table': 'privacy_consentrecord',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='Cookie',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(help_text="The cookie's name; '*' stands for any characters, e.g. '_ga_*'.", max_length=100, verbose_name='name or pattern')),
                        ('provider', models.CharField(max_length=100, verbose_name='provider')),
                        ('domain', models.CharField(blank=True, help_text="Empty when the cookie is set on this site's own domain (the site can then delete it). Otherwise the provider's domain, e.g. 'linkedin.com'.", max_length=253, verbose_name='set on domain')),
                        ('purpose_nl', models.TextField(verbose_name='purpose (Dutch)')),
                        ('purpose_en', models.TextField(verbose_name='purpose (English)')),
                        ('lifetime_nl', models.CharField(max_length=100, verbose_name='lifetime (Dutch)')),
                        ('lifetime_en', models.CharField(max_length=100, verbose_name='lifetime (English)')),
                        ('position', models.PositiveSmallIntegerField(default=0, verbose_name='position')),
                        ('category', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='cookies', to='consent.category', verbose_name='category')),
                    ],
                    options={
                        'verbose_name': 'cookie',
                        'verbose_name_plural': 'cookies',
                        'db_table': 'privacy_cookie',
                        'ordering': ['category', 'position', 'name'],
                        'constraints': [models.UniqueConstraint(fields=('name', 'domain'), name='consent_cookie_name_domain_unique'), models.CheckConstraint(condition=models.Q(('name__regex', "^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")), name='consent_cookie_name_format')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='registryrevision',
                    constraint=models.CheckConstraint(condition=models.Q(('number__gte', 1)), name='consent_revision_number_positive'),
                ),
                migrations.AddIndex(
                    model_name='consentrecord',
                    index=models.Index(fields=['consent_id', 'created_at'], name='privacy_con_consent_9c5d7c_idx'),
                ),
                migrations.AddIndex(
                    model_name='consentrecord',
                    index=models.Index(fields=['created_at'], name='privacy_con_created_3fbe71_idx'),
                ),
                migrations.AddConstraint(
                    model_name='consentrecord',
                    constraint=models.CheckConstraint(condition=models.Q(('method__in', ['banner', 'settings', 'withdrawal', 'gpc', 'embed'])), name='consent_record_method_valid'),
                ),
                migrations.AddConstraint(
                    model_name='consentrecord',
                    constraint=models.CheckConstraint(condition=models.Q(('language__in', ['nl', 'en'])), name='consent_record_language_valid'),
                ),
            ],
        ),
    ]
