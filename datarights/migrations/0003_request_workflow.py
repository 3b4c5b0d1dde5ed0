"""Data requests run to the GDPR's clock (issue 15): identity check, notes, extension, outcome,
download links sent with an answer, and an audit trail that cannot be changed.

The trail is evidence, like consent records (privacy/0005), so triggers rather than model
code hold it, for the admin, `QuerySet.update()` and raw SQL alike: no UPDATE (except
forgetting a deleted staff account), no DELETE while its request exists. The trail goes
with its request, after it: a trigger on the request deletes it (Django's own cascade would
delete the trail first, which the first trigger refuses, so the foreign key is DO_NOTHING).
"""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

LANGUAGES = [("nl", "Dutch"), ("en", "English")]
# Every column but actor_id, which may only be set to NULL (a deleted staff account).
FROZEN = ("id", "request_id", "at", "action", "actor_label", "detail")
MESSAGE = "data request audit events cannot be changed or deleted"

POSTGRES_FORWARD = f"""
CREATE FUNCTION datarights_event_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM datarights_datarequest WHERE id = OLD.request_id) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF {" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN)}
       OR (NEW.actor_id IS NOT NULL AND NEW.actor_id IS DISTINCT FROM OLD.actor_id) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER datarights_event_immutable
    BEFORE UPDATE OR DELETE ON datarights_datarequestevent
    FOR EACH ROW EXECUTE FUNCTION datarights_event_immutable();

CREATE FUNCTION datarights_request_trail_delete() RETURNS trigger AS $$
BEGIN
    DELETE FROM datarights_datarequestevent WHERE request_id = OLD.id;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER datarights_request_trail_delete
    AFTER DELETE ON datarights_datarequest
    FOR EACH ROW EXECUTE FUNCTION datarights_request_trail_delete();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS datarights_event_immutable ON datarights_datarequestevent;
DROP FUNCTION IF EXISTS datarights_event_immutable();
DROP TRIGGER IF EXISTS datarights_request_trail_delete ON datarights_datarequest;
DROP FUNCTION IF EXISTS datarights_request_trail_delete();
"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER datarights_event_immutable BEFORE UPDATE ON datarights_datarequestevent
    WHEN {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN)}
        OR (NEW.actor_id IS NOT NULL AND NEW.actor_id IS NOT OLD.actor_id)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER datarights_event_undeletable BEFORE DELETE ON datarights_datarequestevent
    WHEN EXISTS (SELECT 1 FROM datarights_datarequest WHERE id = OLD.request_id)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    """CREATE TRIGGER datarights_request_trail_delete AFTER DELETE ON datarights_datarequest
    BEGIN DELETE FROM datarights_datarequestevent WHERE request_id = OLD.id; END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS datarights_event_immutable;",
    "DROP TRIGGER IF EXISTS datarights_event_undeletable;",
    "DROP TRIGGER IF EXISTS datarights_request_trail_delete;",
]


def triggers_create(apps, schema_editor):
    statements = [POSTGRES_FORWARD] if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    for statement in statements:
        schema_editor.execute(statement)


def triggers_drop(apps, schema_editor):
    statements = [POSTGRES_REVERSE] if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for statement in statements:
        schema_editor.execute(statement)


def outcomes_of_closed_requests(apps, schema_editor):
    """Requests closed before outcomes existed: done was done, refused was refused."""
    DataRequest = apps.get_model("datarights", "DataRequest")
    for status in ("done", "refused"):
        DataRequest.objects.filter(status=status).update(outcome=status)


class Migration(migrations.Migration):
    dependencies = [
        ("datarights", "0002_suppression_moves_to_mail"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="datarequest", name="language",
            field=models.CharField(choices=LANGUAGES, default="nl",
                                   help_text="The e-mails to the person are written in this language.",
                                   max_length=8, verbose_name="language of the person"),
        ),
        migrations.AddField(
            model_name="datarequest", name="extended_months",
            field=models.PositiveSmallIntegerField(default=0, editable=False,
                                                   verbose_name="deadline extended by (months)"),
        ),
        migrations.AddField(
            model_name="datarequest", name="extension_reason",
            field=models.TextField(blank=True, editable=False, verbose_name="reason for the extension"),
        ),
        migrations.AddField(
            model_name="datarequest", name="identity_method",
            field=models.CharField(blank=True, choices=[
                ("same_address", "Wrote from the address the data is held for"),
                ("reply", "Answered a message sent to the address the data is held for"),
                ("known_details", "Confirmed details only the person knows"),
                ("in_person", "Seen in person (no copy of an ID document kept)"),
                ("other", "Other (see the note)"),
            ], editable=False, max_length=16, verbose_name="identity verified by"),
        ),
        migrations.AddField(
            model_name="datarequest", name="identity_note",
            field=models.CharField(blank=True, editable=False, max_length=200,
                                   verbose_name="how the identity was verified"),
        ),
        migrations.AddField(
            model_name="datarequest", name="identity_verified_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="identity verified at"),
        ),
        migrations.AddField(
            model_name="datarequest", name="outcome",
            field=models.CharField(blank=True, choices=[
                ("done", "Done: answered or carried out"),
                ("no_data", "No data held for the person"),
                ("withdrawn", "Withdrawn by the person"),
                ("refused", "Refused (the person is told why and of their right to complain)"),
            ], editable=False, max_length=16, verbose_name="outcome"),
        ),
        migrations.RunPython(outcomes_of_closed_requests, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="datarequest",
            constraint=models.CheckConstraint(
                condition=models.Q(status__in=["open", "in_progress"], outcome="")
                | models.Q(status="done", outcome__in=["done", "no_data", "withdrawn"])
                | models.Q(status="refused", outcome="refused"),
                name="datarights_closed_has_outcome",
            ),
        ),
        migrations.AddConstraint(
            model_name="datarequest",
            constraint=models.CheckConstraint(
                condition=models.Q(extended_months__lte=2)
                & (models.Q(extended_months=0) | ~models.Q(extension_reason="")),
                name="datarights_extension_up_to_two_months_with_reason",
            ),
        ),
        migrations.AlterField(
            model_name="datarequestevent", name="action",
            field=models.CharField(choices=[
                ("registered", "Registered"), ("status", "Status changed"), ("exported", "Data exported"),
                ("viewed", "Data shown"), ("corrected", "Data corrected"), ("erased", "Data erased"),
                ("closed", "Closed"), ("identity", "Identity verified"), ("note", "Note added"),
                ("extended", "Deadline extended"), ("answered", "Answer sent"),
                ("downloaded", "Export downloaded by the person"),
            ], max_length=16, verbose_name="action"),
        ),
        migrations.AlterField(
            model_name="datarequestevent", name="request",
            field=models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name="events",
                                    to="datarights.datarequest"),
        ),
        migrations.CreateModel(
            name="DataRequestNote",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="at")),
                ("author_label", models.CharField(max_length=150, verbose_name="by (as recorded)")),
                ("text", models.TextField(max_length=2000, verbose_name="note")),
                ("author", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                             related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="by")),
                ("request", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="notes",
                                              to="datarights.datarequest")),
            ],
            options={"verbose_name": "internal note", "verbose_name_plural": "internal notes",
                     "ordering": ["at", "pk"]},
        ),
        migrations.CreateModel(
            name="ExportLink",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("email", models.EmailField(max_length=254)),
                ("language", models.CharField(choices=LANGUAGES, max_length=8)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField()),
                ("downloaded_at", models.DateTimeField(blank=True, null=True)),
                ("request", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                              related_name="+", to="datarights.datarequest")),
            ],
            options={"verbose_name": "export download link", "verbose_name_plural": "export download links",
                     "indexes": [models.Index(fields=["expires_at"], name="datarights_exportlink_expiry")]},
        ),
        # Last: SQLite rebuilds the tables for the changes above and would drop the triggers.
        migrations.RunPython(triggers_create, triggers_drop),
    ]
