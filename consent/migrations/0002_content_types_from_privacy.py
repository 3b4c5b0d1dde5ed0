"""The moved models' content types go from app label "privacy" to "consent".

Permissions hang on a content type, so renaming it in place keeps every permission row,
and with it what the staff groups (Legal) and individual staff members were granted,
and the admin log entries. Where both content types exist (Django made the new one
before this ran), the old permissions' grants are carried over to the new ones.
"""

from django.db import migrations

from core.model_moves import content_type_move

MODELS = ("category", "cookie", "registryrevision", "consentrecord", "gpcrefusalday")


def forward(apps, schema_editor):
    for model in MODELS:
        content_type_move(apps, model=model, old_app="privacy", new_app="consent")


def reverse(apps, schema_editor):
    for model in MODELS:
        content_type_move(apps, model=model, old_app="consent", new_app="privacy")


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [migrations.RunPython(forward, reverse)]
