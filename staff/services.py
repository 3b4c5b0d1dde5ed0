"""Writes of the staff app: the role groups kept to staff/roles.py."""

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS

from staff import roles


def roles_sync(*, apps: Apps = global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Creates every model's permissions, then gives each role's group exactly its rights in ROLES.

    Idempotent; run after every migrate (StaffConfig.ready), so a codename added to or removed
    from ROLES reaches the group without a migration. `apps` is the migration state: a right
    whose model is not in it yet (a partial migrate) is left for the migrate that adds the
    model; a misspelt one is refused by the check staff.E001 before migrate starts.
    """
    try:
        group_model = apps.get_model("auth", "Group")
        permission_model = apps.get_model("auth", "Permission")
    except LookupError:  # auth not migrated (yet, or any more)
        return
    # Django creates permissions app by app after migrate, in INSTALLED_APPS order; the groups
    # need them all, whatever the order.
    for config in global_apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using, apps=apps)
    permissions = permission_model.objects.using(using)
    for name, grants in roles.ROLES.items():
        granted = [
            permission
            for app_label, codenames in grants.items()
            for permission in permissions.filter(content_type__app_label=app_label, codename__in=codenames)
        ]
        group, _created = group_model.objects.using(using).get_or_create(name=name)
        group.permissions.set(granted)
