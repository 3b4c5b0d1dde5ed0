"""System check: every right staff/roles.py grants exists (a misspelt one would silently grant nothing)."""

from django.apps import apps
from django.contrib.auth import get_permission_codename
from django.core import checks

from staff import roles


@checks.register()
def check_roles(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    known = {
        (model._meta.app_label, codename)
        for model in apps.get_models()
        for codename in [
            *(get_permission_codename(action, model._meta) for action in model._meta.default_permissions),
            *(codename for codename, _name in model._meta.permissions),
        ]
    }
    return [
        checks.Error(f"The {group} role grants {app_label}.{codename}, which no model defines.",
                     hint="Correct staff/roles.py.", id="staff.E001")
        for group, grants in roles.ROLES.items()
        for app_label, codenames in grants.items()
        for codename in codenames
        if (app_label, codename) not in known
    ]
