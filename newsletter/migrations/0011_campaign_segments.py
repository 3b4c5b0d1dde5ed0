"""Segments (issue 13, point 5): a campaign is for one or more topics, optionally narrowed by the
readers' language and by when they subscribed. Every existing campaign keeps its one topic as its
segment. Once sending has started the segment never changes (the recipients are listed from it in
batches, and its messages' unsubscribe links name its topics): a trigger refuses a change of the
language, the dates or `started_at` itself, or adding a topic to such a campaign, and a constraint
trigger refuses removing one, checked at commit, so that deleting a whole campaign (which removes
its topics first) stays possible."""

import importlib

from django.db import migrations, models

# SQLite drops a table's triggers when Django rebuilds the table (as removing `topic` does): 0009's goes back.
ARCHIVE_0009 = importlib.import_module("newsletter.migrations.0009_campaign_archive")

POSTGRES_FORWARD = """
CREATE FUNCTION newsletter_campaign_segment_kept() RETURNS trigger AS $$
BEGIN
    IF OLD.started_at IS NOT NULL AND (
        NEW.started_at IS DISTINCT FROM OLD.started_at
        OR NEW.audience_language IS DISTINCT FROM OLD.audience_language
        OR NEW.subscribed_since IS DISTINCT FROM OLD.subscribed_since
        OR NEW.subscribed_before IS DISTINCT FROM OLD.subscribed_before
    ) THEN
        RAISE EXCEPTION 'a campaign''s audience cannot change once sending started'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER newsletter_campaign_segment_kept
    BEFORE UPDATE ON newsletter_campaign
    FOR EACH ROW EXECUTE FUNCTION newsletter_campaign_segment_kept();

CREATE FUNCTION newsletter_campaign_topics_kept() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM newsletter_campaign WHERE started_at IS NOT NULL AND id IN (
            CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.campaign_id END,
            CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.campaign_id END
        )
    ) THEN
        RAISE EXCEPTION 'a campaign''s topics cannot change once sending started'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER newsletter_campaign_topics_kept
    AFTER INSERT OR UPDATE ON newsletter_campaign_topics
    FOR EACH ROW EXECUTE FUNCTION newsletter_campaign_topics_kept();
CREATE CONSTRAINT TRIGGER newsletter_campaign_topics_kept_deleted
    AFTER DELETE ON newsletter_campaign_topics
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION newsletter_campaign_topics_kept();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS newsletter_campaign_topics_kept_deleted ON newsletter_campaign_topics;
DROP TRIGGER IF EXISTS newsletter_campaign_topics_kept ON newsletter_campaign_topics;
DROP FUNCTION IF EXISTS newsletter_campaign_topics_kept();
DROP TRIGGER IF EXISTS newsletter_campaign_segment_kept ON newsletter_campaign;
DROP FUNCTION IF EXISTS newsletter_campaign_segment_kept();
"""
# `make run`'s SQLite has no deferred triggers: there a topic cannot be added to a started
# campaign, and removing one is left to the admin, which shows a started campaign's topics read-only.
SQLITE_FORWARD = [
    """CREATE TRIGGER newsletter_campaign_segment_kept BEFORE UPDATE ON newsletter_campaign
    WHEN OLD.started_at IS NOT NULL AND (
        NEW.started_at IS NOT OLD.started_at OR NEW.audience_language IS NOT OLD.audience_language
        OR NEW.subscribed_since IS NOT OLD.subscribed_since OR NEW.subscribed_before IS NOT OLD.subscribed_before)
    BEGIN SELECT RAISE(ABORT, 'a campaign''s audience cannot change once sending started'); END;""",
    """CREATE TRIGGER newsletter_campaign_topics_kept BEFORE INSERT ON newsletter_campaign_topics
    WHEN EXISTS (SELECT 1 FROM newsletter_campaign WHERE id = NEW.campaign_id AND started_at IS NOT NULL)
    BEGIN SELECT RAISE(ABORT, 'a campaign''s topics cannot change once sending started'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS newsletter_campaign_topics_kept;",
    "DROP TRIGGER IF EXISTS newsletter_campaign_segment_kept;",
]


def triggers_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    else:
        for statement in [ARCHIVE_0009.SQLITE_REVERSE, ARCHIVE_0009.SQLITE_FORWARD, *SQLITE_FORWARD]:
            schema_editor.execute(statement)


def triggers_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)
    else:
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


def topic_becomes_segment(apps, schema_editor):
    campaign_model = apps.get_model("newsletter", "Campaign")
    through = campaign_model.topics.through
    through.objects.bulk_create(
        [through(campaign_id=pk, topic_id=topic_id)
         for pk, topic_id in campaign_model.objects.values_list("pk", "topic_id").iterator()],
        batch_size=1000,
    )


def segment_becomes_topic(apps, schema_editor):
    """Back to one topic: the first of each campaign's segment."""
    campaign_model = apps.get_model("newsletter", "Campaign")
    for campaign in campaign_model.objects.all().iterator():
        first = campaign.topics.order_by("position", "slug").first()
        if first is not None:
            campaign_model.objects.filter(pk=campaign.pk).update(topic=first)


class Migration(migrations.Migration):

    dependencies = [
        ("newsletter", "0010_campaign_content_preheader_text"),
    ]

    operations = [
        # Nullable and without a reverse accessor while both exist (so that this migration runs backwards too).
        migrations.AlterField(
            model_name="campaign",
            name="topic",
            field=models.ForeignKey(
                null=True, on_delete=models.deletion.PROTECT, related_name="+", to="newsletter.topic",
                verbose_name="topic",
            ),
        ),
        migrations.AddField(
            model_name="campaign",
            name="topics",
            field=models.ManyToManyField(
                help_text="Everyone who follows at least one of these topics gets the campaign, once.",
                related_name="campaigns", to="newsletter.topic", verbose_name="topics",
            ),
        ),
        migrations.RunPython(topic_becomes_segment, segment_becomes_topic),
        migrations.RemoveField(
            model_name="campaign",
            name="topic",
        ),
        migrations.AddField(
            model_name="campaign",
            name="audience_language",
            field=models.CharField(
                blank=True, choices=[("nl", "Dutch"), ("en", "English")],
                help_text="Leave empty for subscribers of every language.", max_length=8,
                verbose_name="only readers of",
            ),
        ),
        migrations.AddField(
            model_name="campaign",
            name="subscribed_since",
            field=models.DateField(
                blank=True, null=True, verbose_name="subscribed since",
                help_text="Only people who confirmed one of these topics on or after this day.",
            ),
        ),
        migrations.AddField(
            model_name="campaign",
            name="subscribed_before",
            field=models.DateField(
                blank=True, null=True, verbose_name="subscribed before",
                help_text="Only people who confirmed one of these topics before this day.",
            ),
        ),
        migrations.AddConstraint(
            model_name="campaign",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("subscribed_since__isnull", True), ("subscribed_before__isnull", True),
                    ("subscribed_since__lt", models.F("subscribed_before")), _connector="OR",
                ),
                name="newsletter_campaign_subscribed_window",
                violation_error_message="“Subscribed since” must be earlier than “subscribed before”.",
            ),
        ),
        migrations.RunPython(triggers_create, triggers_drop),
    ]
