"""The public archive (newsletter/services/archive.py): which topics may be published, which
campaigns are, and each one's web address, which a trigger keeps once it is set (the address is
in sent messages and in search engines: it must keep leading to the same campaign)."""

from django.conf import settings
from django.db import migrations, models

POSTGRES_FORWARD = """
CREATE FUNCTION newsletter_campaign_archive_slug_kept() RETURNS trigger AS $$
BEGIN
    IF OLD.archive_slug IS NOT NULL AND NEW.archive_slug IS DISTINCT FROM OLD.archive_slug THEN
        RAISE EXCEPTION 'a campaign''s web address cannot be changed once set'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER newsletter_campaign_archive_slug_kept
    BEFORE UPDATE OF archive_slug ON newsletter_campaign
    FOR EACH ROW EXECUTE FUNCTION newsletter_campaign_archive_slug_kept();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS newsletter_campaign_archive_slug_kept ON newsletter_campaign;
DROP FUNCTION IF EXISTS newsletter_campaign_archive_slug_kept();
"""
SQLITE_FORWARD = """CREATE TRIGGER newsletter_campaign_archive_slug_kept BEFORE UPDATE OF archive_slug
    ON newsletter_campaign WHEN OLD.archive_slug IS NOT NULL AND NEW.archive_slug IS NOT OLD.archive_slug
    BEGIN SELECT RAISE(ABORT, 'a campaign''s web address cannot be changed once set'); END;"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS newsletter_campaign_archive_slug_kept;"


def forward(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(POSTGRES_FORWARD if postgres else SQLITE_FORWARD)


def reverse(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(POSTGRES_REVERSE if postgres else SQLITE_REVERSE)


class Migration(migrations.Migration):

    dependencies = [
        ('newsletter', '0008_campaign_images'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='campaign',
            name='archive_published',
            field=models.BooleanField(default=False, help_text='Once sent, the campaign gets a web version in the public archive on the website, the same for everyone: without a greeting by name or personal links. Only for topics whose campaigns may be published; untick to take it off the website again.', verbose_name='publish in the archive'),
        ),
        migrations.AddField(
            model_name='campaign',
            name='archive_slug',
            field=models.SlugField(blank=True, editable=False, max_length=80, null=True, unique=True, verbose_name='web address'),
        ),
        migrations.AddField(
            model_name='topic',
            name='archive_public',
            field=models.BooleanField(default=False, help_text='Only for topics whose messages anyone may read: a campaign of this topic can then be marked “publish in the archive”. Never the privacy statement topic.', verbose_name='campaigns may be published in the archive'),
        ),
        migrations.AddConstraint(
            model_name='campaign',
            constraint=models.CheckConstraint(condition=models.Q(('archive_slug__isnull', True), ('archive_slug__regex', '^[a-z0-9]+(-[a-z0-9]+)*$'), _connector='OR'), name='newsletter_campaign_archive_slug_format'),
        ),
        migrations.AddConstraint(
            model_name='topic',
            constraint=models.CheckConstraint(condition=models.Q(('archive_public', True), ('slug', 'privacy-changes'), _negated=True), name='newsletter_topic_privacy_notices_not_archived', violation_error_message='Privacy statement notices are never published in the archive.'),
        ),
        migrations.RunPython(forward, reverse),
    ]
