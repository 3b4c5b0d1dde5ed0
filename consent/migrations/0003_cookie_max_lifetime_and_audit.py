"""The cookie audit: a structured maximum lifetime for each registry cookie, and the audit reports.

The maximum lifetime of the cookies already in the registry (those seeded by privacy/0004 and
0007, and any staff added) is read from their English lifetime text ("2 years", "24 hours",
"until the browser closes (at most 8 hours)" -> 8 hours); a text it cannot read leaves the
cookie without one, and the audit warns about it. The rule is written out here so that this
migration keeps doing the same thing whatever the application code becomes. No cookie-policy
revision: the maximum lifetime is not material (consent.services.registry_material).
"""

import re

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


UNITS = {"minute": "minutes", "hour": "hours", "day": "days", "week": "weeks", "month": "months", "year": "years"}
AMOUNT_UNIT = re.compile(r"(\d+)\s*(minute|hour|day|week|month|year)s?\b", re.IGNORECASE)


def fill(apps, schema_editor):
    Cookie = apps.get_model("consent", "Cookie")
    for cookie in Cookie.objects.filter(max_lifetime_unit=""):
        match = AMOUNT_UNIT.search(cookie.lifetime_en)
        if match and int(match.group(1)) >= 1:
            cookie.max_lifetime_amount = int(match.group(1))
            cookie.max_lifetime_unit = UNITS[match.group(2).lower()]
        elif "browser" in cookie.lifetime_en.lower() or "session" in cookie.lifetime_en.lower():
            cookie.max_lifetime_unit = "session"
        else:
            continue
        cookie.save(update_fields=["max_lifetime_amount", "max_lifetime_unit"])


def constraints_checked_now(apps, schema_editor):
    """PostgreSQL refuses to ALTER a table with deferred foreign-key checks still pending in the
    transaction: rows a caller wrote before migrating in the same transaction (as the migration
    tests do) are checked first."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0002_content_types_from_privacy'),
    ]

    operations = [
        migrations.RunPython(constraints_checked_now, migrations.RunPython.noop),
        migrations.CreateModel(
            name='CookieAudit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='date')),
                ('base_url', models.CharField(max_length=300, verbose_name='site audited')),
                ('states', models.JSONField(default=list, verbose_name='consent states')),
                ('pages', models.JSONField(default=list, verbose_name='pages visited')),
                ('observations', models.JSONField(default=dict, verbose_name='observations')),
                ('errors', models.PositiveIntegerField(default=0, verbose_name='errors')),
                ('warnings', models.PositiveIntegerField(default=0, verbose_name='warnings')),
            ],
            options={
                'verbose_name': 'cookie audit',
                'verbose_name_plural': 'cookie audits',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='CookieAuditFinding',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('severity', models.CharField(choices=[('error', 'Error'), ('warning', 'Warning')], max_length=8, verbose_name='severity')),
                ('kind', models.CharField(choices=[('undeclared_cookie', 'Cookie not in the registry'), ('undeclared_storage', 'Storage key not in the registry'), ('not_granted', 'Set without consent for its category'), ('third_party_request', 'Request to another site without consent'), ('lifetime_exceeded', 'Lives longer than declared'), ('not_seen', 'Declared but never seen'), ('no_max_lifetime', 'No maximum lifetime declared')], max_length=24, verbose_name='finding')),
                ('subject', models.CharField(max_length=500, verbose_name='cookie, key or host')),
                ('domain', models.CharField(blank=True, max_length=253, verbose_name='domain')),
                ('category', models.CharField(blank=True, max_length=40, verbose_name='category')),
                ('states', models.JSONField(default=list, verbose_name='consent states')),
                ('page', models.CharField(blank=True, max_length=500, verbose_name='first seen on')),
                ('page_count', models.PositiveIntegerField(default=0, verbose_name='pages')),
                ('source', models.CharField(blank=True, max_length=1000, verbose_name='set or sent by')),
                ('observed_seconds', models.BigIntegerField(blank=True, null=True, verbose_name='observed lifetime (seconds)')),
                ('declared_seconds', models.BigIntegerField(blank=True, null=True, verbose_name='declared lifetime (seconds)')),
            ],
            options={
                'verbose_name': 'cookie audit finding',
                'verbose_name_plural': 'cookie audit findings',
                'ordering': ['audit', 'severity', 'kind', 'subject', 'id'],
            },
        ),
        migrations.AddField(
            model_name='cookie',
            name='max_lifetime_amount',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='maximum lifetime'),
        ),
        migrations.AddField(
            model_name='cookie',
            name='max_lifetime_unit',
            field=models.CharField(blank=True, choices=[('session', 'until the browser closes'), ('minutes', 'minutes'), ('hours', 'hours'), ('days', 'days'), ('weeks', 'weeks'), ('months', 'months'), ('years', 'years')], help_text="The longest the cookie may live, e.g. 2 years; 'until the browser closes' needs no number. The cookie audit reports a cookie that lives longer. Changing it does not ask visitors again.", max_length=8, verbose_name='maximum lifetime unit'),
        ),
        migrations.AddConstraint(
            model_name='cookie',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('max_lifetime_amount__isnull', True), ('max_lifetime_unit', '')), models.Q(('max_lifetime_amount__isnull', True), ('max_lifetime_unit', 'session')), models.Q(('max_lifetime_unit__in', ['minutes', 'hours', 'days', 'weeks', 'months', 'years']), ('max_lifetime_amount__gte', 1)), _connector='OR'), name='consent_cookie_max_lifetime_complete'),
        ),
        migrations.AddField(
            model_name='cookieaudit',
            name='registry_revision',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='consent.registryrevision', verbose_name='checked against revision'),
        ),
        migrations.AddField(
            model_name='cookieauditfinding',
            name='audit',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='findings', to='consent.cookieaudit'),
        ),
        migrations.AddField(
            model_name='cookieauditfinding',
            name='cookie',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='consent.cookie', verbose_name='registry entry'),
        ),
        migrations.AddConstraint(
            model_name='cookieauditfinding',
            constraint=models.CheckConstraint(condition=models.Q(('severity__in', ['error', 'warning'])), name='consent_finding_severity'),
        ),
        migrations.AddConstraint(
            model_name='cookieauditfinding',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['undeclared_cookie', 'undeclared_storage', 'not_granted', 'third_party_request', 'lifetime_exceeded', 'not_seen', 'no_max_lifetime'])), name='consent_finding_kind'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
