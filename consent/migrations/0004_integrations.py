"""Integrations switched on in the admin (issue 12, points 8-9).

The cookies the registry already lists for Google Analytics and the three networks (privacy/0004)
are marked as theirs, so that they are listed only while that integration is on; Matomo's two
cookies are added beside Google's, marked as Matomo's. One integration of each kind is created,
switched off, in the category the registry already asks for it (analytics, social), when there is
one. Written out here so that this migration keeps doing the same thing whatever the code becomes.
No revision here: the first request after it compares the registry in force with the latest
revision and makes one if what visitors are asked changed (consent.middleware).
"""

import consent.models
import django.db.models.deletion
from django.db import migrations, models


# (name, domain) of the cookies each integration sets, as privacy/0004 declared them.
SET_BY = {
    "ga4": [("_ga", ""), ("_ga_*", ""), ("_gid", ""), ("_gat*", "")],
    "facebook": [("datr", "facebook.com"), ("fr", "facebook.com")],
    "x": [("guest_id", "twitter.com"), ("personalization_id", "twitter.com")],
    "linkedin": [("bcookie", "linkedin.com"), ("lidc", "linkedin.com"), ("li_gc", "linkedin.com")],
}
CATEGORY = {"ga4": "analytics", "matomo": "analytics", "facebook": "social", "x": "social", "linkedin": "social"}
MATOMO_COOKIES = [
    {
        "name": "_pk_id.*", "provider": "Matomo (iLumen)", "domain": "",
        "purpose_nl": "Onderscheidt bezoekers met een willekeurige code, in onze eigen Matomo.",
        "purpose_en": "Distinguishes visitors by a random identifier, in our own Matomo.",
        "lifetime_nl": "13 maanden", "lifetime_en": "13 months", "max_lifetime_amount": 13, "max_lifetime_unit": "months",
    },
    {
        "name": "_pk_ses.*", "provider": "Matomo (iLumen)", "domain": "",
        "purpose_nl": "Houdt een bezoek (sessie) bij, in onze eigen Matomo.",
        "purpose_en": "Keeps track of a visit (session), in our own Matomo.",
        "lifetime_nl": "30 minuten", "lifetime_en": "30 minutes", "max_lifetime_amount": 30, "max_lifetime_unit": "minutes",
    },
]


# The trigger of privacy/0005 keeps a revision from changing; whether it asked visitors again is
# evidence too. SQLite rebuilds the table to add the column and drops the trigger on the way, so it
# is made again here; in reverse, it is put back as it was before the column goes (SQLite refuses to
# drop a column a trigger names), and once more after (if SQLite rebuilt the table).
OLD_COLUMNS = ("number", "created_at", "snapshot")
NEW_COLUMNS = (*OLD_COLUMNS, "asks_again")


def _revision_trigger(schema_editor, columns):
    if schema_editor.connection.vendor == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
        schema_editor.execute(f"""
CREATE OR REPLACE FUNCTION privacy_registry_revision_immutable() RETURNS trigger AS $$
BEGIN
    IF {changed} THEN
        RAISE EXCEPTION 'cookie policy revisions cannot be changed' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;""")
        return
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
    schema_editor.execute("DROP TRIGGER IF EXISTS privacy_registry_revision_immutable;")
    schema_editor.execute(
        f"""CREATE TRIGGER privacy_registry_revision_immutable BEFORE UPDATE ON privacy_registryrevision
    WHEN {changed}
    BEGIN SELECT RAISE(ABORT, 'cookie policy revisions cannot be changed'); END;"""
    )


def trigger_with_asks_again(apps, schema_editor):
    _revision_trigger(schema_editor, NEW_COLUMNS)


def trigger_as_before(apps, schema_editor):
    _revision_trigger(schema_editor, OLD_COLUMNS)


def seed(apps, schema_editor):
    Category = apps.get_model("consent", "Category")
    Cookie = apps.get_model("consent", "Cookie")
    Integration = apps.get_model("consent", "Integration")
    for kind, cookies in SET_BY.items():
        for name, domain in cookies:
            Cookie.objects.filter(name=name, domain=domain, integration="").update(integration=kind)
    analytics = Category.objects.filter(key="analytics", necessary=False).first()
    if analytics is not None:
        position = max(analytics.cookies.values_list("position", flat=True), default=-1) + 1
        for offset, cookie in enumerate(MATOMO_COOKIES):
            if not Cookie.objects.filter(name=cookie["name"], domain="").exists():
                Cookie.objects.create(category=analytics, integration="matomo", position=position + offset, **cookie)
    for kind, key in CATEGORY.items():
        category = Category.objects.filter(key=key, necessary=False).first()
        Integration.objects.get_or_create(kind=kind, defaults={"category": category})


def unseed(apps, schema_editor):
    apps.get_model("consent", "Integration").objects.all().delete()
    Cookie = apps.get_model("consent", "Cookie")
    ids = list(
        Cookie.objects.filter(integration="matomo", name__in=[c["name"] for c in MATOMO_COOKIES]).values_list("pk", flat=True)
    )
    # Plain SQL: the ORM's cascade cannot follow the audit findings' link between these historical models.
    apps.get_model("consent", "CookieAuditFinding").objects.filter(cookie_id__in=ids).update(cookie=None)
    if not ids:
        return
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Cookie._meta.db_table)
        cursor.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(ids))})", ids)
        if connection.vendor == "postgresql":
            # The deferred foreign-key checks now, so that the table can be altered next in this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0003_cookie_max_lifetime_and_audit'),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, trigger_as_before),
        migrations.CreateModel(
            name='Integration',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('ga4', 'Google Analytics 4'), ('matomo', 'Matomo'), ('facebook', "Facebook's own share button"), ('x', "X's (Twitter's) own share button"), ('linkedin', "LinkedIn's own share button")], max_length=16, unique=True, verbose_name='integration')),
                ('enabled', models.BooleanField(default=False, verbose_name='switched on')),
                ('measurement_id', models.CharField(blank=True, help_text='Google Analytics 4 only, e.g. G-AB12CD34EF.', max_length=22, validators=[consent.models.validate_measurement_id], verbose_name='measurement ID')),
                ('matomo_url', models.CharField(blank=True, help_text='Matomo only: the https:// address of your own Matomo server, e.g. https://stats.ilumen.be.', max_length=200, validators=[consent.models.validate_matomo_url], verbose_name='Matomo address')),
                ('matomo_site_id', models.PositiveIntegerField(blank=True, help_text='Matomo only: the number Matomo gave this website, e.g. 1.', null=True, verbose_name='Matomo site ID')),
            ],
            options={
                'verbose_name': 'integration',
                'verbose_name_plural': 'integrations',
                'ordering': ['id'],
            },
        ),
        migrations.AddField(
            model_name='cookie',
            name='integration',
            field=models.CharField(blank=True, choices=[('ga4', 'Google Analytics 4'), ('matomo', 'Matomo'), ('facebook', "Facebook's own share button"), ('x', "X's (Twitter's) own share button"), ('linkedin', "LinkedIn's own share button")], help_text="The integration that sets this cookie: it is listed, and asked consent for, only while that integration is switched on, in the integration's category. Empty for the site's own cookies.", max_length=16, verbose_name='set by'),
        ),
        migrations.AddField(
            model_name='registryrevision',
            name='asks_again',
            field=models.BooleanField(default=True, verbose_name='visitors asked again'),
        ),
        migrations.AddConstraint(
            model_name='cookie',
            constraint=models.CheckConstraint(condition=models.Q(('integration__in', ['', 'ga4', 'matomo', 'facebook', 'x', 'linkedin'])), name='consent_cookie_integration_valid'),
        ),
        migrations.AddField(
            model_name='integration',
            name='category',
            field=models.ForeignKey(blank=True, help_text="It loads only for visitors who granted this category. Check that the category's description names it. Its cookies in the registry move with it.", limit_choices_to={'necessary': False}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='integrations', to='consent.category', verbose_name='consent category'),
        ),
        migrations.AddConstraint(
            model_name='integration',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['ga4', 'matomo', 'facebook', 'x', 'linkedin'])), name='consent_integration_kind'),
        ),
        migrations.AddConstraint(
            model_name='integration',
            constraint=models.CheckConstraint(condition=models.Q(('measurement_id', ''), ('measurement_id__regex', '^G-[A-Z0-9]{1,20}$'), _connector='OR'), name='consent_integration_measurement_id_format'),
        ),
        migrations.AddConstraint(
            model_name='integration',
            constraint=models.CheckConstraint(condition=models.Q(('matomo_url', ''), ('matomo_url__regex', '^https://[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:[0-9]{1,5})?$'), _connector='OR'), name='consent_integration_matomo_url_format'),
        ),
        migrations.AddConstraint(
            model_name='integration',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'ga4'), ('measurement_id', ''), _connector='OR'), models.Q(('kind', 'matomo'), models.Q(('matomo_site_id__isnull', True), ('matomo_url', '')), _connector='OR')), name='consent_integration_fields_of_its_kind'),
        ),
        migrations.AddConstraint(
            model_name='integration',
            constraint=models.CheckConstraint(condition=models.Q(('enabled', False), models.Q(('category__isnull', False), models.Q(models.Q(('kind', 'ga4'), _negated=True), models.Q(('measurement_id', ''), _negated=True), _connector='OR'), models.Q(models.Q(('kind', 'matomo'), _negated=True), models.Q(models.Q(('matomo_url', ''), _negated=True), ('matomo_site_id__gte', 1)), _connector='OR')), _connector='OR'), name='consent_integration_enabled_complete'),
        ),
        migrations.RunPython(trigger_with_asks_again, trigger_as_before),
        migrations.RunPython(seed, unseed),
    ]
