"""The moved models' content types go from app label "privacy" to "consent".

Permissions hang on a content type, so renaming it in place keeps every permission row,
and with it what the staff groups (Legal) and individual staff members were granted,
and the admin log entries. Where both content types exist (Django made the new one
before this ran), the old permissions' grants are carried over to the new ones.
"""

from django.db import migrations

MODELS = ("category", "cookie", "registryrevision", "consentrecord", "gpcrefusalday")


def _move(apps, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    LogEntry = apps.get_model("admin", "LogEntry")
    for model in MODELS:
        old = ContentType.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=target, model=model).first()
        if new is None:
            old.app_label = target
            old.save(update_fields=["app_label"])
            continue
        for permission in Permission.objects.filter(content_type=old):
            twin = Permission.objects.filter(content_type=new, codename=permission.codename).first()
            if twin is None:
                permission.content_type = new
                permission.save(update_fields=["content_type"])
                continue
            twin.group_set.add(*permission.group_set.all())
            twin.user_set.add(*permission.user_set.all())
            permission.delete()
        LogEntry.objects.filter(content_type=old).update(content_type=new)
        old.delete()


def forward(apps, schema_editor):
    _move(apps, "privacy", "consent")


def reverse(apps, schema_editor):
    _move(apps, "consent", "privacy")


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [migrations.RunPython(forward, reverse)]
