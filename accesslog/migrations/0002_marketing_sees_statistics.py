"""The Marketing group may see the page statistics (counts only; no screen shows an IP address)."""

from django.db import migrations


def forward(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    config = apps.get_app_config("accesslog")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="Marketing")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="accesslog", codename="view_pageview"))


class Migration(migrations.Migration):
    dependencies = [
        ("accesslog", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
