"""Privacy notices (issue 15, point 2): a campaign of the kind "privacy notice" announces a
material change of the privacy statement to every confirmed subscriber, which retires the
"privacy statement changes" topic (`privacy-changes`).

The topic is hidden, not deleted: its subscribers asked for privacy notices, which they keep
getting as confirmed subscribers of it (a notice's audience is everyone confirmed for any topic),
and never a campaign (the admin no longer offers the topic); deleting the topic would take it
out of their consent proofs (the proofs' topics) and leave those who followed only it
subscribed to nothing. Nobody is mailed by this migration and no subscription changes.

SQLite (`make run`) rebuilds the campaign table for the new columns: its triggers, and the one
on its topics that names it, are dropped before and created again after, as 0011 left them.
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ARCHIVE_0009 = importlib.import_module("newsletter.migrations.0009_campaign_archive")
SEGMENTS_0011 = importlib.import_module("newsletter.migrations.0011_campaign_segments")


def privacy_topic_hide(apps, schema_editor):
    apps.get_model("newsletter", "Topic").objects.filter(slug="privacy-changes").update(is_public=False)


def sqlite_triggers_drop(apps, schema_editor):
    """Before the rebuild: SQLite cannot copy a table while a trigger (even one on another
    table, as on the campaign's topics) names it."""
    if schema_editor.connection.vendor != "postgresql":
        for statement in [*SEGMENTS_0011.SQLITE_REVERSE, ARCHIVE_0009.SQLITE_REVERSE]:
            schema_editor.execute(statement)


def sqlite_triggers_again(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        for statement in [ARCHIVE_0009.SQLITE_FORWARD, *SEGMENTS_0011.SQLITE_FORWARD]:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('newsletter', '0016_consent_proof_statement_version'),
        ('privacy', '0009_four_eyes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(sqlite_triggers_drop, migrations.RunPython.noop),
        migrations.RunPython(privacy_topic_hide, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="campaign",
            options={
                "ordering": ["-created_at"],
                "permissions": [
                    ("send_campaign", "Can send, schedule, pause and cancel campaigns"),
                    ("send_privacy_notice", "Can announce a material privacy statement change to every subscriber"),
                ],
                "verbose_name": "campaign", "verbose_name_plural": "campaigns",
            },
        ),
        migrations.AddField(
            model_name="campaign",
            name="announces",
            field=models.OneToOneField(
                blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                to="privacy.version", verbose_name="announces",
            ),
        ),
        migrations.AddField(
            model_name="campaign",
            name="kind",
            field=models.CharField(
                choices=[("regular", "Campaign"), ("privacy_notice", "Privacy notice")], default="regular",
                editable=False, max_length=16, verbose_name="kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="campaign",
            constraint=models.CheckConstraint(
                condition=models.Q(kind="regular", announces__isnull=True)
                | models.Q(kind="privacy_notice", announces__isnull=False, archive_published=False),
                name="newsletter_campaign_privacy_notice",
            ),
        ),
        migrations.AddConstraint(
            model_name="topic",
            constraint=models.CheckConstraint(
                condition=~models.Q(slug="privacy-changes", is_public=True),
                name="newsletter_topic_privacy_topic_retired",
                violation_error_message="Every subscriber gets privacy notices: this topic is no longer offered.",
            ),
        ),
        migrations.RunPython(sqlite_triggers_again, migrations.RunPython.noop),
    ]
