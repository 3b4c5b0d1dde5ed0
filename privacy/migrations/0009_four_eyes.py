"""Four eyes: every save of a draft is recorded (VersionEdit), and a published version keeps who
edited it, who published it and whether the change was material. The trigger of 0002 is
replaced so that these columns are frozen with the rest; the links to the staff accounts may
still be cleared (an account is deleted), never pointed at someone else.
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

_0002 = importlib.import_module("privacy.migrations.0002_published_versions_immutable")

FROZEN_COLUMNS = (*_0002.FROZEN_COLUMNS, "editors", "published_by_name", "material")
ACCOUNT_COLUMNS = ("created_by_id", "published_by_id")

POSTGRES_CHANGED = " OR ".join(
    [f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN_COLUMNS]
    + [f"(NEW.{c} IS NOT NULL AND NEW.{c} IS DISTINCT FROM OLD.{c})" for c in ACCOUNT_COLUMNS]
)
SQLITE_CHANGED = " OR ".join(
    [f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN_COLUMNS]
    + [f"(NEW.{c} IS NOT NULL AND NEW.{c} IS NOT OLD.{c})" for c in ACCOUNT_COLUMNS]
)


def _postgres_function(changed: str) -> str:
    return (
        _0002.POSTGRES_FORWARD.split("CREATE TRIGGER")[0]
        .replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
        .replace(_0002.POSTGRES_CHANGED, changed)
    )


def _sqlite_update_trigger(changed: str) -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS privacy_version_immutable_update;",
        _0002.SQLITE_FORWARD[0].replace(_0002.SQLITE_CHANGED, changed),
    ]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_postgres_function(POSTGRES_CHANGED))
    else:
        for statement in _sqlite_update_trigger(SQLITE_CHANGED):
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_postgres_function(_0002.POSTGRES_CHANGED))
    else:
        for statement in _sqlite_update_trigger(_0002.SQLITE_CHANGED):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0008_consent_models_leave_privacy"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="version",
            name="editors",
            field=models.JSONField(
                blank=True,
                default=list,
                editable=False,
                help_text="The staff who saved the draft, as recorded when it was published.",
                verbose_name="edited by",
            ),
        ),
        migrations.AddField(
            model_name="version",
            name="material",
            field=models.BooleanField(
                blank=True,
                editable=False,
                help_text="The publisher's answer: does this version change what people were told in a way that matters?",
                null=True,
                verbose_name="material change",
            ),
        ),
        migrations.AddField(
            model_name="version",
            name="published_by_name",
            field=models.CharField(blank=True, editable=False, max_length=150, verbose_name="published by (name)"),
        ),
        migrations.CreateModel(
            name="VersionEdit",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("username", models.CharField(max_length=150, verbose_name="user name")),
                ("edited_at", models.DateTimeField(auto_now_add=True, verbose_name="edited at")),
                (
                    "user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="edits",
                        to="privacy.version",
                        verbose_name="version",
                    ),
                ),
            ],
            options={
                "verbose_name": "statement edit",
                "verbose_name_plural": "statement edits",
                "ordering": ["edited_at"],
            },
        ),
        migrations.RunPython(forward, reverse),
    ]
