"""The Legal, Marketing and Support groups, with exactly the permissions in staff/roles.py.

On a fresh database the permissions do not exist yet (Django creates them after all
migrations), so they are created here first.
"""

from django.db import migrations


def forward(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from staff.roles import ROLES

    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in ROLES.items():
        permissions = []
        for app_label, codenames in grants.items():
            found = list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
            missing = set(codenames) - {p.codename for p in found}
            if missing:
                raise RuntimeError(f"{name}: unknown permissions {app_label}.{sorted(missing)}")
            permissions += found
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("privacy", "0005_consent_evidence_immutable"),
        ("newsletter", "0003_consent_proof_ip_permission"),
        ("datarights", "0001_initial"),
        ("contact", "0001_initial"),
        ("accesslog", "0002_marketing_sees_statistics"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
